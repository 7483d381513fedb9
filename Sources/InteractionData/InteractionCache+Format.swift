/// The on-disk layout of an ``InteractionCache`` file (little-endian).
///
///     offset  size  field
///          0     8  magic "GRMNCACH"
///          8     4  format version (UInt32), currently 1
///         12     4  flags (bit 0: timestamps present)
///         16     8  events n
///         24     8  users U
///         32     8  items I
///         40     8  bytes of all user names
///         48     8  bytes of all item names
///         56     8  checksum of the payload (``CacheChecksum``)
///         64        payload: users [Int32; n], items [Int32; n],
///                   weights [Float; n], timestamps [Int64; n] if flagged,
///                   user name ends [UInt64; U], user name bytes,
///                   item name ends [UInt64; I], item name bytes
struct CacheHeader: Equatable {
  static let magic: [UInt8] = Array("GRMNCACH".utf8)
  static let version: UInt32 = 1
  static let size = 64

  var version: UInt32 = CacheHeader.version
  var hasTimestamps: Bool
  var events: UInt64
  var users: UInt64
  var items: UInt64
  var userNameBytes: UInt64
  var itemNameBytes: UInt64
  var checksum: UInt64

  /// The 64 header bytes.
  var encoded: [UInt8] {
    var b = Self.magic
    func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
    put(version)
    put(UInt32(hasTimestamps ? 1 : 0))
    for v in [events, users, items, userNameBytes, itemNameBytes, checksum] { put(v) }
    return b
  }

  /// Decodes the fields after the magic (which the caller has checked).
  init(decoding b: [UInt8]) {
    func get<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
      b.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
    version = get(8, UInt32.self)
    hasTimestamps = get(12, UInt32.self) & 1 != 0
    events = get(16, UInt64.self)
    users = get(24, UInt64.self)
    items = get(32, UInt64.self)
    userNameBytes = get(40, UInt64.self)
    itemNameBytes = get(48, UInt64.self)
    checksum = get(56, UInt64.self)
  }

  init(
    hasTimestamps: Bool, events: UInt64, users: UInt64, items: UInt64, userNameBytes: UInt64, itemNameBytes: UInt64,
    checksum: UInt64
  ) {
    self.hasTimestamps = hasTimestamps
    self.events = events
    self.users = users
    self.items = items
    self.userNameBytes = userNameBytes
    self.itemNameBytes = itemNameBytes
    self.checksum = checksum
  }

  /// The file size these counts imply, or nil when they overflow (a corrupt
  /// header claiming absurd sizes).
  var expectedFileSize: Int? {
    let limit: UInt64 = 1 << 48
    guard events < limit, users < limit, items < limit, userNameBytes < limit, itemNameBytes < limit else { return nil }
    let perEvent: UInt64 = hasTimestamps ? 20 : 12
    return Int(UInt64(Self.size) + events * perEvent + 8 * users + userNameBytes + 8 * items + itemNameBytes)
  }
}

/// A 64-bit checksum over byte sections, for detecting corrupt caches (not
/// a cryptographic hash). Four independent multiply-xorshift lanes over
/// 8-byte words (about 8 bytes a cycle), folded per section; sections are
/// chained so their order and boundaries count.
struct CacheChecksum {
  private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

  private static let m: UInt64 = 0x9E37_79B9_7F4A_7C15

  @inline(__always)
  private static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
    let x = (h ^ w) &* m
    return x ^ (x >> 31)
  }

  /// Adds one section.
  /// - Complexity: O(bytes.count).
  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var lanes: (UInt64, UInt64, UInt64, UInt64) = (value, value ^ 1, value ^ 2, value ^ 3)
    let n = bytes.count
    var i = 0
    if let p = bytes.baseAddress {
      while i + 32 <= n {
        lanes.0 = Self.mix(lanes.0, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        lanes.1 = Self.mix(lanes.1, p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
        lanes.2 = Self.mix(lanes.2, p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
        lanes.3 = Self.mix(lanes.3, p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
        i += 32
      }
      while i + 8 <= n {
        lanes.0 = Self.mix(lanes.0, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        i += 8
      }
      var tail: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        tail |= UInt64(bytes[i]) << shift
        shift += 8
        i += 1
      }
      lanes.1 = Self.mix(lanes.1, tail)
    }
    var h = Self.mix(lanes.0, lanes.1 &+ 0x51)
    h = Self.mix(h, lanes.2 &+ 0x52)
    h = Self.mix(h, lanes.3 &+ 0x53)
    value = Self.mix(h, UInt64(n))
  }

  mutating func update<T: BitwiseCopyable>(_ array: [T]) {
    array.withUnsafeBytes { update($0) }
  }
}
