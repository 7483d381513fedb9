import Evaluation
import InteractionData
import LinearAlgebra
import TwoTower

/// The input of a comparison: an ``InteractionDataset`` with a test set
/// (training and held-out events over one pair of id maps), optional feature
/// files, and a name for the report.
public struct ComparisonData: Sendable {
  public var name: String
  /// The training and test matrices the methods are fitted and scored on.
  public var dataset: InteractionDataset
  /// Feature files in ``FeatureBags``' format, read for each fold's ids.
  public var userFeaturesPath: String?
  public var itemFeaturesPath: String?
  /// How repeated (user, item) events are merged into the validation fold's
  /// matrices (the dataset's own matrices are already merged).
  public var duplicates: DuplicatePolicy
  /// Re-draws the train/test split for a seed (nil: the split is fixed, e.g.
  /// given test files; every seed then re-draws only the validation split
  /// and the initialisation). ``dataset`` is the first seed's split.
  public var resplit: (@Sendable (UInt64) throws -> InteractionDataset)?

  /// A comparison of the methods on `dataset`, which must have a test set
  /// (``InteractionDataset/load(_:options:duplicates:test:split:seed:log:)``
  /// with a test file or a split).
  public init(name: String, dataset: InteractionDataset, userFeaturesPath: String? = nil,
              itemFeaturesPath: String? = nil, duplicates: DuplicatePolicy = .sum) {
    self.name = name; self.dataset = dataset
    self.userFeaturesPath = userFeaturesPath; self.itemFeaturesPath = itemFeaturesPath
    self.duplicates = duplicates
  }

  /// A comparison on training and test events that share id maps (as a
  /// ``Split`` gives them).
  public init(name: String, train: Interactions, test: Interactions, userFeaturesPath: String? = nil,
              itemFeaturesPath: String? = nil, duplicates: DuplicatePolicy = .sum) {
    let split = Split(train: train, test: test, report: SplitReport(
      trainEvents: train.count, testEvents: test.count, foldInEvents: 0, heldOutUsers: 0, droppedTestEvents: 0, notes: []))
    self.init(name: name, dataset: InteractionDataset(split: split, duplicates: duplicates),
              userFeaturesPath: userFeaturesPath, itemFeaturesPath: itemFeaturesPath, duplicates: duplicates)
  }
}

/// A dataset to fit on and score against, with the features aligned to its
/// ids: the whole training split against the test split, or the validation
/// split carved from training.
struct Fold {
  let data: InteractionDataset
  let userFeatures: FeatureBags?
  let itemFeatures: FeatureBags?

  var events: Interactions { data.split.train }
  var train: InteractionMatrix { data.train }
  var test: InteractionMatrix { data.test }
  /// Users with at least one held-out pair.
  var testUsers: [Int32] { data.testUsers }

  init(_ data: InteractionDataset, features: ComparisonData) throws {
    self.data = data
    userFeatures = try features.userFeaturesPath.map { path throws(DataError) in try FeatureBags.read(path, ids: data.userIds) }
    itemFeatures = try features.itemFeaturesPath.map { path throws(DataError) in try FeatureBags.read(path, ids: data.itemIds) }
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
                test other: InteractionMatrix? = nil, perUser: Bool = false) -> EvaluationResult {
    var o = EvaluationOptions()
    o.keepPerUser = perUser
    o.ks = ks
    o.threads = threads
    o.popularityBuckets = buckets
    o.bucketCutoff = 20
    return Evaluator.evaluate(scorer, train: train, test: other ?? test, options: o)
  }
}
