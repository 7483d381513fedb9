import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra

/// The container shared by Gramian's model files (iALS, two-tower), all
/// integers little-endian:
///
///     8-byte magic                   names the model kind ("GRMNIALS", "GRMN2TWR")
///     UInt32 version                 of that kind's layout
///     fields ...                     written with ``ModelContainerWriter``
///     UInt64 checksum                ``ModelContainer/checksum(_:)`` of all bytes before it
///
/// Fields: `u32`, `u64`, a length-prefixed JSON document, id maps (UInt64
/// count, then UInt32 length + UTF-8 bytes per id) and matrices (UInt64 rows,
/// UInt64 columns, rows * columns float32).
package enum ModelContainer {
  /// A 64-bit checksum: 8-byte words (the tail zero-padded) folded by
  /// `h = (h ^ word) * 0x100000001b3` from the FNV-1a offset basis, then the
  /// length mixed in. Detects truncation and any flipped byte with
  /// overwhelming probability; not cryptographic. O(n).
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    let n = bytes.count
    var i = 0
    while i + 8 <= n {
      h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < n { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
    h = (h ^ tail) &* 0x0000_0100_0000_01b3
    h = (h ^ UInt64(n)) &* 0x0000_0100_0000_01b3
    return h ^ (h >> 29)
  }

  /// The whole file at `path`, read with POSIX calls straight into the
  /// array (no intermediate `Data`, no second copy), after checking that
  /// twice its size fits the ``MemoryBudget``. A file that changes size
  /// while it is read gives the bytes read, which the checksum then
  /// refuses. O(file size).
  static func readFile(_ path: String) throws(ReadFailure) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw ReadFailure(errno) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw ReadFailure(errno) }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw ReadFailure(message: "not a regular file") }
    let size = Int(st.st_size)
    // The bytes and the arrays read from them are held at once: a file of
    // the wrong kind and of many GB is refused before anything is allocated.
    do {
      try MemoryBudget.check(MemoryBudget.product(size, 2), for: "loading this \(MemoryBudget.format(size)) model file")
    } catch { throw ReadFailure(message: error.description) }
    var failure: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      count = 0
      if let base = buffer.baseAddress { HugePageBuffer.advise(base, bytes: size) }
      while count < size {
        let r = read(fd, buffer.baseAddress! + count, min(size - count, 1 << 30))
        if r > 0 { count += r; continue }
        if r < 0 && errno == EINTR { continue }
        if r < 0 { failure = errno }
        break
      }
    }
    if failure != 0 { throw ReadFailure(failure) }
    return bytes
  }

  /// Why ``readFile(_:)`` failed, as the system says it ("No such file or directory").
  struct ReadFailure: Error, CustomStringConvertible {
    let description: String
    init(_ code: Int32) { description = String(cString: strerror(code)) }
    init(message: String) { description = message }
  }

  /// Whether every value is finite (no NaN, no infinity): an exponent field
  /// of all ones in any float. Vectorised by the compiler. O(n).
  static func allFinite(_ values: [Float]) -> Bool {
    values.withUnsafeBufferPointer { v in
      UnsafeRawBufferPointer(v).withMemoryRebound(to: UInt32.self) { bits in
        var i = 0
        let n = bits.count
        while i < n {
          let end = min(n, i + 4096)
          var bad: UInt32 = 0
          for j in i..<end { bad |= ((bits[j] & 0x7f80_0000) == 0x7f80_0000) ? 1 : 0 }
          if bad != 0 { return false }
          i = end
        }
        return true
      }
    }
  }

  /// The widest matrix a model file may hold (embedding dimension k):
  /// far above any useful k, low enough that a damaged header cannot make a
  /// loader plan a gigantic allocation.
  public static let maxColumns = 65_536

  /// Whether the file at `path` starts with `magic` (a cheap kind check).
  public static func hasMagic(_ magic: [UInt8], at path: String) -> Bool {
    guard let h = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? h.close() }
    guard let head = try? h.read(upToCount: magic.count) else { return false }
    return Array(head) == magic
  }
}

/// Builds a model file in memory; ``write(to:)`` appends the checksum and
/// writes atomically (temporary file in the same folder, then rename).
package struct ModelContainerWriter {
  public private(set) var data = Data()

  /// Starts a file with the kind's magic and layout version.
  public init(magic: [UInt8], version: UInt32) {
    data.append(contentsOf: magic)
    u32(version)
  }

  public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
  public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }

  /// A length-prefixed JSON document (sorted keys, so equal values give equal bytes).
  public mutating func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let bytes = try encoder.encode(value)
    u64(UInt64(bytes.count))
    data.append(bytes)
  }

  public mutating func ids(_ m: IdMap) {
    u64(UInt64(m.count))
    for name in m.names {
      let b = Array(name.utf8)
      u32(UInt32(b.count))
      data.append(contentsOf: b)
    }
  }

  public mutating func matrix(_ m: Matrix) {
    u64(UInt64(m.rows))
    u64(UInt64(m.columns))
    m.storage.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
  }

  /// A UInt32 flag (0 none, 1 the summary, 2 the summary and each user's
  /// training items), then what the flag says.
  package mutating func optionalTraining(_ t: TrainingSummary?) {
    u32(t == nil ? 0 : t?.seen == nil ? 1 : 2)
    guard let t else { return }
    training(t)
    if let seen = t.seen {
      u64(UInt64(seen.userCount))
      for o in seen.offsets { u64(UInt64(o)) }
      seen.items.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
    }
  }

  /// A ``TrainingSummary``: pair count, fingerprint, sketch, item counts.
  package mutating func training(_ t: TrainingSummary) {
    u64(UInt64(t.pairs))
    u64(t.fingerprint)
    u64(UInt64(t.sketch.count))
    for h in t.sketch { u64(h) }
    u64(UInt64(t.itemCounts.count))
    for c in t.itemCounts { u32(UInt32(clamping: c)) }
  }

  /// Appends the checksum and writes the file atomically.
  public func write(to path: String) throws {
    var out = data
    let sum = data.withUnsafeBytes { ModelContainer.checksum($0) }
    withUnsafeBytes(of: sum.littleEndian) { out.append(contentsOf: $0) }
    try AtomicFile.write(out, to: path)
  }
}

/// Reads a model file after checking its magic, version and checksum.
/// Every failure becomes `Failure` (the model kind's own error) through
/// `fail`, with a message naming the field and offset.
package struct ModelContainerReader<Failure: Error> {
  let bytes: [UInt8]
  /// Offset of the checksum: the end of the fields.
  private(set) var body: Int
  /// Current read offset.
  public private(set) var offset: Int
  /// Makes the kind's error from a message.
  public let fail: (String) -> Failure

  /// The layout version found in the file.
  public private(set) var version: UInt32 = 0

  /// Opens `path`: checks the magic (`kind` names it in the error), that
  /// the version is one of `versions`, and the checksum.
  public init(
    path: String, magic: [UInt8], versions: ClosedRange<UInt32>, kind: String, fail: @escaping (String) -> Failure
  ) throws(Failure) {
    self.fail = fail
    do { bytes = try ModelContainer.readFile(path) } catch {
      throw fail("cannot read file (\(error))")
    }
    guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
      throw fail("not a Gramian \(kind) model (magic \"\(String(decoding: magic, as: UTF8.self))\" missing)")
    }
    offset = magic.count
    body = bytes.count
    let found = try u32("format version")
    guard versions.contains(found) else {
      throw fail("format version \(found) is not supported (this build reads versions \(versions.lowerBound) to \(versions.upperBound)); re-fit or re-save the model with this build")
    }
    version = found
    guard bytes.count >= offset + 8 else { throw fail("truncated: no checksum") }
    body = bytes.count - 8
    let stored = bytes[body...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let end = body
    let actual = bytes.withUnsafeBytes { ModelContainer.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
    guard stored == actual else {
      throw fail("checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(actual, radix: 16))): the file is truncated or corrupted")
    }
  }

  public mutating func take(_ n: Int, _ what: String) throws(Failure) -> ArraySlice<UInt8> {
    guard n >= 0, n <= body - offset else {
      throw fail("truncated: \(what) needs \(n) bytes at offset \(offset), only \(body - offset) remain")
    }
    defer { offset += n }
    return bytes[offset..<(offset + n)]
  }

  public mutating func u32(_ what: String) throws(Failure) -> UInt32 {
    try take(4, what).reversed().reduce(0) { $0 << 8 | UInt32($1) }
  }

  public mutating func u64(_ what: String) throws(Failure) -> UInt64 {
    try take(8, what).reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  /// A count that must fit in what is left of the file.
  public mutating func count(_ what: String) throws(Failure) -> Int {
    let v = try u64(what)
    guard v <= UInt64(body) else { throw fail("\(what) is \(v), more than the file could hold") }
    return Int(v)
  }

  public mutating func json<T: Decodable>(_ type: T.Type, _ what: String) throws(Failure) -> T {
    let bytes = try take(try count("\(what) length"), what)
    do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
      throw fail("\(what) does not decode (\(error))")
    }
  }

  public mutating func ids(_ what: String) throws(Failure) -> IdMap {
    let n = try count("\(what) count")
    // Each id takes at least its 4-byte length: a damaged count cannot
    // reserve more than the file could hold.
    guard n <= (body - offset) / 4 else { throw fail("\(what) count \(n) exceeds the file size") }
    var names: [String] = []
    names.reserveCapacity(n)
    // One pass over the raw bytes (no slice, no message built per id); at
    // the first bad id the checked readers below rebuild the error.
    var o = offset, badAt: Int? = nil
    bytes.withUnsafeBytes { raw in
      for j in 0..<n {
        guard body - o >= 4 else { badAt = j; return }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
        guard length <= body - o - 4,
          let s = String(validating: UnsafeRawBufferPointer(rebasing: raw[o + 4..<o + 4 + length]), as: UTF8.self)
        else { badAt = j; return }
        names.append(s)
        o += 4 + length
      }
    }
    if let j = badAt {
      offset = o
      _ = try take(Int(try u32("length of \(what) \(j)")), "\(what) \(j)")  // throws when truncated
      throw fail("\(what) \(j) is not UTF-8")
    }
    offset = o
    guard let map = IdMap(uniqueNames: names) else { throw fail("\(what) contains duplicates") }
    return map
  }

  /// A float32 matrix; every value must be finite (a NaN or infinite
  /// factor would poison every score it touches), and the width at most
  /// ``ModelContainer/maxColumns``.
  public mutating func matrix(_ what: String) throws(Failure) -> Matrix {
    let rows = try count("\(what) rows"), cols = try count("\(what) columns")
    guard cols <= ModelContainer.maxColumns else {
      throw fail("\(what) have \(cols) columns, more than the \(ModelContainer.maxColumns) any Gramian model uses")
    }
    guard rows == 0 || cols <= (body / 4) / rows else { throw fail("\(what) shape \(rows) x \(cols) exceeds the file size") }
    let b = try take(rows * cols * 4, "\(what) (\(rows) x \(cols) float32)")
    let storage = [Float](unsafeUninitializedCapacity: rows * cols) { dst, count in
      if let base = dst.baseAddress { HugePageBuffer.advise(base, bytes: rows * cols * 4) }
      b.withUnsafeBytes { UnsafeMutableRawBufferPointer(dst).copyMemory(from: $0) }
      count = rows * cols
    }
    if !ModelContainer.allFinite(storage), let bad = storage.firstIndex(where: { !$0.isFinite }) {
      throw fail("\(what) row \(bad / max(cols, 1)), column \(bad % max(cols, 1)) is \(storage[bad]), not a finite number")
    }
    return Matrix(rows: rows, columns: cols, storage: storage)
  }

  /// An id map of `rows` ids for a side of the model (`what`: "user ids").
  /// An empty map stands for a model fitted without external ids (from
  /// Swift, on a bare matrix): its ids are then the row numbers "0", "1",
  /// ... so every row has a name. Any other count that differs from `rows`
  /// is an error.
  public func idsMatching(_ ids: IdMap, rows: Int, _ what: String) throws(Failure) -> IdMap {
    if ids.count == rows { return ids }
    guard ids.count == 0 else { throw fail("\(what) count \(ids.count) does not match the \(rows) rows of the model") }
    return IdMap(names: (0..<rows).map(String.init))
  }

  /// A ``TrainingSummary`` written by ``ModelContainerWriter/training(_:)``;
  /// `items` is the model's item count.
  public mutating func training(items: Int) throws(Failure) -> TrainingSummary {
    let pairs = try count("training pair count")
    let fingerprint = try u64("training fingerprint")
    let n = try count("training sketch size")
    guard n <= pairs, n <= (body - offset) / 8 else { throw fail("training sketch of \(n) hashes for \(pairs) pairs") }
    var sketch: [UInt64] = []
    sketch.reserveCapacity(n)
    for _ in 0..<n { sketch.append(try u64("training sketch")) }
    guard zip(sketch, sketch.dropFirst()).allSatisfy({ $0 < $1 }) else { throw fail("training sketch is not increasing") }
    let m = try count("item count length")
    guard m == items else { throw fail("training item counts for \(m) items, the model has \(items)") }
    var counts: [Int] = []
    counts.reserveCapacity(m)
    for _ in 0..<m { counts.append(Int(try u32("item count"))) }
    return TrainingSummary(pairs: pairs, fingerprint: fingerprint, sketch: sketch, itemCounts: counts)
  }

  /// What ``ModelContainerWriter/optionalTraining(_:)`` wrote; `users` and
  /// `items` are the model's counts.
  package mutating func optionalTraining(users: Int, items: Int) throws(Failure) -> TrainingSummary? {
    let flag = try u32("training flag")
    guard flag <= 2 else { throw fail("training flag is \(flag), expected 0, 1 or 2") }
    guard flag > 0 else { return nil }
    var t = try training(items: items)
    if flag == 2 {
      let n = try count("seen-items user count")
      guard n == users else { throw fail("seen items for \(n) users, the model has \(users)") }
      guard n < (body - offset) / 8 else { throw fail("seen-item offsets for \(n) users exceed the file size") }
      var offsets: [Int] = []
      offsets.reserveCapacity(n + 1)
      for _ in 0...n { offsets.append(Int(clamping: try u64("seen-item offset"))) }
      let pairs = offsets.last ?? 0
      guard pairs >= 0, pairs <= (body - offset) / 4 else { throw fail("\(pairs) seen items exceed the file size") }
      let b = try take(pairs * 4, "seen items (\(pairs) int32)")
      var stored = [Int32](repeating: 0, count: pairs)
      stored.withUnsafeMutableBytes { dst in b.withUnsafeBytes { dst.copyMemory(from: $0) } }
      guard let seen = SeenItems(offsets: offsets, items: stored, itemCount: items) else {
        throw fail("seen items are not valid (offsets must increase to the item count, items be below \(items))")
      }
      t.seen = seen
    }
    return t
  }

  /// Checks that every field was read.
  public func finish() throws(Failure) {
    guard offset == body else { throw fail("\(body - offset) unexpected bytes before the checksum") }
  }
}
