import Foundation
import Evaluation
import LinearAlgebra
import TwoTower

/// Full-ranking leave-one-out evaluation of any ``Scorer`` (the protocol of
/// ``LeaveOneOutSplit`` and ``SequenceMetrics``): for each evaluated user,
/// every item is scored, the items of the user's history are excluded, and
/// the target's place is a ``TiedRank`` (remaining items strictly higher, and
/// tied ones in expectation over a random order; rank 0 is the top). No
/// sampled candidates.
enum LeaveOneOutRanking {
  /// The target's place for each evaluated user: `rows[j]` is the scorer's
  /// row for user j, `histories[j]` the items excluded, `targets[j]` the
  /// held-out item.
  /// - Complexity: O(users · (items · d + items)), in chunks of `chunk`
  ///   users spread over `threads` workers (BLAS single-threaded inside).
  static func ranks(_ scorer: some Scorer, rows: [Int32], histories: [[Int32]], targets: [Int32], threads: Int,
                    chunk: Int = 128) -> [TiedRank] {
    precondition(rows.count == histories.count && rows.count == targets.count, "one row, history and target per user")
    let n = rows.count, items = scorer.itemCount
    var out = [TiedRank](repeating: TiedRank(above: 0), count: n)
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
            o.base[j] = TiedRank.of(target: Int(targets[j]), in: row, count: items, excluded: excluded)
            for i in histories[j] { excluded[Int(i)] = false }
          }
        }
      }
    }
    return out
  }

  /// Per-user values of hr@K and ndcg@K (K = 10, 20) from ranks: the
  /// paired differences' inputs; their means are ``SequenceMetrics``.
  static func perUser(_ ranks: [TiedRank]) -> [String: [Double]] {
    var out: [String: [Double]] = [:]
    for k in [10, 20] {
      out["hr@\(k)"] = ranks.map { $0.hit(k) }
      out["ndcg@\(k)"] = ranks.map { $0.gain(k) }
    }
    return out
  }
}
