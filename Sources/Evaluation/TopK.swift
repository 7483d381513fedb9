/// Top-k selection over one row of scores.
///
/// A bounded binary min-heap of the `k` best (score, index) pairs seen so far:
/// each candidate is compared once with the heap's worst element and only
/// better ones pay the O(log k) sift, so a row of `n` scores costs
/// O(n + h log k) where `h` (the number of heap replacements) is small for
/// random orders. No full sort of the row is ever made.
public enum TopK {
  /// The indices of the `k` highest scores of `scores[0..<count]`, best first.
  ///
  /// - Parameters:
  ///   - scores: `count` scores; NaN counts as `-infinity`.
  ///   - k: how many to return; fewer come back when fewer candidates remain.
  ///   - sortedExclude: indices to skip (training items), sorted increasingly;
  ///     duplicates and out-of-range values are harmless.
  /// - Returns: indices sorted by score descending, ties by lower index.
  /// - Complexity: O(count + |exclude| + h·log k) with h heap replacements.
  public static func select(
    _ scores: UnsafePointer<Float>, count: Int, k: Int,
    excluding sortedExclude: ArraySlice<Int32> = []
  ) -> [Int32] {
    guard k > 0, count > 0 else { return [] }
    var heap = BoundedHeap(capacity: min(k, count))
    var next = sortedExclude.startIndex
    for i in 0..<count {
      while next < sortedExclude.endIndex, Int(sortedExclude[next]) < i { next += 1 }
      if next < sortedExclude.endIndex, Int(sortedExclude[next]) == i { continue }
      let s = scores[i]
      heap.offer(s.isNaN ? -.infinity : s, Int32(i))
    }
    return heap.sortedIndices()
  }

  /// The `k` best (index, score) pairs of `scores[0..<count]`, best first,
  /// skipping non-finite scores (the way a caller marks filtered items).
  /// Fewer than `k` come back when fewer finite scores exist.
  /// - Complexity: as ``select(_:count:k:excluding:)``.
  public static func selectFinite(
    _ scores: UnsafePointer<Float>, count: Int, k: Int
  ) -> [(item: Int32, score: Float)] {
    guard k > 0, count > 0 else { return [] }
    var heap = BoundedHeap(capacity: min(k, count))
    for i in 0..<count where scores[i].isFinite { heap.offer(scores[i], Int32(i)) }
    return heap.sortedIndices().map { (item: $0, score: scores[Int($0)]) }
  }
}

/// The heap behind ``TopK/select(_:count:k:excluding:)``: a min-heap under
/// "worse first" order (lower score, or equal score and higher index), so the
/// root is the entry the next better candidate replaces.
struct BoundedHeap {
  private(set) var scores: [Float] = []
  private(set) var indices: [Int32] = []
  let capacity: Int

  init(capacity: Int) {
    self.capacity = capacity
    scores.reserveCapacity(capacity)
    indices.reserveCapacity(capacity)
  }

  /// Whether (s1, i1) ranks above (s2, i2): higher score, ties by lower index.
  @inline(__always)
  static func better(_ s1: Float, _ i1: Int32, than s2: Float, _ i2: Int32) -> Bool {
    s1 > s2 || (s1 == s2 && i1 < i2)
  }

  /// Keeps (score, index) if the heap has room or it beats the current worst.
  @inline(__always)
  mutating func offer(_ score: Float, _ index: Int32) {
    if scores.count < capacity {
      scores.append(score)
      indices.append(index)
      siftUp(scores.count - 1)
    } else if Self.better(score, index, than: scores[0], indices[0]) {
      scores[0] = score
      indices[0] = index
      siftDown(0)
    }
  }

  private mutating func siftUp(_ start: Int) {
    var c = start
    while c > 0 {
      let p = (c - 1) / 2
      // The parent must be worse than (or equal to) the child.
      guard Self.better(scores[p], indices[p], than: scores[c], indices[c]) else { return }
      scores.swapAt(p, c)
      indices.swapAt(p, c)
      c = p
    }
  }

  private mutating func siftDown(_ start: Int) {
    let n = scores.count
    var p = start
    while true {
      let l = 2 * p + 1
      guard l < n else { return }
      var worst = l
      let r = l + 1
      if r < n, Self.better(scores[l], indices[l], than: scores[r], indices[r]) { worst = r }
      guard Self.better(scores[p], indices[p], than: scores[worst], indices[worst]) else { return }
      scores.swapAt(p, worst)
      indices.swapAt(p, worst)
      p = worst
    }
  }

  /// The kept indices, best first. O(k log k).
  func sortedIndices() -> [Int32] {
    let order = (0..<scores.count).sorted { a, b in
      Self.better(scores[a], indices[a], than: scores[b], indices[b])
    }
    return order.map { indices[$0] }
  }
}
