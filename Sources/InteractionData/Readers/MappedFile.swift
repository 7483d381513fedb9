#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-only memory map of a whole file, unmapped on deinit.
///
/// Readers stream over the mapping front to back, so the kernel reads ahead
/// and drops pages behind (`MADV_SEQUENTIAL`); memory stays bounded by the
/// page cache, not by the file size.
final class MappedFile {
  /// First byte; nil for an empty file.
  let base: UnsafePointer<UInt8>?
  /// Size in bytes.
  let count: Int

  /// Maps `path`, turning the usual mistakes (missing path, a directory,
  /// no permission) into ``DataError``s that name the path and the fix.
  init(path: String) throws(DataError) {
    let info = try MappedFile.checkRegularFile(path)
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw DataError(
        .unreadable, file: path, "cannot open the file (\(String(cString: strerror(errno))))",
        hint: "check its permissions")
    }
    defer { close(fd) }
    count = Int(info.st_size)
    if count == 0 {
      base = nil
      return
    }
    #if os(Linux)
      // Map every page now (one kernel call) instead of faulting per page.
      let flags = MAP_PRIVATE | MAP_POPULATE
    #else
      let flags = MAP_PRIVATE
    #endif
    guard let raw = mmap(nil, count, PROT_READ, flags, fd, 0), raw != MAP_FAILED else {
      throw DataError(.unreadable, file: path, "cannot map the file (\(String(cString: strerror(errno))))")
    }
    _ = madvise(raw, count, MADV_SEQUENTIAL)
    base = UnsafePointer(raw.assumingMemoryBound(to: UInt8.self))
  }

  /// The `stat` of `path`, or the ``DataError`` for a missing path or a
  /// directory.
  static func checkRegularFile(_ path: String) throws(DataError) -> stat {
    var info = stat()
    guard stat(path, &info) == 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR {
        throw DataError(
          .missingFile, file: path, "no such file",
          hint: "check the path (relative paths start from the current directory)")
      }
      throw DataError(.unreadable, file: path, "cannot read the file (\(String(cString: strerror(code))))")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw DataError(
        .notAFile, file: path, "is a directory, expected a file of interactions",
        hint: Advice(MappedFile.directoryHint(path)))
    }
    return info
  }

  deinit {
    if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
  }

  /// The bytes, valid while `self` is alive.
  var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

  /// "name a file inside it, e.g. ..." listing up to five regular files.
  private static func directoryHint(_ path: String) -> String {
    var names: [String] = []
    if let dir = opendir(path) {
      defer { closedir(dir) }
      while names.count < 5, let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        if !name.hasPrefix(".") && entry.pointee.d_type != UInt8(DT_DIR) { names.append(name) }
      }
    }
    let sep = path.hasSuffix("/") ? "" : "/"
    if names.isEmpty { return "name a ratings file, not a folder" }
    return "name a file inside it, e.g. " + names.sorted().map { path + sep + $0 }.joined(separator: ", ")
  }
}
