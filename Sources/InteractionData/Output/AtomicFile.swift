import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Every file Gramian writes is written to a temporary sibling and renamed
/// into place, so a reader sees the old file or the new one, never half of
/// one. Temporary names are recognisable (`NAME.gramian-partial-PID-RANDOM`)
/// and a writer removes the leftovers of writers that died (their process
/// is gone) before it writes to the same place.
public enum AtomicFile {
  /// The marker in every temporary file or folder name.
  public static let partialMarker = ".gramian-partial-"

  /// A fresh temporary sibling path for `path`.
  static func temporaryPath(for path: String) -> String {
    path + partialMarker + "\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
  }

  /// Removes `NAME.gramian-partial-PID-*` siblings of `path` whose process
  /// no longer runs (a kill between write and rename), files or folders.
  /// Those of running processes (a concurrent writer) are left alone.
  public static func removeStaleTemporaries(of path: String) {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    let prefix = url.lastPathComponent + partialMarker
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
    for name in names where name.hasPrefix(prefix) {
      let rest = name.dropFirst(prefix.count)
      guard let pid = rest.split(separator: "-").first.flatMap({ Int32($0) }) else { continue }
      if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
        try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
      }
    }
  }

  /// Writes `data` to `path` atomically: stale temporaries removed, bytes
  /// written to a temporary sibling and flushed to disk, then renamed.
  /// - Throws: ``DataError`` (`.unwritable`) naming `path` and the system's
  ///   reason, with a hint; nothing is left behind on failure.
  public static func write(_ data: Data, to path: String) throws(DataError) {
    var writer = try AtomicFileWriter(path: path)  // stale temporaries, folder check, O_EXCL temporary
    let failure: DataError? = data.withUnsafeBytes { raw in
      do { try writer.write(raw) } catch let error as DataError { return error } catch {
        return DataError(.unwritable, file: path, "cannot write (\(error))")
      }
      return nil
    }
    if let failure { throw failure }
    try writer.commit()  // flush, fsync, rename; the temporary is removed on failure
  }

  /// Writes `path` atomically from pieces: `body` gets a function that
  /// appends bytes (written as they come, through a 1 MiB buffer); when
  /// `body` returns, the file is flushed to disk and renamed over `path`.
  /// If `body` or a write throws, nothing is left behind and the error is
  /// passed on.
  public static func write(to path: String, _ body: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
    var writer = try AtomicFileWriter(path: path)
    try body { bytes in try writer.write(bytes) }
    try writer.commit()
  }

  /// Writes the UTF-8 of `text` atomically (``write(_:to:)``).
  public static func write(_ text: String, to path: String) throws(DataError) {
    try write(Data(text.utf8), to: path)
  }

  /// Throws when the folder `path` would go in is missing, not a folder or
  /// not writable, or `path` itself is a folder: the check a command makes
  /// before a long computation, so that it does not fail only at the end.
  public static func checkWritable(_ path: String) throws(DataError) {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
      throw DataError(.unwritable, file: path, "is a folder, expected a file path to write", hint: "give a file name inside the folder")
    }
    try checkFolder(of: path)
  }

  /// ``checkFolder(of:)``'s error, or nil.
  static func folderProblem(of path: String) -> DataError? {
    do { try checkFolder(of: path) } catch { return error }
    return nil
  }

  static func checkFolder(of path: String) throws(DataError) {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
      throw DataError(.unwritable, file: path, "cannot write: the folder \(dir) does not exist", hint: "create it first, or choose another path")
    }
    guard isDir.boolValue else {
      throw DataError(.unwritable, file: path, "cannot write: \(dir) is a file, not a folder", hint: "choose another path")
    }
    guard access(dir, W_OK) == 0 else { throw unwritable(path, errno) }
  }

  static func unwritable(_ path: String, _ code: Int32) -> DataError {
    DataError(.unwritable, file: path, "cannot write (\(String(cString: strerror(code))))",
              hint: "check that the folder exists, is writable and has space")
  }
}
