import Foundation
import Gramian

/// Loads any saved model by its magic number and exposes what the serving
/// commands need through one interface.
enum ModelFile {
  static func load(_ path: String) throws -> IALSModel {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw DataError(.missingFile, file: path, "model file does not exist", hint: "fit one with 'gramian fit ials --output \(path)'")
    }
    guard !isDir.boolValue else { throw DataError(.notAFile, file: path, "is a directory, expected a model file") }
    return try IALSModel.load(from: path)
  }
}
