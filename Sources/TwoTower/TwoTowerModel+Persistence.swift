import Foundation
import InteractionData
import LinearAlgebra

/// The binary two-tower model file, all integers little-endian:
///
///     "GRMN2TWR"                     8-byte magic
///     UInt32 version (= 1)
///     UInt64 n, n bytes              config as JSON
///     UInt32                         prior exponent beta (float32 bits)
///     UInt64 count, then per id:     user ids (UInt32 length + UTF-8 bytes)
///     UInt64 count, then per id:     item ids
///     UInt64 rows, UInt64 cols, rows*cols float32   user embeddings
///     UInt64 rows, UInt64 cols, rows*cols float32   item embeddings
///     UInt64 rows, UInt64 cols = 1, float32         item log prior
///     UInt64 checksum                FNV-1a-style fold of all bytes before it
enum TwoTowerFile {
  static let magic = Array("GRMN2TWR".utf8)
  static let version: UInt32 = 1

  /// 64-bit checksum: 8-byte words folded by `h = (h ^ w) * 0x100000001b3`
  /// from the FNV offset basis, then the length. O(n); not cryptographic.
  static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    var i = 0
    while i + 8 <= bytes.count {
      h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
      i += 8
    }
    var tail: UInt64 = 0, shift: UInt64 = 0
    while i < bytes.count { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
    h = (h ^ tail) &* 0x0000_0100_0000_01b3
    h = (h ^ UInt64(bytes.count)) &* 0x0000_0100_0000_01b3
    return h ^ (h >> 29)
  }

  struct Writer {
    var data = Data()
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func ids(_ m: IdMap) {
      u64(UInt64(m.count))
      for name in m.names { let b = Array(name.utf8); u32(UInt32(b.count)); data.append(contentsOf: b) }
    }
    mutating func matrix(rows: Int, columns: Int, _ values: [Float]) {
      u64(UInt64(rows)); u64(UInt64(columns))
      for v in values { u32(v.bitPattern) }
    }
  }

  struct Reader {
    let bytes: [UInt8]
    let path: String
    var offset = 0
    func fail(_ m: String) -> TwoTowerError { .corruptFile(path: path, message: m) }
    mutating func take(_ n: Int, _ what: String) throws(TwoTowerError) -> ArraySlice<UInt8> {
      guard n >= 0, n <= bytes.count - offset else {
        throw fail("truncated: \(what) needs \(n) bytes at offset \(offset), only \(bytes.count - offset) remain")
      }
      defer { offset += n }
      return bytes[offset..<(offset + n)]
    }
    mutating func u32(_ what: String) throws(TwoTowerError) -> UInt32 {
      try take(4, what).reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64(_ what: String) throws(TwoTowerError) -> UInt64 {
      try take(8, what).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
    mutating func count(_ what: String) throws(TwoTowerError) -> Int {
      let v = try u64(what)
      guard v <= UInt64(bytes.count) else { throw fail("\(what) is \(v), more than the file could hold") }
      return Int(v)
    }
    mutating func ids(_ what: String) throws(TwoTowerError) -> IdMap {
      let n = try count("\(what) count")
      var names: [String] = []
      for j in 0..<n {
        let b = try take(Int(try u32("length of \(what) \(j)")), "\(what) \(j)")
        guard let s = String(bytes: b, encoding: .utf8) else { throw fail("\(what) \(j) is not UTF-8") }
        names.append(s)
      }
      guard Set(names).count == names.count else { throw fail("\(what) contains duplicates") }
      return IdMap(names: names)
    }
    mutating func matrix(_ what: String) throws(TwoTowerError) -> Matrix {
      let rows = try count("\(what) rows"), cols = try count("\(what) columns")
      guard rows == 0 || cols <= (bytes.count / 4) / rows else { throw fail("\(what) shape \(rows) x \(cols) exceeds the file size") }
      let b = try take(rows * cols * 4, "\(what) (\(rows) x \(cols) float32)")
      var storage = [Float](repeating: 0, count: rows * cols)
      storage.withUnsafeMutableBytes { dst in b.withUnsafeBytes { dst.copyMemory(from: $0) } }
      return Matrix(rows: rows, columns: cols, storage: storage)
    }
  }
}

extension TwoTowerModel {
  /// Writes the model (format on `TwoTowerFile`) atomically: a temporary
  /// file in the same folder, then a rename. O((|U|+|I|)·d).
  public func save(to path: String) throws {
    var w = TwoTowerFile.Writer()
    w.data.append(contentsOf: TwoTowerFile.magic)
    w.u32(TwoTowerFile.version)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = try encoder.encode(config)
    w.u64(UInt64(json.count))
    w.data.append(json)
    w.u32(priorExponent.bitPattern)
    w.ids(userIds)
    w.ids(itemIds)
    w.matrix(rows: userEmbeddings.rows, columns: userEmbeddings.columns, userEmbeddings.storage)
    w.matrix(rows: itemEmbeddings.rows, columns: itemEmbeddings.columns, itemEmbeddings.storage)
    w.matrix(rows: itemLogPrior.count, columns: 1, itemLogPrior)
    let sum = w.data.withUnsafeBytes { TwoTowerFile.checksum($0) }
    w.u64(sum)
    try w.data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// True when the file at `path` starts with the two-tower magic.
  public static func isModelFile(_ path: String) -> Bool {
    guard let h = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? h.close() }
    guard let head = try? h.read(upToCount: 8) else { return false }
    return Array(head) == TwoTowerFile.magic
  }

  /// Reads a model written by ``save(to:)``.
  /// - Throws: ``TwoTowerError/corruptFile(path:message:)`` naming what is
  ///   wrong: bad magic, unknown version, truncation, checksum mismatch,
  ///   inconsistent shapes.
  public static func load(from path: String) throws(TwoTowerError) -> TwoTowerModel {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw .corruptFile(path: path, message: "cannot read file (\(error.localizedDescription))")
    }
    var r = TwoTowerFile.Reader(bytes: [UInt8](data), path: path)
    guard r.bytes.count >= 8, Array(r.bytes[0..<8]) == TwoTowerFile.magic else {
      throw r.fail("not a Gramian two-tower model (magic \"GRMN2TWR\" missing)")
    }
    r.offset = 8
    let version = try r.u32("format version")
    guard version == TwoTowerFile.version else {
      throw r.fail("format version \(version) is not supported (this build reads version \(TwoTowerFile.version))")
    }
    guard r.bytes.count >= 20 else { throw r.fail("truncated: no checksum") }
    let body = r.bytes.count - 8
    let stored = r.bytes[body...].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let actual = r.bytes.withUnsafeBytes { TwoTowerFile.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
    guard stored == actual else {
      throw r.fail("checksum mismatch (stored \(String(stored, radix: 16)), computed \(String(actual, radix: 16))): the file is truncated or corrupted")
    }
    let json = try r.take(try r.count("config length"), "config JSON")
    let config: TwoTowerConfig
    do { config = try JSONDecoder().decode(TwoTowerConfig.self, from: Data(json)) } catch {
      throw r.fail("config JSON does not decode (\(error))")
    }
    let beta = Float(bitPattern: try r.u32("prior exponent"))
    let userIds = try r.ids("user ids"), itemIds = try r.ids("item ids")
    let users = try r.matrix("user embeddings"), items = try r.matrix("item embeddings")
    let prior = try r.matrix("item log prior")
    guard r.offset == body else { throw r.fail("\(body - r.offset) unexpected bytes before the checksum") }
    guard users.columns == items.columns else {
      throw r.fail("user embeddings have \(users.columns) columns, item embeddings \(items.columns)")
    }
    guard prior.rows == items.rows, prior.columns == 1 else {
      throw r.fail("the log prior has \(prior.rows) x \(prior.columns) values for \(items.rows) items")
    }
    guard userIds.count == users.rows, itemIds.count == items.rows else {
      throw r.fail("id maps (\(userIds.count) users, \(itemIds.count) items) do not match the embedding rows (\(users.rows), \(items.rows))")
    }
    guard beta.isFinite else { throw r.fail("the prior exponent is not finite") }
    return TwoTowerModel(config: config, userEmbeddings: users, itemEmbeddings: items, itemLogPrior: prior.storage,
                         priorExponent: beta, userIds: userIds, itemIds: itemIds)
  }

  /// Writes `user_factors.npy`, `item_factors.npy` (float32, C order),
  /// `user_ids.txt`, `item_ids.txt` (row order) and `item_log_prior.npy`
  /// into `dir` (created if needed), as `IALSModel.export` does. The
  /// factors are the plain embeddings; the prior is applied by the reader
  /// (score + beta · log prior).
  public func export(toDirectory dir: String) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let base = URL(fileURLWithPath: dir)
    try NPY.write(userEmbeddings, to: base.appendingPathComponent("user_factors.npy").path)
    try NPY.write(itemEmbeddings, to: base.appendingPathComponent("item_factors.npy").path)
    try NPY.write(Matrix(rows: itemLogPrior.count, columns: 1, storage: itemLogPrior),
                  to: base.appendingPathComponent("item_log_prior.npy").path)
    for (m, name) in [(userIds, "user_ids.txt"), (itemIds, "item_ids.txt")] {
      try Data(m.names.map { $0 + "\n" }.joined().utf8).write(to: base.appendingPathComponent(name), options: .atomic)
    }
  }
}
