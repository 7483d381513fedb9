import Foundation

/// Per-user ranking metrics with binary relevance, the definitions of the
/// project's reference (`shared/bench/peers.py`, function `evaluate`):
///
/// - recall@K = hits@K / min(K, |T|)
/// - ndcg@K = DCG@K / IDCG@K, DCG = Σ_{hit at rank r ≤ K} 1/log2(r + 1),
///   IDCG = Σ_{r=1}^{min(K,|T|)} 1/log2(r + 1) (Järvelin & Kekäläinen 2002)
/// - hr@K = 1 if hits@K > 0; precision@K = hits@K / K
/// - rr = 1 / rank of the first hit in the whole list (0 if none)
///
/// where T is the user's set of test items and ranks start at 1.
public struct RankingMetrics: Sendable {
  /// The cut-offs, in the order values are reported.
  public let ks: [Int]
  /// `discounts[r - 1]` = 1/log2(r + 1) for ranks 1...max(ks).
  public let discounts: [Double]
  /// `ideal[n]` = Σ_{r=1}^{n} 1/log2(r + 1), the best DCG of n relevant items.
  public let ideal: [Double]

  /// Precomputes the discount tables for cut-offs `ks` (all >= 1).
  /// With a `catalogue` of that many items, no list or test set can be
  /// longer, so the tables stop there: a cut-off of 10^8 on 2,000 items
  /// costs 2,000 entries, not 10^8. O(min(max(ks), catalogue)).
  public init(ks: [Int], catalogue: Int? = nil) {
    precondition(!ks.isEmpty && ks.allSatisfy { $0 >= 1 }, "cut-offs must be >= 1, got \(ks)")
    self.ks = ks
    let kmax = max(1, min(ks.max()!, catalogue ?? Int.max))
    discounts = (1...kmax).map { 1 / log2(Double($0) + 1) }
    var sums = [0.0]
    for d in discounts { sums.append(sums.last! + d) }
    ideal = sums
  }

  /// Metrics of one user's ranked list.
  public struct UserValues: Equatable, Sendable {
    /// Per cut-off (same order as `ks`): recall, ndcg, hr, precision.
    public var recall: [Double], ndcg: [Double], hr: [Double], precision: [Double]
    /// Reciprocal rank of the first hit in the list.
    public var reciprocalRank: Double
  }

  /// Metrics of `ranked` (best first, at most max(ks) long) against
  /// `relevantCount` test items, `isRelevant` telling which are test items.
  ///
  /// - Complexity: O(|ranked| · |ks|) plus |ranked| calls of `isRelevant`.
  public func user(ranked: [Int32], relevantCount: Int, isRelevant: (Int32) -> Bool) -> UserValues {
    precondition(relevantCount > 0, "a user without test items has no metrics")
    precondition(ranked.count <= discounts.count, "list longer than max(ks) or the catalogue")
    precondition(min(ks.max()!, relevantCount) < ideal.count, "more relevant items than the catalogue")
    let hitAt = ranked.map(isRelevant)
    var out = UserValues(recall: [], ndcg: [], hr: [], precision: [], reciprocalRank: 0)
    if let first = hitAt.firstIndex(of: true) { out.reciprocalRank = 1 / Double(first + 1) }
    for k in ks {
      var hits = 0
      var dcg = 0.0
      for p in 0..<min(k, hitAt.count) where hitAt[p] {
        hits += 1
        dcg += discounts[p]
      }
      let n = min(k, relevantCount)
      out.recall.append(Double(hits) / Double(n))
      out.ndcg.append(dcg / ideal[n])
      out.hr.append(hits > 0 ? 1 : 0)
      out.precision.append(Double(hits) / Double(k))
    }
    return out
  }
}
