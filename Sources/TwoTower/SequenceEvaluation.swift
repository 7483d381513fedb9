import Foundation
import LinearAlgebra

/// Full-ranking leave-one-out metrics of a sequence model (the protocol of
/// ``LeaveOneOutSplit``): for each evaluated user, the query is the last
/// state over the most recent `maxLength` items of their history (the
/// training items, and for the test item also the validation item); every
/// item is scored, the history's items are excluded, and the target's rank
/// is the number of remaining items scoring strictly higher. HR@K is the
/// share of users with rank < K, NDCG@K the mean of `1 / log2(rank + 2)`
/// over them. No sampled candidates.
public struct SequenceMetrics: Sendable, Codable, Equatable {
  public var hr10 = 0.0, ndcg10 = 0.0, hr20 = 0.0, ndcg20 = 0.0
  public var users = 0

  /// `hr@10`, `ndcg@10`, `hr@20`, `ndcg@20`.
  public var dictionary: [String: Double] { ["hr@10": hr10, "ndcg@10": ndcg10, "hr@20": hr20, "ndcg@20": ndcg20] }

  /// Metrics from each user's rank (rank 0 is the top).
  public init(ranks: [Int]) {
    users = ranks.count
    guard !ranks.isEmpty else { return }
    for r in ranks {
      let gain = 1 / (Double(r) + 2).log2
      if r < 10 { hr10 += 1; ndcg10 += gain }
      if r < 20 { hr20 += 1; ndcg20 += gain }
    }
    let n = Double(ranks.count)
    hr10 /= n; ndcg10 /= n; hr20 /= n; ndcg20 /= n
  }
  public init() {}
}

private extension Double {
  var log2: Double { Foundation.log2(self) }
}

enum SequenceEvaluation {
  /// Which item a user is evaluated on.
  enum Target { case validation, test }

  /// The target's rank for every evaluated user, in user order.
  /// - Complexity: O(users · (tower + items · d)).
  static func ranks(_ network: SequenceNetwork<Float>, split: LeaveOneOutSplit, target: Target, threads: Int,
                    chunk: Int = 256) -> [Int] {
    let users = (0..<split.userCount).filter { split.test[$0] >= 0 }
    let items = network.itemCount, d = network.d
    var ranks = [Int](repeating: 0, count: users.count)
    var lo = 0
    while lo < users.count {
      let hi = min(users.count, lo + chunk)
      var histories: [[Int32]] = []
      var targets: [Int32] = []
      for u in users[lo..<hi] {
        var h = split.train[u]
        if target == .test { h.append(split.validation[u]) }
        histories.append(h)
        targets.append(target == .test ? split.test[u] : split.validation[u])
      }
      let q = network.queries(histories: histories, threads: threads, chunk: chunk)
      let m = hi - lo
      var scores = [Float](repeating: 0, count: m * items)
      gemm(transB: true, m: m, n: items, k: d, q, lda: d, network.itemTable, ldb: d, &scores, ldc: items)
      var chunkRanks = [Int](repeating: 0, count: m)
      scores.withUnsafeBufferPointer { sp in
        chunkRanks.withUnsafeMutableBufferPointer { rp in
        let sB = SendableConstPointer(sp.baseAddress!), rB = SendablePointer(rp.baseAddress!)
        let hs = histories, ts = targets
        Parallel.forChunks(m, threads: threads) { range in
          var excluded = [Bool](repeating: false, count: items)
          for r in range {
            let row = sB.base + r * items
            for i in hs[r] { excluded[Int(i)] = true }
            let t = Int(ts[r]), s = row[t]
            var rank = 0
            for i in 0..<items where !excluded[i] && i != t && row[i] > s { rank += 1 }
            for i in hs[r] { excluded[Int(i)] = false }
            rB.base[r] = rank
          }
        }
        }
      }
      for r in 0..<m { ranks[lo + r] = chunkRanks[r] }
      lo = hi
    }
    return ranks
  }
}
