import Foundation
import InteractionData
import LinearAlgebra

/// Offline evaluation protocols over any ``Scorer``.
public enum Evaluator {
  /// Full-ranking evaluation: each test user's scores over all items, their
  /// training items removed, cut to the top max(ks) by ``TopK``, compared
  /// with their test items (metrics defined in ``RankingMetrics``).
  ///
  /// Users with no test items are skipped. Blocks of `options.userBlock`
  /// users are scored through `scorer.scoreBlock` by `options.threads`
  /// workers (BLAS at 1 thread inside them, set here: callers need not); per-user values are stored and
  /// summed serially in user order, so results do not depend on the thread
  /// count. `coverage@K` is the fraction of the catalogue in any user's
  /// top-K; `mean_popularity@K` averages, over users, the mean training
  /// count (users per item in `train`) of their top-K items, and
  /// `mean_log_popularity@K` the mean of `log P(d)` over them (natural log of
  /// the training frequency, ``PopularityPrior/logPrior(itemCounts:)``): the
  /// higher, the more a model leans on popular items. With
  /// `options.popularityBuckets > 0` the result also holds recall by item
  /// popularity bucket (``PopularityBucketRecall``).
  ///
  /// - Parameters:
  ///   - train: items to exclude per user (and popularity counts).
  ///   - test: relevant items per user; same shape as `train`.
  ///   - progress: called with (users done, users in total) after each block.
  /// - Complexity: O(|U_test|·(cost of scoring |I| items + |I| + n_u)) time;
  ///   O(threads·userBlock·|I| + |U_test|·max(ks)) memory.
  public static func evaluate(
    _ scorer: some Scorer, train: InteractionMatrix, test: InteractionMatrix,
    options: EvaluationOptions = .init(), progress: (@Sendable (Int, Int) -> Void)? = nil
  ) -> EvaluationResult {
    let clock = ContinuousClock()
    let start = clock.now
    precondition(train.userCount == test.userCount && train.itemCount == test.itemCount,
                 "train is \(train.userCount)x\(train.itemCount), test \(test.userCount)x\(test.itemCount)")
    precondition(scorer.itemCount == train.itemCount,
                 "scorer has \(scorer.itemCount) items, the data \(train.itemCount)")
    let metrics = RankingMetrics(ks: options.ks, catalogue: train.itemCount)
    let kmax = metrics.discounts.count
    let users = (0..<test.userCount).filter { test.userOffsets[$0 + 1] > test.userOffsets[$0] }.map(Int32.init)
    precondition(users.last.map { Int($0) < scorer.userCount } ?? true,
                 "test user \(users.last ?? 0) has no row in the scorer (\(scorer.userCount) users)")

    let lists = topLists(scorer, users: users, exclude: train, kmax: kmax, options: options, progress: progress)
    let popularity = train.itemDegrees
    let logPrior = PopularityPrior.logPrior(itemCounts: popularity)
    var buckets = PopularityBuckets(counts: popularity, buckets: options.popularityBuckets)
    let bucketK = options.bucketCutoff ?? metrics.ks[0]
    var sums = [String: Double]()
    var seen = [[Bool]](repeating: [Bool](repeating: false, count: train.itemCount), count: metrics.ks.count)
    var perUser = [String: [Double]]()
    for (position, user) in users.enumerated() {
      let u = Int(user)
      let ranked = lists[position]
      let values = metrics.user(ranked: ranked, relevantCount: test.userOffsets[u + 1] - test.userOffsets[u]) {
        test.contains(user: u, item: $0)
      }
      for (j, k) in metrics.ks.enumerated() {
        sums["recall@\(k)", default: 0] += values.recall[j]
        sums["ndcg@\(k)", default: 0] += values.ndcg[j]
        sums["hr@\(k)", default: 0] += values.hr[j]
        sums["precision@\(k)", default: 0] += values.precision[j]
        if options.keepPerUser {
          perUser["recall@\(k)", default: []].append(values.recall[j])
          perUser["ndcg@\(k)", default: []].append(values.ndcg[j])
        }
        let top = ranked.prefix(k)
        for i in top { seen[j][Int(i)] = true }
        let meanPop = top.isEmpty ? 0 : Double(top.reduce(0) { $0 + popularity[Int($1)] }) / Double(top.count)
        sums["mean_popularity@\(k)", default: 0] += meanPop
        let meanLog = top.isEmpty ? 0 : top.reduce(0.0) { $0 + Double(logPrior[Int($1)]) } / Double(top.count)
        sums["mean_log_popularity@\(k)", default: 0] += meanLog
      }
      if buckets != nil {
        let top = Set(ranked.prefix(bucketK))
        for i in test.items(ofUser: u) { buckets!.add(item: Int(i), hit: top.contains(i)) }
      }
      sums["mrr", default: 0] += values.reciprocalRank
    }
    var result = [String: Double]()
    let n = Double(max(1, users.count))
    for (name, s) in sums { result[name] = s / n }
    for (j, k) in metrics.ks.enumerated() {
      result["coverage@\(k)"] = Double(seen[j].lazy.filter { $0 }.count) / Double(max(1, train.itemCount))
    }
    if users.isEmpty { result = [:] }
    let elapsed = start.duration(to: clock.now)
    var out = EvaluationResult(metrics: result, users: users.count, seconds: seconds(elapsed))
    out.popularityBuckets = buckets?.result(cutoff: bucketK)
    if options.keepPerUser { out.perUser = perUser }
    return out
  }

  /// The top-`kmax` list of each of `users` (training items excluded), in the
  /// order of `users`, through ``Recommendations/topK``.
  static func topLists(
    _ scorer: some Scorer, users: [Int32], exclude train: InteractionMatrix, kmax: Int,
    options: EvaluationOptions, progress: (@Sendable (Int, Int) -> Void)?
  ) -> [[Int32]] {
    Recommendations.topK(
      scorer, users: users, k: kmax, exclude: train, threads: options.threads,
      block: options.userBlock, progress: progress
    ).map { $0.map(\.item) }
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }
}

/// Thread-safe count of finished users, forwarded to a progress callback.
final class ProgressCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var done = 0
  private let total: Int
  private let report: (@Sendable (Int, Int) -> Void)?

  init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
    self.total = total
    self.report = report
  }

  func add(_ n: Int) {
    guard let report else { return }
    lock.lock()
    done += n
    let now = done
    lock.unlock()
    report(now, total)
  }
}
