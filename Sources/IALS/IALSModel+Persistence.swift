import Foundation
import InteractionData
import LinearAlgebra

/// The binary model file, all integers little-endian:
///
///     "GRMNIALS"                     8-byte magic
///     UInt32 version (= 1)
///     UInt64 n, n bytes              config as JSON
///     UInt64 count, then per id:     user ids (UInt32 length + UTF-8 bytes)
///     UInt64 count, then per id:     item ids
///     UInt64 rows, UInt64 cols, rows*cols float32   user factors
///     UInt64 rows, UInt64 cols, rows*cols float32   item factors
///     UInt32 training flag (0, 1, 2), then (version >= 2) ``TrainingSummary``: UInt64 pairs,
///       UInt64 fingerprint, UInt64 n + n UInt64 sketch, UInt64 m + m UInt32 item counts
///       (flag 2) UInt64 users, users + 1 UInt64 offsets, offsets[users] int32 items: ``SeenItems``
///     UInt64 checksum                ``ModelContainer/checksum(_:)`` of all bytes before it
///
/// (the shared ``ModelContainer`` layout).
enum IALSFile {
  static let magic = Array("GRMNIALS".utf8)
  /// The version written; versions 1 (no training summary), 2 (summary) and 3
  /// (summary and each user's training items, training flag 2) are read.
  static let version: UInt32 = 3
}

extension IALSModel {
  /// Writes the model (format on `IALSFile`) atomically: a temporary file
  /// in the same folder, then a rename, so readers never see a partial file.
  /// - Complexity: O((|U|+|I|)·k) time and memory.
  public func save(to path: String) throws {
    var w = ModelContainerWriter(magic: IALSFile.magic, version: IALSFile.version)
    try w.json(config)
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(userFactors)
    w.matrix(itemFactors)
    w.optionalTraining(training)
    try w.write(to: path)
  }

  /// Reads a model written by ``save(to:)``.
  /// - Throws: ``IALSError/corruptFile(path:message:)`` naming the file and
  ///   what is wrong (bad magic, unknown version, truncation, checksum mismatch,
  ///   inconsistent shapes).
  public static func load(from path: String) throws -> IALSModel {
    var r = try ModelContainerReader(path: path, magic: IALSFile.magic, versions: 1...IALSFile.version, kind: "iALS") {
      IALSError.corruptFile(path: path, message: $0)
    }
    let config = try r.json(IALSConfig.self, "config JSON")
    let userIds = try r.ids("user ids")
    let itemIds = try r.ids("item ids")
    let users = try r.matrix("user factors")
    let items = try r.matrix("item factors")
    let training = r.version >= 2 ? try r.optionalTraining(users: users.rows, items: items.rows) : nil
    try r.finish()
    guard users.columns == items.columns else {
      throw r.fail("user factors have \(users.columns) columns, item factors \(items.columns)")
    }
    guard items.rows > 0, items.columns > 0 else {
      throw r.fail("item factors are \(items.rows) x \(items.columns): a fitted model has at least one item and one factor")
    }
    do { try config.validate() } catch { throw r.fail("config JSON is not valid (\(error))") }
    return IALSModel(config: config, userFactors: users, itemFactors: items,
                     userIds: try r.idsMatching(userIds, rows: users.rows, "user ids"),
                     itemIds: try r.idsMatching(itemIds, rows: items.rows, "item ids"), training: training)
  }

  /// Writes `user_factors.npy`, `item_factors.npy` (float32, C order) and
  /// `user_ids.txt`, `item_ids.txt` (one id a line, row order) into `dir`
  /// (its parent must exist) as one ``OutputFolder``: published in one step
  /// with a manifest. The input of `peers.py evaluate` and numpy.
  public func export(toDirectory dir: String) throws {
    let folder = try OutputFolder(path: dir)
    try NPY.write(userFactors, to: folder.stagedPath("user_factors.npy"))
    try NPY.write(itemFactors, to: folder.stagedPath("item_factors.npy"))
    try folder.write(Data(userIds.names.map { $0 + "\n" }.joined().utf8), as: "user_ids.txt")
    try folder.write(Data(itemIds.names.map { $0 + "\n" }.joined().utf8), as: "item_ids.txt")
    try folder.commit(command: "IALSModel.export(toDirectory:)")
  }

}
