import Foundation
import InteractionData
import LinearAlgebra

/// The binary two-tower model file, all integers little-endian:
///
///     "GRMN2TWR"                     8-byte magic
///     UInt32 version (= 1)
///     UInt64 n, n bytes              config as JSON
///     UInt32                         prior exponent beta (float32 bits)
///     UInt64 count, then per id:     user ids (UInt32 length + UTF-8 bytes)
///     UInt64 count, then per id:     item ids
///     UInt64 rows, UInt64 cols, rows*cols float32   user embeddings
///     UInt64 rows, UInt64 cols, rows*cols float32   item embeddings
///     UInt64 rows, UInt64 cols = 1, float32         item log prior
///     UInt32 training flag, then (version >= 2)      ``TrainingSummary`` and seen items (as in the iALS file)
///     (version >= 4) UInt32 attention-tower flag; when 1: UInt64 count, then
///       that many matrices (the encoder's arrays, ``SequenceEncoder`` order),
///       then UInt32 flag and the history's own table (`items x d`) when 1
///     UInt64 checksum                ``ModelContainer/checksum(_:)`` of all bytes before it
///
/// (the shared ``ModelContainer`` layout).
enum TwoTowerFile {
  static let magic = Array("GRMN2TWR".utf8)
  /// The version written; versions 1 (no training summary), 2 (summary), 3
  /// (summary and each user's training items, training flag 2) and 4 (the
  /// attention tower's weights) are read.
  static let version: UInt32 = 4
}

extension TwoTowerModel {
  /// Writes the model (format on `TwoTowerFile`) atomically: a temporary
  /// file in the same folder, then a rename. O((|U|+|I|)·d).
  public func save(to path: String) throws {
    var w = ModelContainerWriter(magic: TwoTowerFile.magic, version: TwoTowerFile.version)
    try w.json(config)
    w.u32(priorExponent.bitPattern)
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(userEmbeddings)
    w.matrix(itemEmbeddings)
    w.matrix(Matrix(rows: itemLogPrior.count, columns: 1, storage: itemLogPrior))
    w.optionalTraining(training)
    if let tower = sequenceTower, let seq = config.sequence {
      w.u32(1)
      w.u64(UInt64(tower.parameters.count))
      let shapes = SequenceEncoder<Float>(config: seq, embeddingDim: dimension, params: tower.parameters)!.shapes
      for (p, shape) in zip(tower.parameters, shapes) { w.matrix(Matrix(rows: shape.0, columns: shape.1, storage: p)) }
      if let h = tower.historyTable { w.u32(1); w.matrix(h) } else { w.u32(0) }
    } else {
      w.u32(0)
    }
    try w.write(to: path)
  }

  /// True when the file at `path` starts with the two-tower magic.
  public static func isModelFile(_ path: String) -> Bool {
    ModelContainer.hasMagic(TwoTowerFile.magic, at: path)
  }

  /// Reads a model written by ``save(to:)``.
  /// - Throws: ``TwoTowerError/corruptFile(path:message:)`` naming what is
  ///   wrong: bad magic, unknown version, truncation, checksum mismatch,
  ///   inconsistent shapes.
  public static func load(from path: String) throws(TwoTowerError) -> TwoTowerModel {
    var r = try ModelContainerReader(path: path, magic: TwoTowerFile.magic, versions: 1...TwoTowerFile.version, kind: "two-tower") {
      TwoTowerError.corruptFile(path: path, message: $0)
    }
    let config = try r.json(TwoTowerConfig.self, "config JSON")
    let beta = Float(bitPattern: try r.u32("prior exponent"))
    let userIds = try r.ids("user ids"), itemIds = try r.ids("item ids")
    let users = try r.matrix("user embeddings"), items = try r.matrix("item embeddings")
    let prior = try r.matrix("item log prior")
    let training = r.version >= 2 ? try r.optionalTraining(users: users.rows, items: items.rows) : nil
    var tower: SequenceTowerWeights? = nil
    if r.version >= 4 {
      switch try r.u32("attention-tower flag") {
      case 0: break
      case 1:
        let count = try r.count("attention-tower arrays")
        guard count <= 3 + 16 * 64 else { throw r.fail("attention-tower arrays: \(count) is more than 64 blocks hold") }
        var params: [[Float]] = []
        for p in 0..<count { params.append(try r.matrix("attention-tower array \(p)").storage) }
        var history: Matrix? = nil
        switch try r.u32("history-table flag") {
        case 0: break
        case 1: history = try r.matrix("history table")
        case let f: throw r.fail("history-table flag is \(f), expected 0 or 1")
        }
        guard let seq = config.sequence else { throw r.fail("the file holds attention-tower weights but its config has no sequence tower") }
        let names = SequenceEncoder<Float>(config: seq, embeddingDim: items.columns, params: params)?.names ?? []
        tower = SequenceTowerWeights(names: names, parameters: params, historyTable: history)
      case let f: throw r.fail("attention-tower flag is \(f), expected 0 or 1")
      }
    }
    try r.finish()
    guard users.columns == items.columns else {
      throw r.fail("user embeddings have \(users.columns) columns, item embeddings \(items.columns)")
    }
    guard prior.rows == items.rows, prior.columns == 1 else {
      throw r.fail("the log prior has \(prior.rows) x \(prior.columns) values for \(items.rows) items")
    }
    guard userIds.count == users.rows, itemIds.count == items.rows else {
      throw r.fail("id maps (\(userIds.count) users, \(itemIds.count) items) do not match the embedding rows (\(users.rows), \(items.rows))")
    }
    guard beta.isFinite else { throw r.fail("the prior exponent is not finite") }
    guard items.rows > 0, items.columns > 0 else {
      throw r.fail("item embeddings are \(items.rows) x \(items.columns): a fitted model has at least one item and one dimension")
    }
    do { try config.validate() } catch { throw r.fail("config JSON is not valid (\(error))") }
    if config.sequence != nil && tower == nil { throw r.fail("the config names an attention tower but the file holds no weights for it") }
    if let tower {
      do {
        return try TwoTowerModel(config: config, userEmbeddings: users, itemEmbeddings: items, itemLogPrior: prior.storage,
                                 priorExponent: beta, userIds: userIds, itemIds: itemIds, training: training,
                                 sequenceTower: tower)
      } catch { throw r.fail("attention-tower weights: \(error)") }
    }
    return TwoTowerModel(config: config, userEmbeddings: users, itemEmbeddings: items, itemLogPrior: prior.storage,
                         priorExponent: beta, userIds: userIds, itemIds: itemIds, training: training)
  }

  /// Writes `user_factors.npy`, `item_factors.npy` (float32, C order),
  /// `user_ids.txt`, `item_ids.txt` (row order) and `item_log_prior.npy`
  /// into `dir` (its parent must exist) as one ``OutputFolder``, as `IALSModel.export` does. The
  /// factors are the plain embeddings; the prior is applied by the reader
  /// (score + beta · log prior).
  public func export(toDirectory dir: String) throws {
    let folder = try OutputFolder(path: dir)
    try NPY.write(userEmbeddings, to: folder.stagedPath("user_factors.npy"))
    try NPY.write(itemEmbeddings, to: folder.stagedPath("item_factors.npy"))
    try NPY.write(Matrix(rows: itemLogPrior.count, columns: 1, storage: itemLogPrior), to: folder.stagedPath("item_log_prior.npy"))
    for (m, name) in [(userIds, "user_ids.txt"), (itemIds, "item_ids.txt")] {
      try folder.write(Data(m.names.map { $0 + "\n" }.joined().utf8), as: name)
    }
    try folder.commit(command: "TwoTowerModel.export(toDirectory:)")
  }

}
