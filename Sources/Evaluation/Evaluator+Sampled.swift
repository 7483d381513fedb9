import Foundation

extension Evaluator {
  /// Sampled-negatives protocol (as in He et al. 2017, NCF): each held-out
  /// positive is ranked against its own list of negatives only.
  ///
  /// rank = 1 + #{negatives scoring above the positive} + #{negatives tying
  /// with it}: ties count against the positive, so a constant scorer earns
  /// nothing. Reports `hr@K` = mean of [rank ≤ K], `ndcg@K` = mean of
  /// 1/log2(rank + 1)·[rank ≤ K] (one relevant item, so IDCG = 1) and `mrr`.
  /// Krichene & Rendle (2020) show sampled metrics can rank models
  /// inconsistently with full ranking; prefer ``evaluate(_:train:test:options:progress:)``.
  ///
  /// - Parameters:
  ///   - positives: one (user, item) pair per case.
  ///   - negatives: for each case, the items to rank it against.
  /// - Complexity: O(cases · (cost of scoring |I| items + |negatives|)).
  public static func evaluateSampled(
    _ scorer: some Scorer, positives: [(user: Int32, item: Int32)], negatives: [[Int32]], ks: [Int]
  ) -> EvaluationResult {
    let clock = ContinuousClock()
    let start = clock.now
    precondition(positives.count == negatives.count,
                 "\(positives.count) positives but \(negatives.count) negative lists")
    let items = scorer.itemCount
    let metrics = RankingMetrics(ks: ks, catalogue: 1 + (negatives.map(\.count).max() ?? 0))
    let block = 256
    var ranks = [Int](repeating: 0, count: positives.count)
    var scores = [Float](repeating: 0, count: block * max(1, items))
    var lo = 0
    while lo < positives.count {
      let hi = min(positives.count, lo + block)
      let users = positives[lo..<hi].map(\.user)
      scores.withUnsafeMutableBufferPointer { s in
        scorer.scoreBlock(users: users[...], into: s.baseAddress!)
        for c in lo..<hi {
          let row = s.baseAddress! + (c - lo) * items
          let positive = row[Int(positives[c].item)]
          var rank = 1
          for j in negatives[c] where !(row[Int(j)] < positive) { rank += 1 }
          ranks[c] = rank
        }
      }
      lo = hi
    }
    var sums = [String: Double]()
    for rank in ranks {
      for k in ks where rank <= k {
        sums["hr@\(k)", default: 0] += 1
        sums["ndcg@\(k)", default: 0] += metrics.discounts[rank - 1]
      }
      sums["mrr", default: 0] += 1 / Double(rank)
    }
    var result = [String: Double]()
    if !positives.isEmpty {
      for k in ks {
        result["hr@\(k)"] = (sums["hr@\(k)"] ?? 0) / Double(positives.count)
        result["ndcg@\(k)"] = (sums["ndcg@\(k)"] ?? 0) / Double(positives.count)
      }
      result["mrr"] = sums["mrr"]! / Double(positives.count)
    }
    return EvaluationResult(metrics: result, users: positives.count, seconds: seconds(start.duration(to: clock.now)))
  }
}
