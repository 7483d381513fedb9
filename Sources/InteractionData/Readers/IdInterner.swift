/// Turns id bytes from a file into dense indices of an ``IdMap``, creating
/// a `String` only the first time an id is seen.
///
/// Canonical decimal ids (digits, no leading zero, below 2^24) are looked up
/// in a flat array indexed by their value; other ids go through a
/// ``ByteKeyTable``. Each byte string takes exactly one of the two routes,
/// so an id is never stored twice.
///
/// The flat array grows only while it stays dense: at most ``smallSlack``
/// slots plus ``slotsPerId`` per id known. A decimal id beyond that goes to
/// a dictionary (``sparse``) until the array has grown past it (its entry
/// then moves over), so a one-line file naming user 16777215 costs a
/// dictionary entry, not a 64 MiB array filled with -1 (fuzzing found the
/// text readers spending most of their time there).
struct IdInterner {
  /// The map being read against (and extended, when `addNewIds`).
  private(set) var map: IdMap
  let addNewIds: Bool
  /// Index of each canonical decimal id below `small.count` (-1: none).
  private var small: [Int32] = []
  /// Index of each canonical decimal id at or above `small.count`.
  private var sparse: [Int: Int32] = [:]
  private var table: ByteKeyTable

  /// Largest value + 1 taken by the flat array (64 MiB of Int32 at most).
  static let smallLimit = 1 << 24
  /// Slots the flat array may always take (256 KiB).
  static let smallSlack = 1 << 16
  /// Slots it may take per id known, beyond ``smallSlack``.
  static let slotsPerId = 16

  /// Slots of the flat array (for tests).
  var flatSlots: Int { small.count }

  /// Result codes of ``intern(_:_:)`` besides an index >= 0.
  static let unknown: Int32 = -1
  static let invalidUTF8: Int32 = -2

  init(map: IdMap, addNewIds: Bool) {
    self.map = map
    self.addNewIds = addNewIds
    table = ByteKeyTable(capacity: max(1024, map.count))
    for (i, name) in map.names.enumerated() {
      var bytes = Array(name.utf8)
      bytes.withUnsafeMutableBufferPointer { b in
        seed(UnsafePointer(b.baseAddress!), b.count, index: Int32(i))
      }
    }
  }

  /// The value of a canonical decimal id below ``smallLimit``, else -1.
  @inline(__always)
  static func smallValue(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
    if n == 0 || n > 8 || (p[0] == UInt8(ascii: "0") && n > 1) { return -1 }
    var v = 0
    for k in 0..<n {
      let d = p[k] &- 48
      if d > 9 { return -1 }
      v = v &* 10 &+ Int(d)  // at most 8 digits: no overflow
    }
    return v < smallLimit ? v : -1
  }

  private mutating func seed(_ p: UnsafePointer<UInt8>, _ n: Int, index: Int32) {
    let v = Self.smallValue(p, n)
    if v >= 0 {
      placeSmall(v, index)
    } else {
      table.insert(p, n, hash: ByteKeyTable.hash(p, n), value: index)
    }
  }

  /// Stores the index of decimal id `v`: in the flat array when it holds
  /// `v` or can grow to, else in ``sparse``.
  private mutating func placeSmall(_ v: Int, _ index: Int32) {
    if v < small.count || growSmall(toHold: v) {
      small[v] = index
    } else {
      sparse[v] = index
    }
  }

  /// Grows the flat array to hold `v` (doubling, at least 1,024 slots) if
  /// that keeps it within the density bound, and moves the ``sparse``
  /// entries it now covers; false (nothing changed) otherwise.
  private mutating func growSmall(toHold v: Int) -> Bool {
    let bound = min(Self.smallLimit, Self.smallSlack + Self.slotsPerId * (map.count + 1))
    var size = min(Self.smallLimit, max(v + 1, 2 * small.count, 1024))
    if size > bound { size = v + 1 }
    guard size <= bound else { return false }
    small.append(contentsOf: repeatElement(-1, count: size - small.count))
    if !sparse.isEmpty {
      for (k, i) in sparse where k < size { small[k] = i }
      sparse = sparse.filter { $0.key >= size }
    }
    return true
  }

  /// The dense index of the id `p[0..<n]`; when it is new, adds it (if
  /// `addNewIds`) or returns ``unknown``; returns ``invalidUTF8`` for a new
  /// id whose bytes are not UTF-8 (nothing is added then).
  /// - Complexity: O(n) expected.
  @inline(__always)
  mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
    let v = Self.smallValue(p, n)
    return v >= 0 ? internSmall(v) : internBytes(p, n)
  }

  // MARK: Keys (ids located by parallel parsing, interned afterwards in order)

  /// Tag bit of a key holding a canonical decimal value.
  private static let smallTag: UInt64 = 1 << 63
  /// Longest id a key can locate (bytes).
  static let maxKeyLength = (1 << 20) - 1

  /// A key for the id at `base[a..<b]`: its decimal value when canonical,
  /// else its offset and length (`b - a` must be <= ``maxKeyLength``).
  @inline(__always)
  static func key(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int) -> UInt64 {
    let v = smallValue(base + a, b - a)
    if v >= 0 { return smallTag | UInt64(v) }
    return UInt64(a) << 20 | UInt64(b - a)
  }

  /// The byte range a non-small key points at, for messages.
  static func range(ofKey key: UInt64) -> Range<Int>? {
    key & smallTag != 0 ? nil : Int(key >> 20)..<Int(key >> 20) + Int(key & 0xF_FFFF)
  }

  /// ``intern(_:_:)`` for a key made by ``key(_:_:_:)`` over the same `base`.
  @inline(__always)
  mutating func intern(key: UInt64, base: UnsafePointer<UInt8>) -> Int32 {
    if key & Self.smallTag != 0 { return internSmall(Int(truncatingIfNeeded: key & 0xFF_FFFF)) }
    return internBytes(base + Int(key >> 20), Int(key & 0xF_FFFF))
  }

  @inline(__always)
  mutating func internSmall(_ v: Int) -> Int32 {
    if v < small.count {
      let i = small[v]
      if i >= 0 { return i }
    } else if let i = sparse[v] {
      return i
    }
    guard addNewIds else { return Self.unknown }
    let i = map.insert(String(v))
    placeSmall(v, i)
    return i
  }

  @inline(__always)
  mutating func internBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
    let h = ByteKeyTable.hash(p, n)
    if let i = table.find(p, n, hash: h) { return i }
    guard addNewIds else { return Self.unknown }
    guard let name = String(validating: UnsafeBufferPointer(start: p, count: n), as: UTF8.self) else {
      return Self.invalidUTF8
    }
    let i = map.insert(name)
    table.insert(p, n, hash: h, value: i)
    return i
  }
}
