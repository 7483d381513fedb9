#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open-addressing hash table from byte strings to Int32 values, for
/// looking up ids straight from a file's bytes (no `String` per lookup).
///
/// Keys are copied once into one arena; slots hold entry numbers, probed
/// linearly; the table doubles at 50% load.
/// - Complexity: O(key length) expected per lookup and insert.
struct ByteKeyTable {
  private var slots: [Int32]
  private var mask: Int
  private var keyStart: [Int] = []
  private var keyLength: [Int32] = []
  private var keyHash: [UInt64] = []
  private var values: [Int32] = []
  private var arena: [UInt8] = []

  init(capacity: Int = 1024) {
    var size = 16
    while size < 2 * capacity { size <<= 1 }
    slots = [Int32](repeating: -1, count: size)
    mask = size - 1
  }

  var count: Int { values.count }

  /// A 64-bit hash of the bytes, word at a time (multiply-xorshift mixing).
  @inline(__always)
  static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    let m: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h: UInt64 = UInt64(truncatingIfNeeded: n) &* m
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= n {
      h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* m
      h ^= h >> 29
      i += 8
    }
    if i < n {
      var tail: UInt64 = 0
      var shift: UInt64 = 0
      while i < n {
        tail |= UInt64(p[i]) << shift
        shift += 8
        i += 1
      }
      h = (h ^ tail) &* m
      h ^= h >> 29
    }
    h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
    return h ^ (h >> 32)
  }

  /// The value stored for the key `p[0..<n]` with hash `h`, or nil.
  @inline(__always)
  func find(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64) -> Int32? {
    var s = Int(truncatingIfNeeded: h) & mask
    while true {
      let e = slots[s]
      if e < 0 { return nil }
      let entry = Int(e)
      if keyHash[entry] == h && Int(keyLength[entry]) == n && equalKey(entry, p, n) {
        return values[entry]
      }
      s = (s + 1) & mask
    }
  }

  /// Stores `value` for a key not yet present.
  mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64, value: Int32) {
    if 2 * (values.count + 1) > slots.count { grow() }
    let entry = Int32(values.count)
    keyStart.append(arena.count)
    keyLength.append(Int32(n))
    keyHash.append(h)
    values.append(value)
    arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    place(entry, hash: h)
  }

  private func equalKey(_ entry: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + keyStart[entry], p, n) == 0 }
  }

  private mutating func place(_ entry: Int32, hash h: UInt64) {
    var s = Int(truncatingIfNeeded: h) & mask
    while slots[s] >= 0 { s = (s + 1) & mask }
    slots[s] = entry
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    mask = slots.count - 1
    for e in 0..<values.count { place(Int32(e), hash: keyHash[e]) }
  }
}
