import Foundation
import LinearAlgebra

/// Full-ranking leave-one-out metrics of a sequence model (the protocol of
/// ``LeaveOneOutSplit``): for each evaluated user, the query is the last
/// state over the most recent `maxLength` items of their history (the
/// training items, and for the test item also the validation item); every
/// item is scored, the history's items are excluded, and the target's place
/// is a ``TiedRank``: the remaining items scoring strictly higher, and those
/// tied with it, taken in a uniformly random order. HR@K is the share of
/// users with rank < K, NDCG@K the mean of `1 / log2(rank + 2)` (rank 0 is
/// the top; both in expectation over the ties). No sampled candidates.
public struct SequenceMetrics: Sendable, Codable, Equatable {
  public var hr10 = 0.0, ndcg10 = 0.0, hr20 = 0.0, ndcg20 = 0.0
  public var users = 0

  /// `hr@10`, `ndcg@10`, `hr@20`, `ndcg@20`.
  public var dictionary: [String: Double] { ["hr@10": hr10, "ndcg@10": ndcg10, "hr@20": hr20, "ndcg@20": ndcg20] }

  /// Metrics from each user's place in the ranking (ties in expectation).
  public init(ranks: [TiedRank]) {
    users = ranks.count
    guard !ranks.isEmpty else { return }
    for r in ranks {
      hr10 += r.hit(10); ndcg10 += r.gain(10)
      hr20 += r.hit(20); ndcg20 += r.gain(20)
    }
    let n = Double(ranks.count)
    hr10 /= n; ndcg10 /= n; hr20 /= n; ndcg20 /= n
  }

  /// Metrics from untied ranks (rank 0 is the top).
  public init(ranks: [Int]) { self.init(ranks: ranks.map { TiedRank(above: $0) }) }
  public init() {}
}

/// A held-out item's place in a full ranking: `above` candidates score
/// strictly higher, `tied` score exactly the same. Metrics are expectations
/// over a uniformly random order of the tied items (the target equally
/// likely at each of the positions `above ... above + tied`), so a model that
/// scores many items alike, such as popularity's equal counts or a collapsed
/// model's all-zero scores, gets the chance level of the tie, not its top.
/// A NaN score never helps: a NaN target is ranked below every candidate,
/// and a NaN candidate counts as above the target.
public struct TiedRank: Sendable, Hashable, Codable {
  public var above: Int
  public var tied: Int
  public init(above: Int, tied: Int = 0) {
    self.above = above
    self.tied = tied
  }

  /// The target's place among `count` scores in `row`: the candidates are
  /// every index but `target` and those with `excluded[i]` set.
  /// - Complexity: O(count).
  @inlinable
  public static func of(target: Int, in row: UnsafePointer<Float>, count: Int, excluded: [Bool]) -> TiedRank {
    let s = row[target]
    var above = 0, tied = 0
    for i in 0..<count where !excluded[i] && i != target {
      let v = row[i]
      if v == s { tied += 1 } else if !(v < s) { above += 1 }
    }
    return TiedRank(above: above, tied: tied)
  }

  /// Expected HR@K: the share of the target's equally likely positions that lie below K.
  public func hit(_ k: Int) -> Double {
    guard above < k else { return 0 }
    return Double(min(above + tied, k - 1) - above + 1) / Double(tied + 1)
  }

  /// Expected NDCG@K with one relevant item: the mean over the target's
  /// equally likely positions p of `1 / log2(p + 2)` (0 at p >= K).
  public func gain(_ k: Int) -> Double {
    guard above < k else { return 0 }
    var sum = 0.0
    for p in above...min(above + tied, k - 1) { sum += 1 / Foundation.log2(Double(p) + 2) }
    return sum / Double(tied + 1)
  }
}

enum SequenceEvaluation {
  /// Which item a user is evaluated on.
  enum Target { case validation, test }

  /// The target's place for every evaluated user, in user order.
  /// - Complexity: O(users · (tower + items · d)).
  static func ranks(_ network: SequenceNetwork<Float>, split: LeaveOneOutSplit, target: Target, threads: Int,
                    chunk: Int = 256) -> [TiedRank] {
    let users = (0..<split.userCount).filter { split.test[$0] >= 0 }
    let items = network.itemCount, d = network.d
    var ranks = [TiedRank](repeating: TiedRank(above: 0), count: users.count)
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
      var chunkRanks = [TiedRank](repeating: TiedRank(above: 0), count: m)
      scores.withUnsafeBufferPointer { sp in
        chunkRanks.withUnsafeMutableBufferPointer { rp in
        let sB = SendableConstPointer(sp.baseAddress!), rB = SendablePointer(rp.baseAddress!)
        let hs = histories, ts = targets
        Parallel.forChunks(m, threads: threads) { range in
          var excluded = [Bool](repeating: false, count: items)
          for r in range {
            let row = sB.base + r * items
            for i in hs[r] { excluded[Int(i)] = true }
            rB.base[r] = TiedRank.of(target: Int(ts[r]), in: row, count: items, excluded: excluded)
            for i in hs[r] { excluded[Int(i)] = false }
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
