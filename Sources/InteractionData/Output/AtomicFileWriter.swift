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
    var error: DataError? = nil
    do {
      let pending = buffer  // a reference to the same storage, released before the buffer is emptied
      error = pending.withUnsafeBytes { writeAllReportingError($0) }
    }
    if let error { throw error }
    buffer.removeAll(keepingCapacity: true)
  }

  private mutating func writeAll(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
    if let e = writeAllReportingError(bytes) { throw e }
  }

  private mutating func writeAllReportingError(_ bytes: UnsafeRawBufferPointer) -> DataError? {
    var done = 0
    while done < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        return DataError(.unwritable, file: path, "write failed (\(String(cString: strerror(errno))))", hint: "check free disk space")
      }
      done += n
    }
    written += bytes.count
    startWriteback()
    return nil
  }

  /// Bytes written to the temporary file so far, and how many of them the
  /// disk has been asked to write back.
  private var written = 0
  private var writebackStarted = 0

  /// Starts the disk write of each further 8 MiB written, without waiting
  /// (Linux `sync_file_range(..., SYNC_FILE_RANGE_WRITE)`), so the final
  /// `fsync` of a large file has less left to wait for. Advisory: a
  /// failure is ignored (the `fsync` in ``commit()`` reports real errors).
  private mutating func startWriteback() {
    #if os(Linux)
      guard written - writebackStarted >= 8 << 20 else { return }
      _ = c_sync_file_range(fd, Int64(writebackStarted), Int64(written - writebackStarted), 2 /* SYNC_FILE_RANGE_WRITE */)
      writebackStarted = written
    #endif
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

#if os(Linux)
  @_silgen_name("sync_file_range")
  private func c_sync_file_range(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
#endif
