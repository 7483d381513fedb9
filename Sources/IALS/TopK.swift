/// Selection of the `k` best-scoring indices of a score vector.
enum TopK {
  /// The `k` largest of `scores[0..<n]` (skipping non-finite scores, which
  /// is how excluded items are marked), best first; ties go to the smaller
  /// index. A bounded min-heap: O(n log k).
  static func select(_ scores: UnsafePointer<Float>, count n: Int, k: Int) -> [(item: Int32, score: Float)] {
    guard k > 0 else { return [] }
    // Heap of (score, index) with the worst kept item at the root.
    var heap: [(Float, Int32)] = []
    heap.reserveCapacity(k)
    @inline(__always) func worse(_ x: (Float, Int32), _ y: (Float, Int32)) -> Bool {
      x.0 < y.0 || (x.0 == y.0 && x.1 > y.1)
    }
    func siftDown(_ start: Int) {
      var i = start
      while true {
        let l = 2 * i + 1, r = l + 1
        var m = i
        if l < heap.count && worse(heap[l], heap[m]) { m = l }
        if r < heap.count && worse(heap[r], heap[m]) { m = r }
        if m == i { return }
        heap.swapAt(i, m)
        i = m
      }
    }
    for i in 0..<n {
      let s = scores[i]
      guard s.isFinite else { continue }
      let e = (s, Int32(i))
      if heap.count < k {
        heap.append(e)
        var c = heap.count - 1
        while c > 0 {
          let p = (c - 1) / 2
          if worse(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
        }
      } else if worse(heap[0], e) {
        heap[0] = e
        siftDown(0)
      }
    }
    return heap.sorted { worse($1, $0) }.map { (item: $0.1, score: $0.0) }
  }
}
