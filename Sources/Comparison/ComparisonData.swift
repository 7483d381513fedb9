import Evaluation
import InteractionData
import LinearAlgebra
import TwoTower

/// The input of a comparison: training and test events over one pair of
/// id maps (as a ``Split`` gives them), optional feature files, and a name
/// for the report.
public struct ComparisonData: Sendable {
  public var name: String
  public var train: Interactions
  public var test: Interactions
  /// Feature files in ``FeatureBags``' format, read for each split's ids.
  public var userFeaturesPath: String?
  public var itemFeaturesPath: String?
  /// How repeated (user, item) events are merged into the matrices.
  public var duplicates: DuplicatePolicy

  public init(name: String, train: Interactions, test: Interactions, userFeaturesPath: String? = nil,
              itemFeaturesPath: String? = nil, duplicates: DuplicatePolicy = .sum) {
    self.name = name; self.train = train; self.test = test
    self.userFeaturesPath = userFeaturesPath; self.itemFeaturesPath = itemFeaturesPath
    self.duplicates = duplicates
  }
}

/// A training matrix and an evaluation matrix in one index space, with the
/// features aligned to it: the whole training split against the test split,
/// or the validation split carved from training.
struct Fold {
  let events: Interactions
  let train: InteractionMatrix
  let test: InteractionMatrix
  let userFeatures: FeatureBags?
  let itemFeatures: FeatureBags?

  init(events: Interactions, heldOut: Interactions, data: ComparisonData) throws {
    self.events = events
    train = InteractionMatrix(events, duplicates: data.duplicates)
    test = InteractionMatrix(heldOut, duplicates: data.duplicates)
    userFeatures = try data.userFeaturesPath.map { path throws(DataError) in try FeatureBags.read(path, ids: events.userIds) }
    itemFeatures = try data.itemFeaturesPath.map { path throws(DataError) in try FeatureBags.read(path, ids: events.itemIds) }
  }

  /// Users with at least one held-out pair.
  var testUsers: [Int32] {
    (0..<test.userCount).filter { test.userOffsets[$0 + 1] > test.userOffsets[$0] }.map(Int32.init)
  }

  /// The two-tower training data of this fold (histories when `config.history > 0`).
  func twoTowerData(_ config: TwoTowerConfig) -> TwoTowerData {
    var d = TwoTowerData(train: train, userFeatures: userFeatures, itemFeatures: itemFeatures)
    if config.history > 0 { d.histories = TwoTowerData.histories(events, userCount: train.userCount) }
    return d
  }

  /// The held-out pairs of at most `count` test users drawn by `seed`
  /// (all of them when there are fewer). O(|test| + |U|).
  func sampledTest(users count: Int, seed: UInt64) -> InteractionMatrix {
    var users = testUsers
    if users.count > count {
      var rng = SeededGenerator(seed: seed, stream: 0x5EED)
      users.shuffle(using: &rng)
      users = Array(users.prefix(count))
    }
    var us: [Int32] = [], its: [Int32] = []
    for u in users {
      for i in test.items(ofUser: Int(u)) { us.append(u); its.append(i) }
    }
    return InteractionMatrix(userCount: test.userCount, itemCount: test.itemCount, users: us, items: its,
                             weights: [Float](repeating: 1, count: us.count))
  }

  /// Full-ranking metrics of `scorer` on this fold's held-out pairs, with
  /// recall by popularity bucket at K = 20 when `buckets > 0`.
  func evaluate(_ scorer: some Scorer, ks: [Int], buckets: Int = 0, threads: Int,
                test other: InteractionMatrix? = nil) -> EvaluationResult {
    var o = EvaluationOptions()
    o.ks = ks
    o.threads = threads
    o.popularityBuckets = buckets
    o.bucketCutoff = 20
    return Evaluator.evaluate(scorer, train: train, test: other ?? test, options: o)
  }
}
