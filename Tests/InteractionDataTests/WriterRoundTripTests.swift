import GramianTestSupport
import InteractionData
import XCTest

/// Writer -> reader round trips for every text format.
final class WriterRoundTripTests: XCTestCase {
  /// Events grouped by user with items first seen in index order, so the
  /// list format (which groups by user) reproduces the same maps.
  private func sample() -> Interactions {
    Interactions(
      users: [0, 0, 1, 1, 1, 3], items: [0, 1, 1, 2, 0, 3], weights: [1, 4.5, 0.001, 3, 352_698, 2],
      timestamps: [10, 20, 30, 40, 50, 60],
      userIds: IdMap(names: ["u-α", "u2", "nobody", "u4"]), itemIds: IdMap(names: ["A", "B", "C", "D"]))
  }

  func testDelimitedRoundTrip() throws {
    let dir = TemporaryFolder(self)
    var x = sample()
    x.userIds = IdMap(names: ["u-α", "u2", "u3", "u4"])
    x.users = [0, 0, 1, 1, 2, 3]  // every user has an event
    for (delimiter, header) in [(UInt8(9), false), (UInt8(ascii: ","), true), (UInt8(ascii: "|"), true)] {
      let path = dir.path("x-\(delimiter).txt")
      try InteractionWriter.writeDelimited(x, to: path, delimiter: delimiter, header: header)
      let (y, report) = try InteractionReader.read(path)
      XCTAssertEqual(report.headerDetected, header)
      XCTAssertEqual(y, x)
    }
    var noTime = x
    noTime.timestamps = nil
    try InteractionWriter.writeDelimited(noTime, to: dir.path("n.tsv"))
    XCTAssertEqual(try InteractionReader.read(dir.path("n.tsv")).0, noTime)
  }

  func testListsRoundTrip() throws {
    let dir = TemporaryFolder(self)
    let x = sample()
    try InteractionWriter.writeLists(x, to: dir.path("l.txt"))
    let text = try String(contentsOfFile: dir.path("l.txt"), encoding: .utf8)
    XCTAssertEqual(text, "u-α A B\nu2 B C A\nnobody\nu4 D\n")
    let (y, _) = try InteractionReader.read(dir.path("l.txt"))
    XCTAssertEqual(y.userIds, x.userIds)
    XCTAssertEqual(y.itemIds, x.itemIds)
    XCTAssertEqual(y.users, x.users)
    XCTAssertEqual(y.items, x.items)
    XCTAssertEqual(y.weights, [Float](repeating: 1, count: 6))
    XCTAssertEqual(y.timestamps, [0, 1, 0, 1, 2, 0])
  }

  func testMatrixMarketRoundTrip() throws {
    let dir = TemporaryFolder(self)
    let x = sample()
    try InteractionWriter.writeMatrixMarket(x, to: dir.path("m.mtx"))
    let (y, _) = try InteractionReader.read(dir.path("m.mtx"))
    XCTAssertEqual(y.users, x.users)
    XCTAssertEqual(y.items, x.items)
    XCTAssertEqual(y.weights, x.weights)
    XCTAssertEqual(y.userIds.names, ["1", "2", "3", "4"])
    XCTAssertEqual(y.itemCount, 4)
  }

  /// An id holding the separator is written in quotes and reads back; one
  /// that also holds a quote cannot be written (nothing is left behind).
  func testSeparatorInIdIsQuotedOrRefused() throws {
    let dir = TemporaryFolder(self)
    let x = Interactions(users: [0, 1], items: [0, 0], weights: [1, 2], userIds: IdMap(names: ["a,b", "c"]),
                         itemIds: IdMap(names: ["i"]))
    try InteractionWriter.writeDelimited(x, to: dir.path("ok.csv"), delimiter: UInt8(ascii: ","))
    XCTAssertEqual(try String(contentsOfFile: dir.path("ok.csv"), encoding: .utf8), "\"a,b\",i,1\nc,i,2\n")
    let (y, _) = try InteractionReader.read(dir.path("ok.csv"))
    XCTAssertEqual(y.userIds.names, ["a,b", "c"])
    XCTAssertEqual(y.weights, [1, 2])
    for bad in ["a,\"b", "\"q"] {
      let z = Interactions(users: [0], items: [0], weights: [1], userIds: IdMap(names: [bad]), itemIds: IdMap(names: ["i"]))
      XCTAssertThrowsError(try InteractionWriter.writeDelimited(z, to: dir.path("bad.csv"), delimiter: UInt8(ascii: ",")))
      XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("bad.csv")))
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["ok.csv"])
  }
}
