import LinearAlgebra

/// Top-k selection over one row of scores.
///
/// A bounded binary min-heap of the `k` best entries seen so far, each entry
/// one `UInt64` key ordering (score, index) exactly as the output does (see
/// ``TopKKey``). The row is scanned once against the heap's worst score;
/// only better candidates pay the O(log k) sift, so a row of `n` scores costs
/// O(n + h·log k), where h, the number of replacements, is about k·ln(n/k)
/// for scores in random order. No full sort of the row is ever made.
public enum TopK {
  /// The indices of the `k` highest scores of `scores[0..<count]`, best first.
  ///
  /// - Parameters:
  ///   - scores: `count` scores; NaN counts as `-infinity`, −0 as +0.
  ///   - k: how many to return; fewer come back when fewer candidates remain.
  ///   - sortedExclude: indices to skip (training items), sorted increasingly;
  ///     duplicates and out-of-range values are harmless.
  /// - Returns: indices sorted by score descending, ties by lower index.
  /// - Complexity: O(count + |exclude| + h·log k + k·log k).
  public static func select(
    _ scores: UnsafePointer<Float>, count: Int, k: Int,
    excluding sortedExclude: ArraySlice<Int32> = []
  ) -> [Int32] {
    guard k > 0, count > 0 else { return [] }
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: min(k, count)) { storage in
      var heap = KeyHeap(storage)
      var next = sortedExclude.startIndex
      var i = 0
      while i < count {
        // The candidates run from i up to the next excluded index.
        while next < sortedExclude.endIndex, Int(sortedExclude[next]) < i { next += 1 }
        let end = next < sortedExclude.endIndex ? min(count, Int(sortedExclude[next])) : count
        scan(scores, i..<end, into: &heap)
        i = end + 1
      }
      return heap.sortedIndices()
    }
  }

  /// Scores per SIMD threshold scan in ``scan(_:_:into:)``.
  static let chunk = 512

  /// Offers `scores[range]` to the heap. Once the heap is full, a candidate
  /// enters only if its score beats the worst kept score strictly: indices
  /// are scanned in increasing order, so a tie with any kept entry loses
  /// (and NaN, which compares false, never enters).
  @inline(__always)
  static func scan(_ scores: UnsafePointer<Float>, _ range: Range<Int>, into heap: inout KeyHeap) {
    var j = range.lowerBound
    while j < range.upperBound, !heap.isFull {
      heap.push(TopKKey.make(scores[j], j))
      j += 1
    }
    guard j < range.upperBound else { return }
    // Chunks of the rest go through the SIMD threshold scan against the
    // threshold at the chunk's start; each index it passes is tested again,
    // in order, against the current threshold: the same replacements as a
    // one-by-one scan.
    var threshold = heap.worstScore
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk) { found in
      let candidates = found.baseAddress!
      while j < range.upperBound {
        let len = min(chunk, range.upperBound - j)
        let n = Kernels.scanAbove(scores + j, bias: nil, count: len, threshold: threshold, into: candidates)
        for c in 0..<n {
          let at = j + Int(candidates[c])
          let s = scores[at]
          if s > threshold {
            heap.replaceWorst(TopKKey.make(s, at))
            threshold = heap.worstScore
          }
        }
        j += len
      }
    }
  }

  /// The `k` best (index, score) pairs of `scores[0..<count]`, best first,
  /// skipping non-finite scores (the way a caller marks filtered items).
  /// Fewer than `k` come back when fewer finite scores exist.
  /// - Complexity: as ``select(_:count:k:excluding:)``.
  public static func selectFinite(
    _ scores: UnsafePointer<Float>, count: Int, k: Int
  ) -> [(item: Int32, score: Float)] {
    guard k > 0, count > 0 else { return [] }
    let top = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: min(k, count)) { storage in
      var heap = KeyHeap(storage)
      for j in 0..<count where scores[j].isFinite {
        if !heap.isFull {
          heap.push(TopKKey.make(scores[j], j))
        } else if scores[j] > heap.worstScore {
          heap.replaceWorst(TopKKey.make(scores[j], j))
        }
      }
      return heap.sortedIndices()
    }
    return top.map { (item: $0, score: scores[Int($0)]) }
  }
}

/// One `UInt64` per (score, index): the score's bits mapped to an unsigned
/// integer of the same order in the high half, `UInt32.max - index` in the low
/// half, so a larger key means a higher score or, on a tie, a lower index.
enum TopKKey {
  @inline(__always)
  static func make(_ score: Float, _ index: Int) -> UInt64 {
    assert(index >= 0 && index <= Int(UInt32.max))
    let s = score.isNaN ? -Float.infinity : score + 0  // + 0 turns −0 into +0
    let b = s.bitPattern
    let ordered = b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    return UInt64(ordered) << 32 | UInt64(UInt32.max - UInt32(index))
  }

  @inline(__always)
  static func score(_ key: UInt64) -> Float {
    let ordered = UInt32(truncatingIfNeeded: key >> 32)
    return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
  }

  @inline(__always)
  static func index(_ key: UInt64) -> Int32 {
    Int32(bitPattern: UInt32.max - UInt32(truncatingIfNeeded: key))
  }
}

/// A binary min-heap of keys over caller-owned storage (the worst kept entry
/// at the root). All raw indexing of ``TopK`` lives here.
struct KeyHeap {
  private let base: UnsafeMutablePointer<UInt64>
  let capacity: Int
  private(set) var count = 0

  init(_ storage: UnsafeMutableBufferPointer<UInt64>) {
    base = storage.baseAddress!
    capacity = storage.count
  }

  var isFull: Bool { count == capacity }
  /// Score of the worst kept entry; the heap must not be empty.
  var worstScore: Float { assert(count > 0); return TopKKey.score(base[0]) }

  /// Adds a key; the heap must not be full. O(log k).
  @inline(__always)
  mutating func push(_ key: UInt64) {
    assert(count < capacity)
    var c = count
    count += 1
    while c > 0 {
      let p = (c - 1) / 2
      guard base[p] > key else { break }
      base[c] = base[p]
      c = p
    }
    base[c] = key
  }

  /// Replaces the root (worst) with a better key and restores order. O(log k).
  @inline(__always)
  mutating func replaceWorst(_ key: UInt64) {
    assert(count > 0 && key > base[0])
    var p = 0
    while true {
      let l = 2 * p + 1
      guard l < count else { break }
      var c = l
      if l + 1 < count, base[l + 1] < base[l] { c = l + 1 }
      guard base[c] < key else { break }
      base[p] = base[c]
      p = c
    }
    base[p] = key
  }

  /// The kept indices, best first. O(k log k).
  func sortedIndices() -> [Int32] {
    UnsafeBufferPointer(start: base, count: count).sorted(by: >).map(TopKKey.index)
  }
}
