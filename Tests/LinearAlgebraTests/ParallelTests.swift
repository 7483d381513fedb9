import Dispatch
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

  func testBothReturnsEachResult() {
    for threads in [1, 2, 3] {
      let (a, b) = Parallel.both(threads: threads) { (0..<100).reduce(0, +) } _: { "second" }
      XCTAssertEqual(a, 4950)
      XCTAssertEqual(b, "second")
    }
  }

  /// With two threads the halves overlap in time: each waits (up to 10 s)
  /// for the other's signal, which one-after-the-other could never give.
  func testBothRunsTheHalvesAtTheSameTime() throws {
    try XCTSkipIf(Parallel.availableThreads < 2, "needs two hardware threads")
    let first = DispatchSemaphore(value: 0), second = DispatchSemaphore(value: 0)
    let (a, b) = Parallel.both(threads: 2) { () -> Bool in
      first.signal()
      return second.wait(timeout: .now() + 10) == .success
    } _: { () -> Bool in
      second.signal()
      return first.wait(timeout: .now() + 10) == .success
    }
    XCTAssertTrue(a && b)
  }
}
