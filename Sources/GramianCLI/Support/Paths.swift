import Foundation
import Gramian

/// Paths and the command line, as outputs record them.
enum Paths {
  /// This process's command line, shell-quoted where needed ("gramian data
  /// split ratings.csv --output out"), for manifests.
  static var commandLine: String {
    (["gramian"] + CommandLine.arguments.dropFirst()).map { a in
      a.isEmpty || a.contains(where: { " \"'$\\".contains($0) }) ? "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'" : a
    }.joined(separator: " ")
  }

  /// Throws when `path` (an output file) could not be written: its folder
  /// missing or read-only, or `path` a folder. Nil passes (stdout).
  static func checkOutputFile(_ path: String?) throws {
    guard let path else { return }
    try AtomicFile.checkWritable(path)
  }

  /// Creates the folder `path` will go in (as `mkdir -p` would).
  static func createParent(of path: String) throws {
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) {
      guard isDir.boolValue else {
        throw DataError(.unwritable, file: path, "cannot write: \(parent) is a file, not a folder", hint: "choose another path")
      }
      return
    }
    do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
      throw DataError(.unwritable, file: path, "cannot create the folder \(parent) (\(error.localizedDescription))",
                      hint: "choose a path in a writable folder")
    }
  }
}
