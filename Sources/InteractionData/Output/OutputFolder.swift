import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A folder of outputs that belong together (the train and test files of
/// a split, the factors and ids of an export, a report and its charts),
/// published as one step.
///
/// Files are written into a temporary sibling folder
/// (`FOLDER.gramian-partial-PID-RANDOM`); ``commit(command:)`` adds a
/// manifest (``FolderManifest``: each file's name, size and checksum, and
/// the command that made them) and then swaps the folder into place with
/// one `renameat2(RENAME_EXCHANGE)` (a plain rename when the folder is
/// new). Readers see the old set of files or the new one, never a mix, and
/// a reader that finds a file which no longer matches its folder's
/// manifest refuses it (``FolderManifest/verify(file:)``). Files in an
/// existing folder that this output does not produce are carried over.
public struct OutputFolder: ~Copyable {
  /// Where the folder is published.
  public let path: String
  /// The temporary folder files are written into until ``commit(command:)``.
  public let stagingPath: String
  private var committed = false

  /// Starts an output folder at `path` (its parent must exist).
  public init(path: String) throws(DataError) {
    var isDir: ObjCBool = false
    var problem: DataError? = nil
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
      problem = DataError(.unwritable, file: path, "exists and is a file, expected an output folder", hint: "choose a folder path")
    }
    AtomicFile.removeStaleTemporaries(of: path)
    problem = problem ?? AtomicFile.folderProblem(of: path)
    let staging = AtomicFile.temporaryPath(for: path)
    if problem == nil, mkdir(staging, 0o755) != 0 { problem = AtomicFile.unwritable(path, errno) }
    self.path = path
    stagingPath = staging
    if let problem { throw problem }
  }

  deinit {
    if !committed { try? FileManager.default.removeItem(atPath: stagingPath) }
  }

  /// Where a file named `name` is written before the commit.
  public func stagedPath(_ name: String) -> String { (stagingPath as NSString).appendingPathComponent(name) }

  /// Writes `data` as `name`.
  public func write(_ data: Data, as name: String) throws(DataError) {
    do { try data.write(to: URL(fileURLWithPath: stagedPath(name))) } catch {
      throw DataError(.unwritable, file: (path as NSString).appendingPathComponent(name),
                      "cannot write (\(error.localizedDescription))", hint: "check free disk space")
    }
  }

  /// Writes the manifest and publishes the folder. `command` says what
  /// produced it (recorded in the manifest).
  /// - Returns: the published paths of the files, manifest excluded.
  @discardableResult
  public consuming func commit(command: String) throws(DataError) -> [String] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: stagingPath)) ?? []).sorted()
    var manifest = FolderManifest(command: command, created: ISO8601DateFormatter().string(from: Date()), files: [])
    for name in names {
      manifest.files.append(try FolderManifest.entry(path: stagedPath(name), name: name))
    }
    try write(try manifest.encoded(), as: FolderManifest.fileName)
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
      // Keep what the old folder holds that no Gramian output wrote (files
      // its manifest does not list); drop the previous output's files.
      let previous = FolderManifest.read(folder: path)?.files.map(\.name) ?? []
      let produced = Set(names + previous + [FolderManifest.fileName])
      for old in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where !produced.contains(old) {
        _ = rename((path as NSString).appendingPathComponent(old), stagedPath(old))
      }
      guard renameExchange(stagingPath, path) == 0 else { throw AtomicFile.unwritable(path, errno) }
      try? FileManager.default.removeItem(atPath: stagingPath)  // now the old folder
    } else {
      guard rename(stagingPath, path) == 0 else { throw AtomicFile.unwritable(path, errno) }
    }
    committed = true
    return names.map { (path as NSString).appendingPathComponent($0) }
  }
}

@_silgen_name("renameat2")
private func c_renameat2(_ olddirfd: Int32, _ oldpath: UnsafePointer<CChar>, _ newdirfd: Int32,
                         _ newpath: UnsafePointer<CChar>, _ flags: UInt32) -> Int32

/// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
private func renameExchange(_ a: String, _ b: String) -> Int32 {
  c_renameat2(AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */)
}

/// The manifest of an ``OutputFolder``: `gramian-manifest.json`.
public struct FolderManifest: Codable, Equatable, Sendable {
  public static let fileName = "gramian-manifest.json"

  public struct Entry: Codable, Equatable, Sendable {
    public var name: String
    public var bytes: Int
    /// ``ModelContainer/checksum(_:)`` of the file's bytes, hexadecimal.
    public var checksum: String
  }

  /// The command that produced the folder.
  public var command: String
  /// When (ISO 8601, UTC).
  public var created: String
  public var files: [Entry]

  /// The manifest of `folder`, when it has one that decodes.
  public static func read(folder: String) -> FolderManifest? {
    guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(fileName)) else { return nil }
    return try? JSONDecoder().decode(FolderManifest.self, from: data)
  }

  static func entry(path: String, name: String) throws(DataError) -> Entry {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError(.unreadable, file: path, "cannot read back a file just written")
    }
    let sum = data.withUnsafeBytes { ModelContainer.checksum($0) }
    return Entry(name: name, bytes: data.count, checksum: String(sum, radix: 16))
  }

  func encoded() throws(DataError) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    do { return try encoder.encode(self) } catch { throw DataError(.unwritable, file: Self.fileName, "cannot encode the manifest") }
  }

  /// Checks `file` against the manifest of the folder it is in, when that
  /// folder has one that lists it: same size, same checksum. A folder whose
  /// files were replaced one by one (two runs racing, a kill halfway, an
  /// edit) is refused here instead of being read as if it were one output.
  /// Files the manifest does not list, and folders without one, pass.
  /// - Complexity: O(file size) when listed (one read to hash it).
  public static func verify(file: String) throws(DataError) {
    let url = URL(fileURLWithPath: file)
    let manifestPath = url.deletingLastPathComponent().appendingPathComponent(fileName).path
    guard let data = FileManager.default.contents(atPath: manifestPath) else { return }
    let manifest: FolderManifest
    do { manifest = try JSONDecoder().decode(FolderManifest.self, from: data) } catch {
      throw DataError(.corrupt, file: manifestPath, "the folder's manifest does not decode (\(error))",
                      hint: "re-run the command that wrote the folder")
    }
    guard let listed = manifest.files.first(where: { $0.name == url.lastPathComponent }) else { return }
    let actual = try entry(path: file, name: listed.name)
    guard actual.bytes == listed.bytes, actual.checksum == listed.checksum else {
      throw DataError(.corrupt, file: file,
                      "does not match the manifest of its folder (\(actual.bytes) bytes, checksum \(actual.checksum); the manifest written by '\(manifest.command)' at \(manifest.created) says \(listed.bytes) bytes, checksum \(listed.checksum)): the folder's files come from different runs or were changed",
                      hint: "re-run '\(manifest.command)' to write the folder again")
    }
  }
}
