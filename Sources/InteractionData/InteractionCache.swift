#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

import LinearAlgebra

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
    sum.update(x.timestamps ?? [])  // an empty section when absent, as the loader folds it
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

  /// True when the file at `path` starts with the cache's magic number.
  public static func isCache(_ path: String) -> Bool {
    ModelContainer.hasMagic(CacheHeader.magic, at: path)
  }

  /// Reads a cache written by ``write(_:to:)``.
  /// - Complexity: O(file size), one pass: each array is read block by
  ///   block on two threads, and each block is hashed and range-checked
  ///   while still in cache (see ``CacheFile``); then a `String` per id.
  public static func read(_ path: String) throws(DataError) -> Interactions {
    let file = try CacheFile(path: path)
    let headerBytes = try file.readBytes(at: 0, count: min(CacheHeader.size, file.size))
    let h = try checkHeader(headerBytes, file)
    let n = Int(h.events)
    let hasTimestamps = h.hasTimestamps
    var offset = CacheHeader.size
    func section<T>(_ array: inout [T], checkIndices: Bool = false) -> CacheFile.Section {
      let byteCount = array.count * MemoryLayout<T>.stride
      defer { offset += byteCount }
      let base = array.withUnsafeMutableBytes { $0.baseAddress }  // unique, fixed storage (see `uninitialized`)
      return CacheFile.Section(offset: offset, byteCount: byteCount, destination: base, checkIndices: checkIndices)
    }
    var users: [Int32] = uninitialized(n)
    var items: [Int32] = uninitialized(n)
    var weights: [Float] = uninitialized(n)
    var timestamps: [Int64] = uninitialized(hasTimestamps ? n : 0)
    var userEnds: [UInt64] = uninitialized(Int(h.users))
    var userBytes: [UInt8] = uninitialized(Int(h.userNameBytes))
    var itemEnds: [UInt64] = uninitialized(Int(h.items))
    var itemBytes: [UInt8] = uninitialized(Int(h.itemNameBytes))
    let eventSections = [
      section(&users, checkIndices: true), section(&items, checkIndices: true), section(&weights),
      section(&timestamps),
    ]
    let nameSections = [section(&userEnds), section(&userBytes), section(&itemEnds), section(&itemBytes)]

    // Names first (small), then the id maps are built on the same two
    // threads that read the event arrays.
    let nameResults = file.load(nameSections)
    if let e = file.failure(in: nameResults) { throw e }
    let maps = IdMapJobs()
    let eventResults = file.load(
      eventSections,
      jobs: [
        { [userEnds, userBytes] in maps.users.withLock { $0 = unpackNames(userEnds, userBytes, "user", path) } },
        { [itemEnds, itemBytes] in maps.items.withLock { $0 = unpackNames(itemEnds, itemBytes, "item", path) } },
      ])
    if let e = file.failure(in: eventResults) { throw e }
    var sum = CacheChecksum()
    for (section, results) in zip(eventSections + nameSections, eventResults + nameResults) {
      for r in results { sum.add(blockHash: r.hash) }
      sum.endSection(byteCount: section.byteCount)
    }
    guard sum.value == h.checksum else { throw file.corrupt("checksum mismatch (the data was changed or damaged)") }
    let largestUser = eventResults[0].reduce(0) { max($0, $1.largest) }
    let largestItem = eventResults[1].reduce(0) { max($0, $1.largest) }
    guard n == 0 || (UInt64(largestUser) < h.users && UInt64(largestItem) < h.items) else {
      throw file.corrupt("an event refers to a user or item index past the id maps")
    }
    let userIds = try maps.users.withLock { $0! }.get()
    let itemIds = try maps.items.withLock { $0! }.get()
    return Interactions(
      users: users, items: items, weights: weights, timestamps: hasTimestamps ? timestamps : nil,
      userIds: userIds, itemIds: itemIds)
  }

  /// Checks magic, size and version; returns the decoded header.
  private static func checkHeader(_ headerBytes: [UInt8], _ file: CacheFile) throws(DataError) -> CacheHeader {
    guard headerBytes.count >= 8, Array(headerBytes[0..<8]) == CacheHeader.magic else {
      throw DataError(
        .badFormat, file: file.path, "not a Gramian interaction cache (the file does not start with \"GRMNCACH\")",
        hint: "give a cache written by Gramian, or read the text file with its \(OptionKey.format)")
    }
    guard headerBytes.count == CacheHeader.size else {
      throw file.corrupt("truncated: \(file.size) bytes, shorter than the \(CacheHeader.size)-byte header")
    }
    let h = CacheHeader(decoding: headerBytes)
    guard h.version == CacheHeader.version else {
      throw DataError(
        .badFormat, file: file.path,
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
    return h
  }

  /// An array of `count` plain values whose contents are not yet set (the
  /// loader overwrites every byte, or zeroes what it could not read). Its
  /// storage is uniquely owned and never moves, so the loader may fill it
  /// through a pointer taken once.
  private static func uninitialized<T: BitwiseCopyable>(_ count: Int) -> [T] {
    [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
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

  /// The id map of names stored as `bytes` cut at `ends`. All-ASCII names
  /// (the usual case, checked once over all bytes) are built without
  /// per-name validation; others are validated as UTF-8.
  /// - Complexity: O(names + bytes), one `String` and one hash insert a name.
  private static func unpackNames(_ ends: [UInt64], _ bytes: [UInt8], _ what: String, _ path: String) -> Result<IdMap, DataError> {
    func corrupt(_ message: String) -> Result<IdMap, DataError> {
      .failure(
        DataError(
          .corrupt, file: path, "corrupt interaction cache: \(message)",
          hint: "delete the cache file and rebuild it from the source data"))
    }
    return bytes.withUnsafeBufferPointer { b in
      let ascii = b.reduce(0, |) < 0x80
      var map = IdMap()
      var start = 0
      for end in ends {
        guard end >= UInt64(start), end <= UInt64(b.count) else { return corrupt("\(what) name offsets are out of order") }
        let utf8 = UnsafeBufferPointer(rebasing: b[start..<Int(end)])
        guard let name = ascii ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self) else {
          return corrupt("a \(what) id is not valid UTF-8")
        }
        map.insert(name)
        start = Int(end)
      }
      guard map.count == ends.count else { return corrupt("\(what) ids repeat") }
      return .success(map)
    }
  }
}

/// The id maps built by the loader's jobs, each set by exactly one job.
private final class IdMapJobs: Sendable {
  let users = Locked<Result<IdMap, DataError>?>(nil)
  let items = Locked<Result<IdMap, DataError>?>(nil)
}
