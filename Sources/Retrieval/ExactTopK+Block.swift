import Foundation
import GramianKernels
import InteractionData
import LinearAlgebra

/// Sizes of one worker's buffers for ``ExactTopK``.
struct BlockPlan: Sendable {
  let users: Int, items: Int, factors: Int, k: Int
  /// Candidates examined per scan call; the threshold is refreshed between calls.
  static let chunk = 512

  func allocate() -> BlockScratch {
    BlockScratch(
      scores: .allocate(capacity: users * items),
      gathered: .allocate(capacity: max(1, users * factors)),
      candidates: .allocate(capacity: Self.chunk),
      heaps: (0..<users).map { _ in KeyHeap<MinFirst>(capacity: k) })
  }
}

/// One worker's buffers (owned by ``ExactTopK/search``, freed by it).
struct BlockScratch: @unchecked Sendable {
  let scores: UnsafeMutablePointer<Float>
  let gathered: UnsafeMutablePointer<Float>
  let candidates: UnsafeMutablePointer<Int32>
  var heaps: [KeyHeap<MinFirst>]

  func deallocate() {
    scores.deallocate()
    gathered.deallocate()
    candidates.deallocate()
    heaps.forEach { $0.deallocate() }
  }
}

/// Thread-safe running total for progress reports.
final class DoneCounter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLock()
  func add(_ n: Int) -> Int { lock.lock(); defer { lock.unlock() }; value += n; return value }
}

/// The top K of one block of users: tile by tile, sgemm then threshold scan.
struct BlockJob {
  let plan: BlockPlan
  var scratch: BlockScratch
  let queries: UnsafePointer<Float>
  let items: UnsafePointer<Float>
  /// The item at each position of `items` (and of `bias`), or nil when
  /// position and item are the same.
  let order: UnsafePointer<Int32>?
  let itemCount: Int
  let bias: [Float]?
  let users: ArraySlice<Int32>
  let seen: InteractionMatrix?
  let excluding: (@Sendable (Int32, Int32) -> Bool)?

  func run(into out: UnsafeMutablePointer<[(item: Int32, score: Float)]>) {
    let d = plan.factors, b = users.count
    for (r, u) in users.enumerated() {
      (scratch.gathered + r * d).update(from: queries + Int(u) * d, count: d)
    }
    var heaps = scratch.heaps
    for r in 0..<b { heaps[r].removeAll() }
    var t0 = 0
    while t0 < itemCount {
      let tn = min(plan.items, itemCount - t0)
      if d > 0 {
        BLAS.sgemm(transB: true, m: b, n: tn, k: d, a: scratch.gathered, lda: d,
                   b: items + t0 * d, ldb: d, c: scratch.scores, ldc: tn)
      } else {
        scratch.scores.initialize(repeating: 0, count: b * tn)
      }
      for r in 0..<b {
        scan(row: scratch.scores + r * tn, tileStart: t0, count: tn, user: users[users.startIndex + r], heap: &heaps[r])
      }
      t0 += tn
    }
    for r in 0..<b {
      out[r] = heaps[r].unordered.sorted(by: >).map { key in
        (item: OrderedKey.scoreIndex(key), score: OrderedKey.value(UInt32(truncatingIfNeeded: key >> 32)))
      }
    }
  }

  /// Offers one tile row to the user's heap (worst kept key at the root).
  @inline(__always)
  private func scan(row: UnsafeMutablePointer<Float>, tileStart t0: Int, count tn: Int, user: Int32, heap: inout KeyHeap<MinFirst>) {
    let seenItems: ArraySlice<Int32> = seen.map { Int(user) < $0.userCount ? $0.items(ofUser: Int(user)) : [] } ?? []
    let k = plan.k
    bias.withUnsafeBufferPointerOrNil { biasBase in
      var c0 = 0
      while c0 < tn {
        let len = min(BlockPlan.chunk, tn - c0)
        var threshold = heap.count == k ? OrderedKey.value(UInt32(truncatingIfNeeded: heap.top >> 32)) : -Float.infinity
        // Out of catalogue order an item tied with the K-th best score may
        // still win on its lower index: let ties through to the key test.
        if order != nil { threshold = threshold.nextDown }
        let found = Kernels.scanAbove(
          row + c0, bias: biasBase.map { $0 + t0 + c0 }, count: len, threshold: threshold, into: scratch.candidates)
        for f in 0..<found {
          let j = c0 + Int(scratch.candidates[f])
          let item = order.map { $0[t0 + j] } ?? Int32(t0 + j)
          let score = biasBase.map { row[j] + $0[t0 + j] } ?? row[j]
          let key = OrderedKey.scoreKey(score, item)
          if heap.count == k, key <= heap.top { continue }
          if !seenItems.isEmpty, seenItems.containsSorted(item) { continue }
          if let excluding, excluding(user, item) { continue }
          if heap.count == k { heap.replaceTop(key) } else { heap.push(key) }
        }
        c0 += len
      }
    }
  }
}

extension Optional {
  /// Calls `body` with the array's base address, or nil.
  @inline(__always)
  func withUnsafeBufferPointerOrNil<Element, R>(_ body: (UnsafePointer<Element>?) -> R) -> R
  where Wrapped == [Element] {
    switch self {
    case .none: return body(nil)
    case .some(let a): return a.withUnsafeBufferPointer { body($0.baseAddress) }
    }
  }
}

extension ArraySlice where Element == Int32 {
  /// Binary search in an increasingly sorted slice. O(log count).
  @inline(__always)
  func containsSorted(_ value: Int32) -> Bool {
    var lo = startIndex, hi = endIndex
    while lo < hi {
      let mid = (lo + hi) >> 1
      if self[mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo < endIndex && self[lo] == value
  }
}
