/// One `UInt64` per (value, id) with the value's order: the float's bits
/// mapped to an unsigned integer of the same order in the high half and the
/// id in the low half. Comparing keys compares values, then ids.
///
/// Retrieval uses two flavours: distance keys (smaller is closer; the low
/// half is the id, so ties go to the lower id in a min-heap) and score keys
/// (``scoreKey(_:_:)``; larger is better, ties to the lower index).
enum OrderedKey {
  /// The float's bits as an order-preserving `UInt32`; NaN maps as +infinity,
  /// −0 as +0.
  @inline(__always)
  static func bits(_ value: Float) -> UInt32 {
    let v = value.isNaN ? Float.infinity : value + 0
    let b = v.bitPattern
    return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
  }

  @inline(__always)
  static func value(_ bits: UInt32) -> Float {
    Float(bitPattern: bits & 0x8000_0000 != 0 ? bits & 0x7FFF_FFFF : ~bits)
  }

  /// Distance key: smaller distance (then smaller id) is a smaller key.
  @inline(__always)
  static func distanceKey(_ distance: Float, _ id: Int32) -> UInt64 {
    UInt64(bits(distance)) << 32 | UInt64(UInt32(bitPattern: id))
  }

  @inline(__always)
  static func distance(_ key: UInt64) -> Float { value(UInt32(truncatingIfNeeded: key >> 32)) }

  @inline(__always)
  static func id(_ key: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: key)) }

  /// Score key: a higher score, or on a tie a lower index, is a larger key.
  /// NaN scores rank as −infinity.
  @inline(__always)
  static func scoreKey(_ score: Float, _ index: Int32) -> UInt64 {
    let s = score.isNaN ? -Float.infinity : score
    return UInt64(bits(s)) << 32 | UInt64(UInt32.max - UInt32(bitPattern: index))
  }

  @inline(__always)
  static func scoreIndex(_ key: UInt64) -> Int32 {
    Int32(bitPattern: UInt32.max - UInt32(truncatingIfNeeded: key))
  }
}

/// A binary heap of `UInt64` keys over caller-owned, growable storage.
/// `Order` says which key sits at the root (``MaxFirst`` or ``MinFirst``).
/// All raw indexing of the retrieval heaps is here; every index is asserted.
struct KeyHeap<Order: HeapOrder> {
  private(set) var base: UnsafeMutablePointer<UInt64>
  private(set) var capacity: Int
  private(set) var count = 0

  /// A heap with room for `capacity` keys (grows on demand).
  init(capacity: Int) {
    self.capacity = max(1, capacity)
    base = .allocate(capacity: self.capacity)
  }

  /// Frees the storage; the heap must not be used afterwards.
  func deallocate() { base.deallocate() }

  var isEmpty: Bool { count == 0 }
  /// The root key (largest for a max-heap, smallest for a min-heap).
  var top: UInt64 { assert(count > 0); return base[0] }

  mutating func removeAll() { count = 0 }

  /// Adds a key. O(log count), amortised O(1) growth.
  @inline(__always)
  mutating func push(_ key: UInt64) {
    if count == capacity { grow() }
    var c = count
    count += 1
    while c > 0 {
      let p = (c - 1) >> 1
      guard Order.above(key, base[p]) else { break }
      base[c] = base[p]
      c = p
    }
    base[c] = key
  }

  /// Removes and returns the root. O(log count).
  @inline(__always)
  mutating func pop() -> UInt64 {
    assert(count > 0)
    let root = base[0]
    count -= 1
    if count > 0 { siftDown(base[count]) }
    return root
  }

  /// Replaces the root by `key` and restores the order. O(log count).
  @inline(__always)
  mutating func replaceTop(_ key: UInt64) {
    assert(count > 0)
    siftDown(key)
  }

  /// Places `key` at the root's slot and sifts it down.
  @inline(__always)
  private mutating func siftDown(_ key: UInt64) {
    var p = 0
    while true {
      let l = 2 * p + 1
      guard l < count else { break }
      var c = l
      if l + 1 < count, Order.above(base[l + 1], base[l]) { c = l + 1 }
      guard Order.above(base[c], key) else { break }
      base[p] = base[c]
      p = c
    }
    base[p] = key
  }

  private mutating func grow() {
    let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * 2)
    bigger.moveInitialize(from: base, count: count)
    base.deallocate()
    base = bigger
    capacity *= 2
  }

  /// Sorts the keys in place, root first, and returns them. A buffer sorted
  /// that way is itself a valid heap, so the heap stays usable.
  /// O(count log count), no allocation.
  @discardableResult
  func sortFromRoot() -> UnsafeBufferPointer<UInt64> {
    var keys = UnsafeMutableBufferPointer(start: base, count: count)
    keys.sort { Order.above($0, $1) }
    return UnsafeBufferPointer(start: base, count: count)
  }

  /// The keys, in no particular order.
  var unordered: UnsafeBufferPointer<UInt64> { UnsafeBufferPointer(start: base, count: count) }
}

/// Which key a ``KeyHeap`` keeps at its root.
protocol HeapOrder {
  /// Whether `a` belongs above `b`.
  static func above(_ a: UInt64, _ b: UInt64) -> Bool
}

/// Largest key at the root.
enum MaxFirst: HeapOrder {
  @inline(__always) static func above(_ a: UInt64, _ b: UInt64) -> Bool { a > b }
}

/// Smallest key at the root.
enum MinFirst: HeapOrder {
  @inline(__always) static func above(_ a: UInt64, _ b: UInt64) -> Bool { a < b }
}
