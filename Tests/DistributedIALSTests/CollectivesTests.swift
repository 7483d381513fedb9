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

/// The round-splitting of large exchanges (used by the MPI communicator with
/// a 2^31 - 1 byte limit) against the one-call exchange, with a small limit.
final class CollectiveRoundsTests: XCTestCase {
  func testAllToAllInRoundsDeliversWhatOneCallDelivers() throws {
    let results = ThreadGroup.run(ranks: 3) { comm -> (Bool, Int) in
      // Rank r sends (7 q + 13 r) * 11 bytes to rank q, byte values from a formula.
      let sendCounts = (0..<3).map { q in (7 * q + 13 * comm.rank) * 11 }
      var send = [UInt8]()
      for q in 0..<3 { for j in 0..<sendCounts[q] { send.append(UInt8(truncatingIfNeeded: j * 31 + q * 7 + comm.rank)) } }
      let receiveCounts = try comm.exchangeCounts(sendCounts)
      var direct = [UInt8](repeating: 0, count: receiveCounts.reduce(0, +)), rounds = direct
      var calls = 0
      try send.withUnsafeBytes { s in
        try direct.withUnsafeMutableBytes { r in
          try comm.allToAll(send: s, sendCounts: sendCounts, receive: r, receiveCounts: receiveCounts)
        }
        try rounds.withUnsafeMutableBytes { r in
          try comm.allToAllInRounds(send: s, sendCounts: sendCounts, receive: r, receiveCounts: receiveCounts, limit: 60) {
            XCTAssertLessThanOrEqual($1.reduce(0, +), 60)
            calls += 1
            try comm.allToAll(send: $0, sendCounts: $1, receive: $2, receiveCounts: $3)
          }
        }
      }
      return (direct == rounds, calls)
    }
    for r in results {
      let (same, calls) = try r.get()
      XCTAssertTrue(same)
      XCTAssertEqual(calls, (40 * 11 + 19) / 20, "the largest segment, 40 x 11 bytes, in chunks of 60 / 3")
    }
  }

  func testGatherInRoundsConcatenatesInRankOrder() throws {
    let results = ThreadGroup.run(ranks: 3) { comm -> [UInt8]? in
      let mine = (0..<(comm.rank * 37 + 5)).map { UInt8(truncatingIfNeeded: $0 * 3 + comm.rank) }
      let counts = (0..<3).map { $0 * 37 + 5 }
      return try mine.withUnsafeBytes { s in
        try comm.gatherInRounds(s, counts: counts, root: 2, limit: 30) { part, c in
          XCTAssertLessThanOrEqual(c.reduce(0, +), 30)
          return try comm.gather(part, counts: c, root: 2)
        }
      }
    }
    let expected = (0..<3).flatMap { r in (0..<(r * 37 + 5)).map { UInt8(truncatingIfNeeded: $0 * 3 + r) } }
    XCTAssertNil(try results[0].get())
    XCTAssertEqual(try results[2].get(), expected)
  }
}
