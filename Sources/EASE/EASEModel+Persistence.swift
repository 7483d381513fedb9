import Foundation
import InteractionData
import LinearAlgebra

/// The EASE model file, all integers little-endian (the shared
/// ``ModelContainer`` layout):
///
///     "GRMNEASE"                          8-byte magic
///     UInt32 version (= 1)
///     UInt64 n, n bytes                   config as JSON
///     UInt64 users                        user count
///     ids, ids                            user ids, item ids
///     UInt64 I, UInt64 I, I*I float32     B^T (zero diagonal)
///     UInt64 I, UInt64 1, I float32       diag((X^T X + lambda I)^-1), all > 0
///     UInt32 training flag (= 2), the ``TrainingSummary`` and each user's
///       training items (the binary rows X, rebuilt densely on load)
///     UInt64 checksum
enum EASEFile {
  static let magic = Array("GRMNEASE".utf8)
  static let version: UInt32 = 1
}

extension EASEModel {
  /// Writes the model atomically (temporary file, then rename).
  /// O(I^2 + nnz) bytes.
  public func save(to path: String) throws {
    var w = ModelContainerWriter(magic: EASEFile.magic, version: EASEFile.version)
    try w.json(config)
    w.u64(UInt64(rows.userCount))
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(itemFactors)
    w.matrix(Matrix(rows: inverseDiagonal.count, columns: 1, storage: inverseDiagonal))
    w.optionalTraining(summary)  // with its seen items: the rows of X
    try w.write(to: path)
  }

  /// True when the file at `path` starts with the EASE magic.
  public static func isModelFile(_ path: String) -> Bool {
    ModelContainer.hasMagic(EASEFile.magic, at: path)
  }

  /// Reads a model written by ``save(to:)``, checking every field.
  /// - Throws: ``EASEError/corruptFile(path:message:)`` naming the field.
  public static func load(from path: String) throws(EASEError) -> EASEModel {
    var r = try ModelContainerReader(path: path, magic: EASEFile.magic, versions: 1...EASEFile.version, kind: "EASE") {
      EASEError.corruptFile(path: path, message: $0)
    }
    let config = try r.json(EASEConfig.self, "config JSON")
    do { try config.validate() } catch { throw r.fail("config JSON is not valid (\(error))") }
    let users = try r.count("user count")
    let userIds = try r.ids("user ids"), itemIds = try r.ids("item ids")
    let weights = try r.matrix("item weights")
    guard weights.rows > 0, weights.rows == weights.columns else {
      throw r.fail("item weights are \(weights.rows) x \(weights.columns), expected a square matrix with at least one item")
    }
    let n = weights.rows
    for i in 0..<n where weights[i, i] != 0 { throw r.fail("item weights have \(weights[i, i]) on the diagonal at item \(i), expected 0") }
    let diagonal = try r.matrix("inverse diagonal")
    guard diagonal.rows == n, diagonal.columns == 1 else {
      throw r.fail("inverse diagonal is \(diagonal.rows) x \(diagonal.columns), expected \(n) x 1")
    }
    guard diagonal.storage.allSatisfy({ $0 > 0 }) else { throw r.fail("inverse diagonal has a value <= 0 (it is the diagonal of a positive definite inverse)") }
    guard let training = try r.optionalTraining(users: users, items: n), training.seen != nil else {
      throw r.fail("the training rows are missing (an EASE model scores from each user's training items)")
    }
    try r.finish()
    do {
      try MemoryBudget.check(MemoryBudget.product(users, n, 4), for: "the dense user rows of an EASE model (\(users) users x \(n) items)")
    } catch { throw r.fail("\(error)") }
    return EASEModel(config: config, itemFactors: weights, inverseDiagonal: diagonal.storage, summary: training,
                     userIds: try r.idsMatching(userIds, rows: users, "user ids"),
                     itemIds: try r.idsMatching(itemIds, rows: n, "item ids"))
  }
}
