import Collectives
import XCTest

/// The in-process communicator against what each collective must return,
/// worked out by hand from every rank's inputs.
final class CollectivesTests: XCTestCase {
  func testAllreduceSumsInRankOrderOnEveryRank() throws {
    let results = ThreadGroup.run(ranks: 3) { comm in
      try comm.sum([Double(comm.rank + 1), 0.1 * Double(comm.rank)])
    }
    for r in results {
      let v = try r.get()
      XCTAssertEqual(v[0], 6)
      XCTAssertEqual(v[1], (0.0 + 0.1) + 0.2)  // rank order: 0, then 1, then 2
    }
  }

  func testMaxAndPrefix() throws {
    let results = ThreadGroup.run(ranks: 4) { comm in
      (try comm.max([Int64(comm.rank * 3 % 4)]), try comm.exclusivePrefix(Int64(comm.rank + 1)))
    }
    for (rank, r) in results.enumerated() {
      let (m, prefix) = try r.get()
      XCTAssertEqual(m, [3])
      // ranks hold 1, 2, 3, 4: the sums before rank r are 0, 1, 3, 6.
      XCTAssertEqual(prefix.before, [0, 1, 3, 6][rank])
      XCTAssertEqual(prefix.total, 10)
    }
  }

  func testExchangeDeliversEachSegmentToItsRank() throws {
    // Rank r sends to rank q the values [100 r + q] repeated q + r times.
    let results = ThreadGroup.run(ranks: 3) { comm in
      try comm.exchange((0..<comm.size).map { q in [Int32](repeating: Int32(100 * comm.rank + q), count: q + comm.rank) })
    }
    for (q, r) in results.enumerated() {
      let got = try r.get()
      for sender in 0..<3 {
        XCTAssertEqual(got[sender], [Int32](repeating: Int32(100 * sender + q), count: q + sender))
      }
    }
  }

  func testGatherConcatenatesAtTheRootOnly() throws {
    let results = ThreadGroup.run(ranks: 3) { comm in
      try comm.gather([Float](repeating: Float(comm.rank), count: comm.rank + 1), root: 1)
    }
    XCTAssertNil(try results[0].get())
    XCTAssertEqual(try results[1].get(), [0, 1, 1, 2, 2, 2])
    XCTAssertNil(try results[2].get())
  }

  func testAgreeStopsEveryRankWithTheLowestFailingRanksMessage() {
    struct Boom: Error, CustomStringConvertible { var description: String }
    let results = ThreadGroup.run(ranks: 3) { comm -> Int in
      try comm.agree(nil)
      try comm.agree(comm.rank >= 1 ? Boom(description: "bad line on rank \(comm.rank)") : nil)
      return 1
    }
    for r in results {
      XCTAssertThrowsError(try r.get()) { error in
        XCTAssertEqual(error as? CollectiveError, .rankFailed(rank: 1, message: "bad line on rank 1"))
      }
    }
  }
}
