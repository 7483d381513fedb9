import LinearAlgebra
import XCTest

final class ParallelTests: XCTestCase {
  /// Every index is visited exactly once, for several thread counts and
  /// grain sizes, including counts smaller than the thread count.
  func testForEachVisitsEachIndexOnce() {
    for count in [0, 1, 5, 130, 1000] {
      for threads in [1, 2, 3] {
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { hp in
          guard let base = hp.baseAddress else { return }
          let box = SendablePointer(base)
          Parallel.forEach(count, threads: threads, grain: 7) { i, _ in box.base[i] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: count), "count \(count) threads \(threads)")
      }
    }
  }

  func testForChunksCoversRangeContiguously() {
    for threads in [1, 2, 4] {
      var hits = [Int](repeating: 0, count: 101)
      hits.withUnsafeMutableBufferPointer { hp in
        let box = SendablePointer(hp.baseAddress!)
        Parallel.forChunks(101, threads: threads) { r in for i in r { box.base[i] += 1 } }
      }
      XCTAssertEqual(hits, [Int](repeating: 1, count: 101))
    }
  }
}
