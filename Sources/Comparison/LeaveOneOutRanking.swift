import Foundation
import Evaluation
import LinearAlgebra
import TwoTower

/// Full-ranking leave-one-out evaluation of any ``Scorer`` (the protocol of
/// ``LeaveOneOutSplit`` and ``SequenceMetrics``): for each evaluated user,
/// every item is scored, the items of the user's history are excluded, and
/// the target's rank is the number of remaining items that score strictly
/// higher (rank 0 is the top). No sampled candidates.
enum LeaveOneOutRanking {
  /// The target's rank for each evaluated user: `rows[j]` is the scorer's
  /// row for user j, `histories[j]` the items excluded, `targets[j]` the
  /// held-out item.
  /// - Complexity: O(users · (items · d + items)), in chunks of `chunk`
  ///   users spread over `threads` workers (BLAS single-threaded inside).
  static func ranks(_ scorer: some Scorer, rows: [Int32], histories: [[Int32]], targets: [Int32], threads: Int,
                    chunk: Int = 128) -> [Int] {
    precondition(rows.count == histories.count && rows.count == targets.count, "one row, history and target per user")
    let n = rows.count, items = scorer.itemCount
    var out = [Int](repeating: 0, count: n)
    guard n > 0 else { return out }
    let old = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(old) }
    let chunks = (n + chunk - 1) / chunk
    out.withUnsafeMutableBufferPointer { op in
      let o = SendablePointer(op.baseAddress!)
      Parallel.forEach(chunks, threads: threads, grain: 1) { c, _ in
        let lo = c * chunk, hi = min(n, lo + chunk)
        var scores = [Float](repeating: 0, count: (hi - lo) * items)
        var excluded = [Bool](repeating: false, count: items)
        scores.withUnsafeMutableBufferPointer { sp in
          scorer.scoreBlock(users: rows[lo..<hi], into: sp.baseAddress!)
          for j in lo..<hi {
            let row = sp.baseAddress! + (j - lo) * items
            for i in histories[j] { excluded[Int(i)] = true }
            let t = Int(targets[j]), s = row[t]
            var rank = 0
            for i in 0..<items where !excluded[i] && i != t && row[i] > s { rank += 1 }
            for i in histories[j] { excluded[Int(i)] = false }
            o.base[j] = rank
          }
        }
      }
    }
    return out
  }

  /// Per-user values of hr@K and ndcg@K (K = 10, 20) from ranks: the
  /// paired differences' inputs; their means are ``SequenceMetrics``.
  static func perUser(_ ranks: [Int]) -> [String: [Double]] {
    var out: [String: [Double]] = [:]
    for k in [10, 20] {
      out["hr@\(k)"] = ranks.map { $0 < k ? 1 : 0 }
      out["ndcg@\(k)"] = ranks.map { $0 < k ? 1 / log2(Double($0) + 2) : 0 }
    }
    return out
  }
}
