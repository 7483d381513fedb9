import Dispatch
import LinearAlgebra
import XCTest

final class LockedTests: XCTestCase {
  /// Read-modify-write steps from many threads lose no update: each thread
  /// appends its own numbers, so the final array must hold every one of them
  /// exactly once (a broken lock loses or duplicates elements, or crashes in
  /// the array's reallocation).
  func testConcurrentUpdatesAreSerialised() {
    let threads = 8, steps = 5_000
    let shared = Locked<(count: Int, values: [Int])>((0, []))
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      for s in 0..<steps {
        shared.withLock { state in
          let before = state.count
          state.values.append(t * steps + s)
          state.count = before + 1
        }
      }
    }
    let (count, values) = shared.withLock { ($0.count, $0.values) }
    XCTAssertEqual(count, threads * steps)
    XCTAssertEqual(values.sorted(), Array(0..<(threads * steps)))
  }

  struct Refused: Error, Equatable { let why: String }

  /// The closure's typed error passes through, the value keeps what the
  /// closure wrote before throwing, and the lock is released (a second
  /// `withLock` would deadlock otherwise).
  func testErrorsPassThroughAndReleaseTheLock() {
    let box = Locked(1)
    do {
      try box.withLock { (v: inout Int) throws(Refused) -> Void in
        v = 2
        throw Refused(why: "no")
      }
      XCTFail("expected an error")
    } catch {
      XCTAssertEqual(error, Refused(why: "no"))
    }
    XCTAssertEqual(box.withLock { $0 }, 2)
  }
}
