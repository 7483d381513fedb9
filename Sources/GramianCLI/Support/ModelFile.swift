import Foundation
import Gramian

/// What the serving commands (evaluate, recommend, score, similar, export)
/// need from a saved model, whatever its kind.
protocol ServableModel: Scorer {
  /// "ials" or "two-tower".
  var kind: String { get }
  var userIds: IdMap { get }
  var itemIds: IdMap { get }
  /// User vectors, `|U| x d` (iALS factors or two-tower query embeddings).
  var userFactors: Matrix { get }
  /// Item vectors, `|I| x d`.
  var itemFactors: Matrix { get }
  /// Additive per-item score term (two-tower: beta · log P(d)), or nil.
  var itemBias: [Float]? { get }
  func score(user: Int, item: Int) -> Float
  func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)]
  func export(toDirectory dir: String) throws
}

extension IALSModel: ServableModel {
  var kind: String { "ials" }
  var itemBias: [Float]? { nil }
}

extension TwoTowerModel: ServableModel {
  var kind: String { "two-tower" }
  var userFactors: Matrix { userEmbeddings }
  var itemFactors: Matrix { itemEmbeddings }
  var itemBias: [Float]? { priorExponent == 0 ? nil : itemLogPrior.map { priorExponent * $0 } }
}

/// Loads any saved model by its magic number and exposes what the serving
/// commands need through one interface.
enum ModelFile {
  static func load(_ path: String) throws -> any ServableModel {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw DataError(.missingFile, file: path, "model file does not exist", hint: "fit one with 'gramian fit ials --output \(path)'")
    }
    guard !isDir.boolValue else { throw DataError(.notAFile, file: path, "is a directory, expected a model file") }
    if TwoTowerModel.isModelFile(path) { return try TwoTowerModel.load(from: path) }
    return try IALSModel.load(from: path)
  }
}
