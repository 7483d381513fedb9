import Foundation
import InteractionData
import LinearAlgebra

/// The most-popular baseline: every user gets the same scores, each item's
/// number of training users. A floor that any personalised model must beat
/// (Cremonesi et al. 2010, "Performance of recommender algorithms on top-N
/// recommendation tasks").
///
/// As a ``Recommender`` it is the zero-dimensional factor model: no user or
/// item vectors, the item bias is the count. Any history folds in to the
/// same (empty) vector, so new users get the popular items.
public struct PopularityModel: Sendable {
  /// Training count (number of distinct training users) of each item.
  public let counts: [Float]
  public let userIds: IdMap
  public let itemIds: IdMap
  public let training: TrainingSummary?
  private let users: Int

  /// Counts the users of each item in `train`. O(nnz) for the summary.
  /// The id maps may be empty (then the model is scored by dense index).
  public init(train: InteractionMatrix, userIds: IdMap = IdMap(), itemIds: IdMap = IdMap()) {
    counts = train.itemDegrees.map(Float.init)
    users = train.userCount
    self.userIds = userIds
    self.itemIds = itemIds
    training = TrainingSummary(train, userIds: userIds, itemIds: itemIds)
  }

  init(counts: [Float], users: Int, userIds: IdMap, itemIds: IdMap, training: TrainingSummary?) {
    self.counts = counts
    self.users = users
    self.userIds = userIds
    self.itemIds = itemIds
    self.training = training
  }
}

extension PopularityModel: Recommender {
  public static var kind: String { "popularity" }
  public var userCount: Int { users }
  public var itemCount: Int { counts.count }
  /// `userCount x 0`: no vectors.
  public var userFactors: Matrix { Matrix(rows: users, columns: 0) }
  /// `itemCount x 0`: no vectors.
  public var itemFactors: Matrix { Matrix(rows: counts.count, columns: 0) }
  /// The training counts.
  public var itemBias: [Float]? { counts }

  /// Copies `counts` into each of the `users.count` rows. O(b·|I|).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    guard !counts.isEmpty else { return }
    counts.withUnsafeBufferPointer { c in
      for r in 0..<users.count {
        (output + r * counts.count).update(from: c.baseAddress!, count: counts.count)
      }
    }
  }

  /// The empty vector: popularity ranks every user alike.
  public func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float] {
    for i in history where i < 0 || Int(i) >= counts.count {
      throw .outOfRange("history item \(i) is not in 0..<\(counts.count)")
    }
    return []
  }

  /// The most popular items other than `item` (scored by their counts):
  /// without vectors, popularity has no other notion of similarity.
  public func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    precondition(item >= 0 && item < counts.count, "item \(item) outside 0..<\(counts.count)")
    var scores = counts
    scores[item] = -.infinity
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: $0.count, k: k) }
  }
}

/// The popularity model file, all integers little-endian (the shared
/// ``ModelContainer`` layout):
///
///     "GRMNPOPL"                  8-byte magic
///     UInt32 version (= 1)
///     UInt64 users                user count
///     ids, ids                    user ids, item ids
///     UInt64 rows, UInt64 1, rows float32   item counts
///     UInt32 training flag, then the ``TrainingSummary`` and (flag 2) seen items
///     UInt64 checksum
enum PopularityFile {
  static let magic = Array("GRMNPOPL".utf8)
  /// The version written; 1 (training flag 0 or 1) and 2 (flag 2: each
  /// user's training items after the summary) are read.
  static let version: UInt32 = 2
}

/// Errors reading a popularity model file.
public struct PopularityFileError: Error, CustomStringConvertible {
  public var path: String
  public var message: String
  public var description: String { "\(path): \(message)" }
}

extension PopularityModel {
  /// Writes the model atomically. O(|I| + |U| + |I|) bytes of ids.
  public func save(to path: String) throws {
    var w = ModelContainerWriter(magic: PopularityFile.magic, version: PopularityFile.version)
    w.u64(UInt64(users))
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(Matrix(rows: counts.count, columns: 1, storage: counts))
    w.optionalTraining(training)
    try w.write(to: path)
  }

  /// True when the file at `path` starts with the popularity magic.
  public static func isModelFile(_ path: String) -> Bool {
    ModelContainer.hasMagic(PopularityFile.magic, at: path)
  }

  /// Reads a model written by ``save(to:)``.
  public static func load(from path: String) throws(PopularityFileError) -> PopularityModel {
    var r = try ModelContainerReader(path: path, magic: PopularityFile.magic, versions: 1...PopularityFile.version,
                                     kind: "popularity") { PopularityFileError(path: path, message: $0) }
    let users = try r.count("user count")
    let userIds = try r.ids("user ids"), itemIds = try r.ids("item ids")
    let counts = try r.matrix("item counts")
    guard counts.columns == 1 || counts.rows == 0 else { throw r.fail("item counts have \(counts.columns) columns, expected 1") }
    guard counts.rows > 0 else { throw r.fail("item counts are empty: a fitted model has at least one item") }
    guard counts.storage.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw r.fail("an item count is negative or not finite") }
    let training = try r.optionalTraining(users: users, items: counts.rows)
    try r.finish()
    return PopularityModel(counts: counts.storage, users: users, userIds: try r.idsMatching(userIds, rows: users, "user ids"),
                           itemIds: try r.idsMatching(itemIds, rows: counts.rows, "item ids"), training: training)
  }
}
