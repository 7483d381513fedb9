import InteractionData
import LinearAlgebra
import Synchronization

/// Exact top-K recommendation for many users at once: users are scored in
/// blocks through the scorer (sgemm for factor models), and each row's top K
/// is taken by partial selection with the user's seen items excluded.
public enum Recommendations {
  /// The top `k` (item, score) pairs for each user in `users`, in order.
  ///
  /// - Parameters:
  ///   - seen: items to exclude per user (rows indexed by the scorer's user
  ///     indices), or nil.
  ///   - block: users scored per block; memory is `block * itemCount` floats
  ///     per worker.
  ///   - progress: called with the number of users done (from any thread).
  /// - Complexity: O(|users| * itemCount * (d + log k)) for d-dimensional factors.
  public static func topK(
    _ scorer: some Scorer, users: [Int32], k: Int, seen: InteractionMatrix? = nil,
    threads: Int = Parallel.availableThreads, block: Int = 256,
    progress: (@Sendable (Int) -> Void)? = nil
  ) -> [[(Int32, Float)]] {
    let n = users.count
    let items = scorer.itemCount
    var result = [[(Int32, Float)]](repeating: [], count: n)
    let blocks = (n + block - 1) / block
    result.withUnsafeMutableBufferPointer { out in
      let outBox = SendablePointer(out.baseAddress!)
      let done = ProgressCounter()
      Parallel.forEach(blocks, threads: threads, grain: 1) { b, _ in
        let lo = b * block, hi = min(n, lo + block)
        var scores = [Float](repeating: 0, count: (hi - lo) * items)
        scores.withUnsafeMutableBufferPointer { sp in
          scorer.scoreBlock(users: users[lo..<hi], into: sp.baseAddress!)
          for r in lo..<hi {
            let u = Int(users[r])
            let row = UnsafePointer(sp.baseAddress! + (r - lo) * items)
            let exclude: ArraySlice<Int32> = (seen != nil && u < seen!.userCount) ? seen!.items(ofUser: u) : []
            let top = TopK.select(row, count: items, k: k, excluding: exclude)
            outBox.base[r] = top.map { ($0, row[Int($0)]) }
          }
        }
        progress?(done.add(hi - lo))
      }
    }
    return result
  }
}

/// A thread-safe running count for progress reports.
final class ProgressCounter: Sendable {
  private let value = Atomic<Int>(0)
  func add(_ n: Int) -> Int { value.add(n, ordering: .relaxed).newValue }
}
