#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a file atomically: bytes go to a temporary file in the same
/// folder, which is renamed over `path` by ``commit()``; readers never see
/// a half-written file. Bytes are buffered and written in 1 MiB chunks.
struct AtomicFileWriter: ~Copyable {
  let path: String
  private let temporaryPath: String
  private let fd: Int32
  private var buffer: [UInt8] = []
  private var failed = false
  private static let chunk = 1 << 20

  init(path: String) throws(DataError) {
    AtomicFile.removeStaleTemporaries(of: path)
    let problem = AtomicFile.folderProblem(of: path)
    self.path = path
    temporaryPath = AtomicFile.temporaryPath(for: path)
    fd = problem == nil ? open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) : -1
    if let problem { throw problem }
    guard fd >= 0 else {
      throw DataError(
        .unwritable, file: path, "cannot create the file (\(String(cString: strerror(errno))))",
        hint: "check that the folder exists and is writable")
    }
    buffer.reserveCapacity(Self.chunk + 4096)
  }

  deinit {
    if fd >= 0 && !committed {
      close(fd)
      unlink(temporaryPath)
    }
  }

  private var committed = false

  /// Appends bytes.
  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
    if bytes.count >= Self.chunk {
      try flush()
      try writeAll(bytes)
      return
    }
    buffer.append(contentsOf: bytes)
    if buffer.count >= Self.chunk { try flush() }
  }

  /// Appends the UTF-8 of `text`.
  mutating func write(_ text: String) throws {
    var text = text
    try text.withUTF8 { b in try write(UnsafeRawBufferPointer(b)) }
  }

  /// Appends one byte.
  mutating func write(byte: UInt8) throws(DataError) {
    buffer.append(byte)
    if buffer.count >= Self.chunk { try flush() }
  }

  /// Appends the raw bytes of an array of plain values.
  mutating func write<T: BitwiseCopyable>(array: [T]) throws {
    try array.withUnsafeBytes { b in try write(b) }
  }

  private mutating func flush() throws(DataError) {
    guard !buffer.isEmpty else { return }
    let error = buffer.withUnsafeBytes { b in writeAllReportingError(b) }
    if let error { throw error }
    buffer.removeAll(keepingCapacity: true)
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
    if let e = writeAllReportingError(bytes) { throw e }
  }

  private func writeAllReportingError(_ bytes: UnsafeRawBufferPointer) -> DataError? {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        return DataError(.unwritable, file: path, "write failed (\(String(cString: strerror(errno))))", hint: "check free disk space")
      }
      done += n
    }
    return nil
  }

  /// Flushes, closes and renames the temporary file over `path`.
  consuming func commit() throws(DataError) {
    try flush()
    committed = true
    let synced = fsync(fd)
    let closed = close(fd)
    guard synced == 0, closed == 0, rename(temporaryPath, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporaryPath)
      throw DataError(.unwritable, file: path, "cannot finish writing the file (\(reason))", hint: "check the folder's permissions and free space")
    }
  }
}
