@testable import DistributedIALS
import Collectives
import GramianTestSupport
import InteractionData
import XCTest

/// Global ids, row partitions, file parts and shards against the
/// single-process reading of the same data.
final class PartitionTests: XCTestCase {
  func testGlobalIdsAreTheFirstSeenOrderOfTheConcatenatedParts() throws {
    var rng = SystemRandomNumberGenerator()
    let stream = (0..<500).map { _ in "id\(Int.random(in: 0..<120, using: &rng))" }
    for ranks in 1...4 {
      let parts = (0..<ranks).map { r in Array(stream[(stream.count * r / ranks)..<(stream.count * (r + 1) / ranks)]) }
      var expected: [String: Int32] = [:]
      var order: [String] = []
      for s in stream where expected[s] == nil { expected[s] = Int32(order.count); order.append(s) }
      let results = ThreadGroup.run(ranks: ranks) { comm in
        var seen: [String] = []
        for s in parts[comm.rank] where !seen.contains(s) { seen.append(s) }
        return (seen, try GlobalIds.assign(seen, comm: comm))
      }
      var introduced: [String] = []
      for r in results {
        let (names, a) = try r.get()
        XCTAssertEqual(a.total, order.count)
        for (j, s) in names.enumerated() { XCTAssertEqual(a.global[j], expected[s], "\(s) on \(ranks) ranks") }
        XCTAssertEqual(a.firstIntroduced, introduced.count)
        introduced += a.introduced
      }
      XCTAssertEqual(introduced, order)
    }
  }

  func testPartitionBalancesInteractionsAndOwnerFindsTheRange() {
    // 10 rows with interactions 1..10 (total 55) in 10 buckets, 3 ranks:
    // the running counts closest to 55/3 and 110/3 are 21 (rows 0-5) and
    // 36 (rows 0-7): loads 21, 15, 19.
    let p = RowPartition.cut((1...10).map { Int64($0) }, count: 10, ranks: 3)
    XCTAssertEqual(p.starts, [0, 6, 8, 10])
    XCTAssertEqual((0..<10).map(p.owner), [0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
    // More ranks than rows: some ranks own nothing, every row has one owner.
    let q = RowPartition.cut([5, 5], count: 2, ranks: 4)
    XCTAssertEqual(q.starts.first, 0)
    XCTAssertEqual(q.starts.last, 2)
    XCTAssertEqual((0..<2).map { q.range(q.owner($0)).contains($0) }, [true, true])
  }

  func testFilePartsTogetherReadEveryLineOnceInOrder() throws {
    let folder = TemporaryFolder(self)
    var text = "userId,movieId,rating,timestamp\r\n"
    for e in 0..<997 { text += "u\(e * 7 % 53),i\(e * 11 % 89),\(e % 5 + 1),\(1000 + e)\r\n" }
    let path = folder.file("ratings.csv", text)
    let (whole, _) = try InteractionReader.read(path)
    for parts in [1, 2, 3, 7] {
      var users: [String] = [], items: [String] = [], weights: [Float] = []
      for p in 0..<parts {
        let (x, report) = try InteractionReader.readPart(path, part: p, of: parts)
        XCTAssertTrue(report.headerDetected)
        users += x.users.map { x.userIds.names[Int($0)] }
        items += x.items.map { x.itemIds.names[Int($0)] }
        weights += x.weights
      }
      XCTAssertEqual(users, whole.users.map { whole.userIds.names[Int($0)] }, "\(parts) parts")
      XCTAssertEqual(items, whole.items.map { whole.itemIds.names[Int($0)] })
      XCTAssertEqual(weights, whole.weights)
    }
  }

  func testABadLineInALaterPartIsReportedWithTheFilesLineNumber() throws {
    let folder = TemporaryFolder(self)
    var lines = (0..<200).map { "u\($0 % 9)\ti\($0 % 13)\t1" }
    lines[150] = "u1\ti2\tnot-a-number"
    let path = folder.file("bad.tsv", lines.joined(separator: "\n") + "\n")
    XCTAssertNoThrow(try InteractionReader.readPart(path, part: 0, of: 2))
    XCTAssertThrowsError(try InteractionReader.readPart(path, part: 1, of: 2)) { error in
      let e = error as? DataError
      XCTAssertEqual(e?.line, 151)
      XCTAssertEqual(e?.file, path)
    }
  }

  func testListsFilesCannotBeReadInParts() throws {
    let folder = TemporaryFolder(self)
    let path = folder.file("x.lists", "u1 i1 i2 i3\nu2 i2 i4\n")
    var o = ReadOptions()
    o.format = .lists
    XCTAssertThrowsError(try InteractionReader.readPart(path, options: o, part: 0, of: 2)) { error in
      XCTAssertTrue("\(error)".contains("folder of shard files"), "\(error)")
    }
  }

  func testShardRangesCoverEveryShardOnceInOrder() {
    let sizes = [10, 300, 5, 5, 120, 60]
    for ranks in 1...8 {
      let ranges = (0..<ranks).map { DistributedInput.shardRange(sizes: sizes, rank: $0, ranks: ranks) }
      XCTAssertEqual(ranges.first?.lowerBound, 0)
      XCTAssertEqual(ranges.last?.upperBound, sizes.count)
      for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
    }
  }
}
