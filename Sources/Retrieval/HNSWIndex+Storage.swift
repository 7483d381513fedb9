import Foundation
import GramianKernels

/// The one unsafe handle behind ``HNSWIndex``: every raw buffer of the graph
/// and every raw index into them. Layout (hnswlib keeps a similar flat one):
///
/// - `vectors`: `capacity x dimension` floats, row per item;
/// - `augment`: the augmentation coordinate `sqrt(phi² - |x|²)` per item
///   (zero under the inner-product metric);
/// - `levels`: each item's top level;
/// - `base`: level-0 link lists, `maxM0 + 1` Int32 per item: the count,
///   then the neighbour ids;
/// - `upper`: levels 1...L of item i at `upperStart[i]`, `M + 1` Int32 each;
/// - `locks`: one spin-lock word per item (parallel build).
final class HNSWStorage: @unchecked Sendable {
  let dimension: Int
  let configuration: HNSWIndex.Configuration
  let M: Int
  let maxM0: Int
  private(set) var count = 0
  private(set) var capacity = 0
  private(set) var vectors: UnsafeMutablePointer<Float>
  private(set) var augment: UnsafeMutablePointer<Float>
  private(set) var levels: UnsafeMutablePointer<Int32>
  private(set) var base: UnsafeMutablePointer<Int32>
  private(set) var upperStart: UnsafeMutablePointer<Int>
  private(set) var upper: UnsafeMutablePointer<Int32>
  private(set) var upperCount = 0
  private var upperCapacity = 0
  private(set) var locks: UnsafeMutablePointer<UInt32>
  /// Entry point and top level; changed only under `globalLock`.
  var entry: Int32 = -1
  var maxLevel: Int32 = -1
  /// `phi` of the augmented metric (the largest norm of the first batch).
  var phi: Float = 0
  let globalLock = NSLock()
  private var pool: [SearchScratch] = []
  private let poolLock = NSLock()

  init(dimension: Int, configuration: HNSWIndex.Configuration) {
    self.dimension = dimension
    self.configuration = configuration
    M = configuration.M
    maxM0 = 2 * configuration.M
    vectors = .allocate(capacity: 1)
    augment = .allocate(capacity: 1)
    levels = .allocate(capacity: 1)
    base = .allocate(capacity: 1)
    upperStart = .allocate(capacity: 1)
    upper = .allocate(capacity: 1)
    locks = .allocate(capacity: 1)
  }

  deinit {
    vectors.deallocate(); augment.deallocate(); levels.deallocate(); base.deallocate()
    upperStart.deallocate(); upper.deallocate(); locks.deallocate()
  }

  /// Int32 per level-0 list.
  var baseStride: Int { maxM0 + 1 }
  /// Int32 per upper-level list.
  var upperStride: Int { M + 1 }

  @inline(__always)
  func vector(_ i: Int32) -> UnsafeMutablePointer<Float> {
    assert(i >= 0 && Int(i) < capacity)
    return vectors + Int(i) * dimension
  }

  @inline(__always)
  func level(_ i: Int32) -> Int {
    assert(i >= 0 && Int(i) < capacity)
    return Int(levels[Int(i)])
  }

  /// The link list of item `i` on `level`: `[count, id, id, ...]`.
  @inline(__always)
  func links(_ i: Int32, _ level: Int) -> UnsafeMutablePointer<Int32> {
    assert(i >= 0 && Int(i) < count && level >= 0 && level <= Int(levels[Int(i)]))
    if level == 0 { return base + Int(i) * baseStride }
    return upper + upperStart[Int(i)] + (level - 1) * upperStride
  }

  /// Capacity of a list on `level`.
  @inline(__always)
  func linkCapacity(_ level: Int) -> Int { level == 0 ? maxM0 : M }

  @inline(__always) func lock(_ i: Int32) { gk_spin_lock(locks + Int(i)) }
  @inline(__always) func unlock(_ i: Int32) { gk_spin_unlock(locks + Int(i)) }

  /// Appends items with the given levels and vectors (row-major), empty link
  /// lists; returns the index of the first. Single-threaded.
  func append(vectors source: UnsafePointer<Float>, levels newLevels: [Int32]) -> Int {
    let n = newLevels.count, first = count
    reserve(count + n)
    let extra = newLevels.reduce(0) { $0 + Int($1) } * upperStride
    reserveUpper(upperCount + extra)
    (vectors + first * dimension).update(from: source, count: n * dimension)
    for (j, l) in newLevels.enumerated() {
      let i = first + j
      levels[i] = l
      upperStart[i] = upperCount
      (upper + upperCount).initialize(repeating: 0, count: Int(l) * upperStride)
      upperCount += Int(l) * upperStride
      (base + i * baseStride).initialize(repeating: 0, count: baseStride)
      locks[i] = 0
      augment[i] = 0
    }
    count += n
    return first
  }

  /// Sets item i's augmentation coordinate.
  func setAugment(_ i: Int, _ value: Float) { assert(i < count); augment[i] = value }

  private func reserve(_ n: Int) {
    guard n > capacity else { return }
    let c = max(n, capacity * 2, 16)
    vectors = Self.grow(vectors, count * dimension, c * dimension)
    augment = Self.grow(augment, count, c)
    levels = Self.grow(levels, count, c)
    base = Self.grow(base, count * baseStride, c * baseStride)
    upperStart = Self.grow(upperStart, count, c)
    locks = Self.grow(locks, count, c)
    capacity = c
  }

  private func reserveUpper(_ n: Int) {
    guard n > upperCapacity else { return }
    let c = max(n, upperCapacity * 2, 64)
    upper = Self.grow(upper, upperCount, c)
    upperCapacity = c
  }

  private static func grow<T>(_ p: UnsafeMutablePointer<T>, _ used: Int, _ capacity: Int) -> UnsafeMutablePointer<T> {
    let q = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    q.moveInitialize(from: p, count: used)
    p.deallocate()
    return q
  }

  /// A deep copy (copy on write of ``HNSWIndex``).
  func copy() -> HNSWStorage {
    let s = HNSWStorage(dimension: dimension, configuration: configuration)
    s.reserve(count)
    s.reserveUpper(upperCount)
    s.vectors.update(from: vectors, count: count * dimension)
    s.augment.update(from: augment, count: count)
    s.levels.update(from: levels, count: count)
    s.base.update(from: base, count: count * baseStride)
    s.upperStart.update(from: upperStart, count: count)
    s.upper.update(from: upper, count: upperCount)
    s.locks.initialize(repeating: 0, count: count)
    s.count = count
    s.upperCount = upperCount
    s.entry = entry
    s.maxLevel = maxLevel
    s.phi = phi
    return s
  }

  /// Runs `body` with a search scratch from the pool (thread-safe).
  func withScratch<R>(_ body: (SearchScratch) -> R) -> R {
    poolLock.lock()
    let s = pool.popLast() ?? SearchScratch(linkCapacity: maxM0 + 1)
    poolLock.unlock()
    s.prepare(items: count)
    let r = body(s)
    poolLock.lock()
    pool.append(s)
    poolLock.unlock()
    return r
  }
}

/// Per-search buffers, reused through ``HNSWStorage/withScratch(_:)``:
/// visited marks (an epoch per item, cleared only when the epoch wraps), the
/// two heaps of the layer search and the neighbour batch.
final class SearchScratch {
  private(set) var visited: UnsafeMutablePointer<UInt16>
  private var visitedCapacity = 0
  private(set) var epoch: UInt16 = 0
  var candidates = KeyHeap<MinFirst>(capacity: 256)
  var results = KeyHeap<MaxFirst>(capacity: 256)
  let ids: UnsafeMutablePointer<Int32>
  let distances: UnsafeMutablePointer<Float>
  let linkCopy: UnsafeMutablePointer<Int32>
  /// Insert: the neighbours chosen for the new item on one level.
  let selected: UnsafeMutablePointer<Int32>
  /// Insert: a full list plus the new link, their distances and keys, while
  /// ``HNSWStorage/connect(_:to:level:_:)`` re-prunes it.
  let pruneIds: UnsafeMutablePointer<Int32>
  let pruneDistances: UnsafeMutablePointer<Float>
  let pruneKeys: UnsafeMutablePointer<UInt64>

  /// Buffers for link lists of up to `linkCapacity` entries (with the count).
  init(linkCapacity: Int) {
    visited = .allocate(capacity: 1)
    ids = .allocate(capacity: linkCapacity)
    distances = .allocate(capacity: linkCapacity)
    linkCopy = .allocate(capacity: linkCapacity)
    selected = .allocate(capacity: linkCapacity)
    pruneIds = .allocate(capacity: linkCapacity)
    pruneDistances = .allocate(capacity: linkCapacity)
    pruneKeys = .allocate(capacity: linkCapacity)
  }

  deinit {
    visited.deallocate(); ids.deallocate(); distances.deallocate(); linkCopy.deallocate()
    selected.deallocate(); pruneIds.deallocate(); pruneDistances.deallocate(); pruneKeys.deallocate()
    candidates.deallocate(); results.deallocate()
  }

  /// Makes room for `items` visited marks.
  func prepare(items: Int) {
    guard items > visitedCapacity else { return }
    visited.deallocate()
    visitedCapacity = max(items, 2 * visitedCapacity)
    visited = .allocate(capacity: visitedCapacity)
    visited.initialize(repeating: 0, count: visitedCapacity)
    epoch = 0
  }

  /// Starts a new search: every item becomes unvisited.
  @inline(__always)
  func newSearch() {
    if epoch == UInt16.max {
      visited.update(repeating: 0, count: visitedCapacity)
      epoch = 0
    }
    epoch += 1
    candidates.removeAll()
    results.removeAll()
  }

  /// The distance keys of the last layer search, closest first (sorted in
  /// place in the results heap, without allocating).
  func sortResults() -> ReversedCollection<UnsafeBufferPointer<UInt64>> {
    results.sortFromRoot().reversed()
  }

  /// Marks `i` visited; returns whether it was unvisited.
  @inline(__always)
  func visit(_ i: Int32) -> Bool {
    assert(i >= 0 && Int(i) < visitedCapacity)
    if visited[Int(i)] == epoch { return false }
    visited[Int(i)] = epoch
    return true
  }
}
