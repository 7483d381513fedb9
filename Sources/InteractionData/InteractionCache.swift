#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A binary cache of ``Interactions``: loading it skips text parsing and id
/// interning (raw arrays are read straight into memory and checked).
///
/// Layout: ``CacheHeader`` (magic, format version, counts, checksum) then
/// the arrays and the id names. A truncated, corrupt or other-version file
/// gives a ``DataError`` saying so, never a crash or wrong data.
public enum InteractionCache {
  /// Writes `x` to `path` atomically (temporary file + rename).
  /// - Complexity: O(events + total id length).
  public static func write(_ x: Interactions, to path: String) throws {
    let (userEnds, userBytes) = packNames(x.userIds)
    let (itemEnds, itemBytes) = packNames(x.itemIds)
    var sum = CacheChecksum()
    sum.update(x.users)
    sum.update(x.items)
    sum.update(x.weights)
    if let t = x.timestamps { sum.update(t) }
    sum.update(userEnds)
    sum.update(userBytes)
    sum.update(itemEnds)
    sum.update(itemBytes)
    let header = CacheHeader(
      hasTimestamps: x.timestamps != nil, events: UInt64(x.count), users: UInt64(x.userCount),
      items: UInt64(x.itemCount), userNameBytes: UInt64(userBytes.count), itemNameBytes: UInt64(itemBytes.count),
      checksum: sum.value)
    var out = try AtomicFileWriter(path: path)
    try out.write(array: header.encoded)
    try out.write(array: x.users)
    try out.write(array: x.items)
    try out.write(array: x.weights)
    if let t = x.timestamps { try out.write(array: t) }
    try out.write(array: userEnds)
    try out.write(array: userBytes)
    try out.write(array: itemEnds)
    try out.write(array: itemBytes)
    try out.commit()
  }

  /// Reads a cache written by ``write(_:to:)``.
  /// - Complexity: O(file size): one read of each array, one checksum pass,
  ///   one range check of the indices, and a `String` per id.
  public static func read(_ path: String) throws(DataError) -> Interactions {
    let file = try CacheFile(path: path)
    let headerBytes: [UInt8] = try file.readArray(count: min(CacheHeader.size, file.size))
    guard headerBytes.count >= 8, Array(headerBytes[0..<8]) == CacheHeader.magic else {
      throw DataError(
        .badFormat, file: path, "not a Gramian interaction cache (the file does not start with \"GRMNCACH\")",
        hint: "give a cache written by Gramian, or read the text file with its --format")
    }
    guard headerBytes.count == CacheHeader.size else {
      throw file.corrupt("truncated: \(file.size) bytes, shorter than the \(CacheHeader.size)-byte header")
    }
    let h = CacheHeader(decoding: headerBytes)
    guard h.version == CacheHeader.version else {
      throw DataError(
        .badFormat, file: path,
        "cache format version \(h.version); this build reads version \(CacheHeader.version)",
        hint: "delete the cache file and rebuild it from the source data")
    }
    guard let expected = h.expectedFileSize, expected == file.size else {
      let claim = h.expectedFileSize.map { "\($0) bytes" } ?? "an impossible size"
      throw file.corrupt(
        file.size < (h.expectedFileSize ?? .max)
          ? "truncated: the header describes \(claim), the file has \(file.size)"
          : "the header describes \(claim), the file has \(file.size)")
    }
    let n = Int(h.events)
    let users: [Int32] = try file.readArray(count: n)
    let items: [Int32] = try file.readArray(count: n)
    let weights: [Float] = try file.readArray(count: n)
    let timestamps: [Int64]? = h.hasTimestamps ? try file.readArray(count: n) : nil
    let userEnds: [UInt64] = try file.readArray(count: Int(h.users))
    let userBytes: [UInt8] = try file.readArray(count: Int(h.userNameBytes))
    let itemEnds: [UInt64] = try file.readArray(count: Int(h.items))
    let itemBytes: [UInt8] = try file.readArray(count: Int(h.itemNameBytes))
    var sum = CacheChecksum()
    sum.update(users)
    sum.update(items)
    sum.update(weights)
    if let timestamps { sum.update(timestamps) }
    sum.update(userEnds)
    sum.update(userBytes)
    sum.update(itemEnds)
    sum.update(itemBytes)
    guard sum.value == h.checksum else { throw file.corrupt("checksum mismatch (the data was changed or damaged)") }
    let userIds = try unpackNames(userEnds, userBytes, "user", file)
    let itemIds = try unpackNames(itemEnds, itemBytes, "item", file)
    guard inRange(users, userIds.count), inRange(items, itemIds.count) else {
      throw file.corrupt("an event refers to a user or item index past the id maps")
    }
    return Interactions(
      users: users, items: items, weights: weights, timestamps: timestamps, userIds: userIds, itemIds: itemIds)
  }

  /// Names as one byte array plus the end offset of each name.
  private static func packNames(_ map: IdMap) -> ([UInt64], [UInt8]) {
    var ends: [UInt64] = []
    ends.reserveCapacity(map.count)
    var bytes: [UInt8] = []
    for name in map.names {
      bytes.append(contentsOf: name.utf8)
      ends.append(UInt64(bytes.count))
    }
    return (ends, bytes)
  }

  private static func unpackNames(_ ends: [UInt64], _ bytes: [UInt8], _ what: String, _ file: CacheFile) throws(DataError) -> IdMap {
    var map = IdMap()
    var start = 0
    for end in ends {
      guard end >= UInt64(start), end <= UInt64(bytes.count) else { throw file.corrupt("\(what) name offsets are out of order") }
      let name = bytes.withUnsafeBufferPointer { b in
        String(validating: UnsafeBufferPointer(rebasing: b[start..<Int(end)]), as: UTF8.self)
      }
      guard let name else { throw file.corrupt("a \(what) id is not valid UTF-8") }
      map.insert(name)
      start = Int(end)
    }
    guard map.count == ends.count else { throw file.corrupt("\(what) ids repeat") }
    return map
  }

  private static func inRange(_ indices: [Int32], _ count: Int) -> Bool {
    let bound = Int32(clamping: count)
    return indices.withUnsafeBufferPointer { b in
      var ok = true
      for v in b { ok = ok && v >= 0 && v < bound }
      return ok
    }
  }
}

/// A cache file open for sequential reads of plain arrays.
private final class CacheFile {
  let path: String
  let fd: Int32
  let size: Int

  init(path: String) throws(DataError) {
    _ = try MappedFile.checkRegularFile(path)  // missing file / directory messages
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw DataError(.unreadable, file: path, "cannot open the file (\(String(cString: strerror(errno))))")
    }
    var info = stat()
    fstat(fd, &info)
    self.path = path
    self.fd = fd
    size = Int(info.st_size)
  }

  deinit { close(fd) }

  func corrupt(_ message: String) -> DataError {
    DataError(.corrupt, file: path, "corrupt interaction cache: \(message)", hint: "delete the cache file and rebuild it from the source data")
  }

  /// Reads `count` values of `T` at the current position.
  func readArray<T: BitwiseCopyable>(count: Int) throws(DataError) -> [T] {
    var failure: DataError? = nil
    let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      let raw = UnsafeMutableRawBufferPointer(buffer)
      var done = 0
      while done < raw.count {
        let n = Glibc.read(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
          failure = n == 0 ? corrupt("truncated while reading") : DataError(.unreadable, file: path, "read failed (\(String(cString: strerror(errno))))")
          memset(raw.baseAddress! + done, 0, raw.count - done)
          break
        }
        done += n
      }
      initialized = count
    }
    if let failure { throw failure }
    return array
  }
}
