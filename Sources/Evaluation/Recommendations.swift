import InteractionData
import LinearAlgebra

/// Exact top-K recommendation for many users at once: users are scored in
/// blocks through the scorer (sgemm for factor models) and each row's top K
/// is taken by partial selection (``TopK``), the user's seen items excluded.
/// The evaluator ranks through this same code.
public enum Recommendations {
  /// The top `k` (item, score) pairs of each user in `users`, in order.
  ///
  /// - Parameters:
  ///   - exclude: items to skip per user (rows indexed by the scorer's user
  ///     indices; users beyond its rows exclude nothing), or nil.
  ///   - filter: which items may be returned (``ItemFilter``), or nil.
  ///   - block: users per block; memory is `threads * block * itemCount`
  ///     floats. nil: ``defaultBlock(items:)``.
  ///   - progress: called with (users done, users in total) after each block,
  ///     from any thread.
  /// - Complexity: O(|users| * itemCount * (d + log k)) for d-dimensional
  ///   factors; parallel over blocks with BLAS at one thread inside workers.
  public static func topK(
    _ scorer: some Scorer, users: [Int32], k: Int, exclude: InteractionMatrix? = nil,
    filter: ItemFilter? = nil, threads: Int = Parallel.availableThreads, block: Int? = nil,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) -> [[(item: Int32, score: Float)]] {
    let blockSize = max(1, block ?? defaultBlock(items: scorer.itemCount))
    let blocks = (users.count + blockSize - 1) / blockSize
    let workers = max(1, min(threads, blocks))
    let items = scorer.itemCount
    var lists = [[(item: Int32, score: Float)]](repeating: [], count: users.count)
    guard !users.isEmpty else { return lists }
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, workers * blockSize * items))
    defer { buffer.deallocate() }
    let scores = SendablePointer(buffer)
    let counter = ProgressCounter(total: users.count, report: progress)
    lists.withUnsafeMutableBufferPointer { out in
      let results = SendablePointer(out.baseAddress!)
      BLAS.withThreads(1) {
        Parallel.forEach(blocks, threads: workers, grain: 1) { b, worker in
          let lo = b * blockSize, hi = min(users.count, lo + blockSize)
          let rows = scores.base + worker * blockSize * items
          scorer.scoreBlock(users: users[lo..<hi], into: rows)
          for r in lo..<hi {
            let u = Int(users[r])
            let row = rows + (r - lo) * items
            let seen: ArraySlice<Int32> = exclude.map { u < $0.userCount ? $0.items(ofUser: u) : [] } ?? []
            if let filter {
              let buffer = UnsafeMutableBufferPointer(start: row, count: items)
              mask(buffer, seen: seen, filter: filter)
              results.base[r] = TopK.selectFinite(row, count: items, k: k)
            } else {
              let top = TopK.select(row, count: items, k: k, excluding: seen)
              results.base[r] = top.map { (item: $0, score: row[Int($0)]) }
            }
          }
          counter.add(hi - lo)
        }
      }
    }
    return lists
  }

  /// Users per block when the caller does not say: as many as keep one
  /// worker's score buffer within 64 MiB (``scoreBufferBytes``), at most 512
  /// and at least 16. The GEMM's throughput grows with the block; on a
  /// 2-core AMD EPYC (Zen 5), amazon-book k = 128, K = 100, all users, the
  /// whole top-K ran at 33% of plain sgemm's throughput with 32 users a block,
  /// 43% with 64, 55% with 256 and 61% with 512 (RetrievalBenchmark exact,
  /// `evaluation_topk_seconds`).
  public static func defaultBlock(items: Int) -> Int {
    min(512, max(16, scoreBufferBytes / (4 * max(1, items))))
  }

  /// The score buffer one worker may use under ``defaultBlock(items:)``.
  public static let scoreBufferBytes = 64 << 20

  /// Sets the scores of `seen` items and of items `filter` does not allow
  /// to −infinity (``TopK/selectFinite(_:count:k:)`` then skips them).
  /// - Complexity: O(|seen| + |I|) with a filter, O(|seen|) without.
  public static func mask(_ scores: UnsafeMutableBufferPointer<Float>, seen: ArraySlice<Int32>, filter: ItemFilter?) {
    let n = scores.count
    for i in seen where i >= 0 && Int(i) < n { scores[Int(i)] = -.infinity }
    if let filter { for i in 0..<n where !filter.allows(Int32(i)) { scores[i] = -.infinity } }
  }

  /// ``mask(_:seen:filter:)`` on an array.
  public static func mask(_ scores: inout [Float], seen: ArraySlice<Int32>, filter: ItemFilter?) {
    scores.withUnsafeMutableBufferPointer { mask($0, seen: seen, filter: filter) }
  }
}
