import LinearAlgebra

/// Settings of ``Evaluator/evaluate(_:train:test:options:progress:)``.
public struct EvaluationOptions: Sendable {
  /// Cut-offs K of the ranked lists; metrics are reported for each.
  public var ks: [Int] = [20, 50, 100]
  /// Worker threads (blocks of users are dealt to them round-robin).
  public var threads = Parallel.availableThreads
  /// Users scored per `scoreBlock` call; memory is threads·userBlock·|I|
  /// floats. nil: ``Recommendations/defaultBlock(items:)``.
  public var userBlock: Int? = nil
  /// Split the catalogue into this many equal-sized groups of items by
  /// training popularity and report recall within each (0: off).
  public var popularityBuckets = 0
  /// The cut-off of the bucketed recall (default: the first of `ks`).
  public var bucketCutoff: Int? = nil
  /// Keep each test user's recall@K and ndcg@K (``EvaluationResult/perUser``),
  /// for paired comparisons and bootstrap intervals. O(|U_test| |ks|) memory.
  public var keepPerUser = false

  public init() {}
}

/// Averages of ranking metrics over the evaluated users.
///
/// Metric names: `recall@K`, `ndcg@K`, `hr@K`, `precision@K`, `coverage@K`,
/// `mean_popularity@K`, `mean_log_popularity@K` for each K, and `mrr` over the longest list.
public struct EvaluationResult: Sendable, Codable, Equatable {
  /// Metric name -> value.
  public var metrics: [String: Double]
  /// Number of users evaluated (users with at least one test item).
  public var users: Int
  /// Wall-clock seconds of the evaluation.
  public var seconds: Double
  /// Recall by item-popularity bucket, least popular first, when
  /// ``EvaluationOptions/popularityBuckets`` > 0.
  public var popularityBuckets: [PopularityBucketRecall]? = nil
  /// With ``EvaluationOptions/keepPerUser``: `recall@K` and `ndcg@K` of each
  /// test user, in increasing user index (the order of the averages). Not
  /// encoded: it is as long as the test set.
  public var perUser: [String: [Double]]? = nil

  enum CodingKeys: String, CodingKey { case metrics, users, seconds, popularityBuckets }

  public init(metrics: [String: Double], users: Int, seconds: Double) {
    self.metrics = metrics
    self.users = users
    self.seconds = seconds
  }
}
