import EASE
import Evaluation
import Foundation
import IALS
import InteractionData
import TwoTower

/// Loads any saved Gramian model, whatever its kind, as the one model
/// interface (``Recommender``): the command line, the comparison and the
/// server load models only through here.
public enum ModelFile {
  /// The kinds a file can hold, by magic number.
  public static let kinds = [PopularityModel.kind, IALSModel.kind, TwoTowerModel.kind, EASEModel.kind]

  /// Reads the model at `path`: popularity, iALS, two-tower or EASE, told apart by
  /// the file's magic number.
  /// - Throws: ``DataError`` when the path is missing or a folder; the
  ///   kind's own error (naming the file and what is wrong) when the file
  ///   is truncated, corrupt, of another version or not a model.
  public static func load(_ path: String) throws -> any Recommender {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw DataError(.missingFile, file: path, "model file does not exist",
                      hint: "fit a model and save it there with \(OptionKey.saveModel)")
    }
    guard !isDir.boolValue else { throw DataError(.notAFile, file: path, "is a directory, expected a model file") }
    if TwoTowerModel.isModelFile(path) { return try TwoTowerModel.load(from: path) }
    if PopularityModel.isModelFile(path) { return try PopularityModel.load(from: path) }
    if EASEModel.isModelFile(path) { return try EASEModel.load(from: path) }
    return try IALSModel.load(from: path)
  }
}
