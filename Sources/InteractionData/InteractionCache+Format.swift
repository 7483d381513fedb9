/// The on-disk layout of an ``InteractionCache`` file (little-endian).
///
///     offset  size  field
///          0     8  magic "GRMNCACH"
///          8     4  format version (UInt32), currently 2
///         12     4  flags (bit 0: timestamps present)
///         16     8  events n
///         24     8  users U
///         32     8  items I
///         40     8  bytes of all user names
///         48     8  bytes of all item names
///         56     8  checksum of the payload (``CacheChecksum``;
///                   version 1 hashed whole sections, version 2 hashes
///                   256 KiB blocks so the loader can hash in parallel)
///         64        payload: users [Int32; n], items [Int32; n],
///                   weights [Float; n], timestamps [Int64; n] if flagged,
///                   user name ends [UInt64; U], user name bytes,
///                   item name ends [UInt64; I], item name bytes
struct CacheHeader: Equatable {
  static let magic: [UInt8] = Array("GRMNCACH".utf8)
  static let version: UInt32 = 2
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
