/// What a model was trained on, small enough to keep in every model file:
/// the number of distinct training pairs, an order-independent fingerprint
/// of all of them, and a bottom-k sketch (the `sketchSize` smallest pair
/// hashes, Broder 1997) that lets evaluation estimate how many pairs of a
/// test set the model saw in training, without storing the pairs.
///
/// Pairs are hashed by their *external* ids, so a model and a data file
/// agree whatever their dense index orders. The hash is a fixed 64-bit
/// function (FNV-1a over the id bytes, finalised with SplitMix64's mixer),
/// the same on every run and machine.
public struct TrainingSummary: Sendable, Equatable, Codable {
  /// Distinct (user, item) training pairs.
  public var pairs: Int
  /// Wrapping sum of all pair hashes: equal sets of pairs give equal values.
  public var fingerprint: UInt64
  /// The smallest pair hashes, increasing; all of them when there are at
  /// most `sketchSize` pairs.
  public var sketch: [UInt64]
  /// Training count (distinct users) of each item, by the model's item index.
  public var itemCounts: [Int]
  /// Each user's training items (what `exclude seen` removes), when the
  /// summary was made from the training matrix. Not part of the JSON form.
  public var seen: SeenItems?

  enum CodingKeys: String, CodingKey { case pairs, fingerprint, sketch, itemCounts }

  /// The default sketch size: 4,096 hashes (32 KB in a model file).
  public static let defaultSketchSize = 4096

  public init(pairs: Int, fingerprint: UInt64, sketch: [UInt64], itemCounts: [Int], seen: SeenItems? = nil) {
    self.pairs = pairs
    self.fingerprint = fingerprint
    self.sketch = sketch
    self.itemCounts = itemCounts
    self.seen = seen
  }

  /// The summary of the distinct pairs of `train`, labelled by `userIds` and
  /// `itemIds` (empty maps label index `i` as `"i"`).
  /// Keeps each user's training items (``seen``).
  /// - Complexity: O(nnz · log(sketchSize) + total id length).
  public init(_ train: InteractionMatrix, userIds: IdMap, itemIds: IdMap, sketchSize: Int = defaultSketchSize) {
    let userHashes = Self.idHashes(userIds, count: train.userCount)
    let itemHashes = Self.idHashes(itemIds, count: train.itemCount)
    var sum: UInt64 = 0
    var bottom = BottomK(capacity: sketchSize)
    for u in 0..<train.userCount {
      for i in train.items(ofUser: u) {
        let h = Self.pairHash(userHashes[u], itemHashes[Int(i)])
        sum &+= h
        bottom.offer(h)
      }
    }
    self.init(pairs: train.nnz, fingerprint: sum, sketch: bottom.sorted(), itemCounts: train.itemDegrees,
              seen: SeenItems(train))
  }

  /// How many of `test`'s pairs the sketch can vouch for, and how many of
  /// those were training pairs.
  public struct Overlap: Sendable, Equatable {
    /// Test pairs whose hash falls in the sketch's range (all of them when
    /// the sketch holds every training pair).
    public var checked: Int
    /// Of those, pairs that were in training.
    public var found: Int
    /// True when the test pairs are exactly the training pairs.
    public var identical: Bool
    /// `found / checked` (0 when nothing could be checked): an unbiased
    /// estimate of the share of test pairs seen in training.
    public var fraction: Double { checked > 0 ? Double(found) / Double(checked) : 0 }
  }

  /// Compares `test` (labelled by its own id maps) with the training pairs.
  /// Hashes are 64-bit, so a pair found is a training pair (a false match
  /// has probability about `sketchSize / 2^64`).
  /// - Complexity: O(nnz(test) + total id length).
  public func overlap(with test: InteractionMatrix, userIds: IdMap, itemIds: IdMap) -> Overlap {
    let userHashes = Self.idHashes(userIds, count: test.userCount)
    let itemHashes = Self.idHashes(itemIds, count: test.itemCount)
    let full = sketch.count >= pairs
    let threshold = full ? UInt64.max : (sketch.last ?? 0)
    let members = Set(sketch)
    var checked = 0, found = 0
    var sum: UInt64 = 0
    for u in 0..<test.userCount {
      for i in test.items(ofUser: u) {
        let h = Self.pairHash(userHashes[u], itemHashes[Int(i)])
        sum &+= h
        if h <= threshold {
          checked += 1
          if members.contains(h) { found += 1 }
        }
      }
    }
    return Overlap(checked: checked, found: found, identical: test.nnz == pairs && sum == fingerprint)
  }

  /// FNV-1a of each id's UTF-8 bytes (or of `"i"` for an empty map).
  static func idHashes(_ ids: IdMap, count: Int) -> [UInt64] {
    (0..<count).map { i in idHash(ids.count == count ? ids.names[i] : String(i)) }
  }

  /// FNV-1a of `name`'s UTF-8 bytes: the same on every run, process and machine.
  package static func idHash(_ name: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    return h
  }

  /// One pair's hash: the two id hashes combined and mixed (SplitMix64's
  /// finaliser), so that (a, b) and (b, a) differ.
  @inline(__always)
  static func pairHash(_ user: UInt64, _ item: UInt64) -> UInt64 {
    var z = user &* 0x9e37_79b9_7f4a_7c15 ^ (item &+ 0x632b_e59b_d9b4_e019)
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}

/// The `capacity` smallest distinct values offered, in a max-heap.
struct BottomK {
  let capacity: Int
  private var heap: [UInt64] = []
  private var members = Set<UInt64>()

  init(capacity: Int) { self.capacity = max(0, capacity) }

  mutating func offer(_ v: UInt64) {
    guard capacity > 0, !members.contains(v) else { return }
    if heap.count < capacity {
      heap.append(v)
      members.insert(v)
      var c = heap.count - 1
      while c > 0 {
        let p = (c - 1) / 2
        if heap[p] >= heap[c] { break }
        heap.swapAt(p, c); c = p
      }
    } else if v < heap[0] {
      members.remove(heap[0])
      members.insert(v)
      heap[0] = v
      var p = 0
      while true {
        let l = 2 * p + 1, r = l + 1
        var m = p
        if l < heap.count && heap[l] > heap[m] { m = l }
        if r < heap.count && heap[r] > heap[m] { m = r }
        if m == p { break }
        heap.swapAt(p, m); p = m
      }
    }
  }

  func sorted() -> [UInt64] { heap.sorted() }
}
