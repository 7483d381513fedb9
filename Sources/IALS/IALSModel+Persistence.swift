import Foundation
import InteractionData
import LinearAlgebra

/// The binary model file, all integers little-endian:
///
///     "GRMNIALS"                     8-byte magic
///     UInt32 version (= 1)
///     UInt64 n, n bytes              config as JSON
///     UInt64 count, then per id:     user ids (UInt32 length + UTF-8 bytes)
///     UInt64 count, then per id:     item ids
///     UInt64 rows, UInt64 cols, rows*cols float32   user factors
///     UInt64 rows, UInt64 cols, rows*cols float32   item factors
///     UInt64 checksum                ``ModelFile/checksum(_:)`` of all bytes before it
enum ModelFile {
  static let magic = Array("GRMNIALS".utf8)
  static let version: UInt32 = 1

  /// A 64-bit checksum of `bytes`: words of 8 bytes (the tail zero-padded)
  /// folded by `h = (h ^ word) * 0x100000001b3` from the FNV-1a offset basis,
  /// then the length mixed in. Detects truncation and any flipped byte
  /// with overwhelming probability; it is not a cryptographic hash. O(n).
  static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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
}

/// Appends little-endian fields to a byte buffer.
struct ByteWriter {
  var data = Data()
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
  mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
  mutating func ids(_ m: IdMap) {
    u64(UInt64(m.count))
    for name in m.names { let b = Array(name.utf8); u32(UInt32(b.count)); bytes(b) }
  }
  mutating func matrix(_ m: Matrix) {
    u64(UInt64(m.rows)); u64(UInt64(m.columns))
    m.storage.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
  }
}

/// Reads little-endian fields, throwing a ``IALSError/corruptFile(path:message:)``
/// that names the field and offset when the data ends early or is implausible.
struct ByteReader {
  let bytes: [UInt8]
  let path: String
  var offset = 0

  func fail(_ m: String) -> IALSError { .corruptFile(path: path, message: m) }

  mutating func take(_ n: Int, _ what: String) throws(IALSError) -> ArraySlice<UInt8> {
    guard n >= 0, n <= bytes.count - offset else {
      throw fail("truncated: \(what) needs \(n) bytes at offset \(offset), only \(bytes.count - offset) remain")
    }
    defer { offset += n }
    return bytes[offset..<(offset + n)]
  }
  mutating func u32(_ what: String) throws(IALSError) -> UInt32 {
    let s = try take(4, what)
    return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
  }
  mutating func u64(_ what: String) throws(IALSError) -> UInt64 {
    let s = try take(8, what)
    return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }
  mutating func count(_ what: String, max limit: Int) throws(IALSError) -> Int {
    let v = try u64(what)
    guard v <= UInt64(limit) else { throw fail("\(what) is \(v), more than the file could hold") }
    return Int(v)
  }
  mutating func ids(_ what: String) throws(IALSError) -> IdMap {
    let n = try count("\(what) count", max: bytes.count)
    var names: [String] = []
    names.reserveCapacity(n)
    for j in 0..<n {
      let len = Int(try u32("length of \(what) \(j)"))
      let b = try take(len, "\(what) \(j)")
      guard let s = String(bytes: b, encoding: .utf8) else { throw fail("\(what) \(j) is not UTF-8") }
      names.append(s)
    }
    guard Set(names).count == names.count else { throw fail("\(what) contains duplicates") }
    return IdMap(names: names)
  }
  mutating func matrix(_ what: String) throws(IALSError) -> Matrix {
    let rows = try count("\(what) rows", max: bytes.count / 4)
    let cols = try count("\(what) columns", max: bytes.count / 4)
    guard rows == 0 || cols <= (bytes.count / 4) / rows else { throw fail("\(what) shape \(rows) x \(cols) exceeds the file size") }
    let b = try take(rows * cols * 4, "\(what) (\(rows) x \(cols) float32)")
    var storage = [Float](repeating: 0, count: rows * cols)
    storage.withUnsafeMutableBytes { dst in b.withUnsafeBytes { dst.copyMemory(from: $0) } }
    return Matrix(rows: rows, columns: cols, storage: storage)
  }
}

extension IALSModel {
  /// Writes the model (format on ``ModelFile``) atomically: a temporary file
  /// in the same folder, then a rename, so readers never see a partial file.
  /// - Complexity: O((|U|+|I|)·k) time and memory.
  public func save(to path: String) throws {
    var w = ByteWriter()
    w.bytes(ModelFile.magic)
    w.u32(ModelFile.version)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(config)
    w.u64(UInt64(json.count))
    w.data.append(json)
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(userFactors)
    w.matrix(itemFactors)
    let sum = w.data.withUnsafeBytes { ModelFile.checksum($0) }
    w.u64(sum)
    try w.data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// Reads a model written by ``save(to:)``.
  /// - Throws: ``IALSError/corruptFile(path:message:)`` naming the file and
  ///   what is wrong (bad magic, unknown version, truncation, checksum mismatch,
  ///   inconsistent shapes).
  public static func load(from path: String) throws -> IALSModel {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw IALSError.corruptFile(path: path, message: "cannot read file (\(error.localizedDescription))")
    }
    var r = ByteReader(bytes: [UInt8](data), path: path)
    guard r.bytes.count >= 8, Array(r.bytes[0..<8]) == ModelFile.magic else {
      throw r.fail("not a Gramian iALS model (magic \"GRMNIALS\" missing)")
    }
    r.offset = 8
    let version = try r.u32("format version")
    guard version == ModelFile.version else {
      throw r.fail("format version \(version) is not supported (this build reads version \(ModelFile.version))")
    }
    guard r.bytes.count >= 20 else { throw r.fail("truncated: no checksum") }
    let body = r.bytes.count - 8
    let stored = r.bytes[body...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let actual = r.bytes.withUnsafeBytes { ModelFile.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
    guard stored == actual else {
      throw r.fail("checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(actual, radix: 16))): the file is truncated or corrupted")
    }
    let jsonLen = try r.count("config length", max: body)
    let json = try r.take(jsonLen, "config JSON")
    let config: IALSConfig
    do { config = try JSONDecoder().decode(IALSConfig.self, from: Data(json)) } catch {
      throw r.fail("config JSON does not decode (\(error))")
    }
    let userIds = try r.ids("user ids")
    let itemIds = try r.ids("item ids")
    let users = try r.matrix("user factors")
    let items = try r.matrix("item factors")
    guard r.offset == body else { throw r.fail("\(body - r.offset) unexpected bytes before the checksum") }
    guard users.columns == items.columns else {
      throw r.fail("user factors have \(users.columns) columns, item factors \(items.columns)")
    }
    guard userIds.count == 0 || userIds.count == users.rows, itemIds.count == 0 || itemIds.count == items.rows else {
      throw r.fail("id maps (\(userIds.count) users, \(itemIds.count) items) do not match the factor rows (\(users.rows), \(items.rows))")
    }
    return IALSModel(config: config, userFactors: users, itemFactors: items, userIds: userIds, itemIds: itemIds)
  }

  /// Writes `user_factors.npy`, `item_factors.npy` (float32, C order) and
  /// `user_ids.txt`, `item_ids.txt` (one id a line, row order) into `dir`,
  /// creating it if needed: the input of `peers.py evaluate` and numpy.
  public func export(toDirectory dir: String) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let base = URL(fileURLWithPath: dir)
    try NPY.write(userFactors, to: base.appendingPathComponent("user_factors.npy").path)
    try NPY.write(itemFactors, to: base.appendingPathComponent("item_factors.npy").path)
    func ids(_ m: IdMap, _ name: String) throws {
      let text = m.names.map { $0 + "\n" }.joined()
      try Data(text.utf8).write(to: base.appendingPathComponent(name), options: .atomic)
    }
    try ids(userIds, "user_ids.txt")
    try ids(itemIds, "item_ids.txt")
  }
}
