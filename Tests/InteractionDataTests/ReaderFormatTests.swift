import GramianTestSupport
import InteractionData
import XCTest

/// Small hand-made files in every layout, with the expected events written
/// out by hand.
final class ReaderFormatTests: XCTestCase {
  /// (user name, item name, weight) of every event, in order.
  private func triples(_ x: Interactions) -> [String] {
    (0..<x.count).map { "\(x.userIds.name(of: x.users[$0])) \(x.itemIds.name(of: x.items[$0])) \(x.weights[$0])" }
  }

  func testDelimitersAreSniffed() throws {
    let dir = TemporaryFolder(self)
    let expected = ["a x 1.0", "b y 2.5", "a y 3.0"]
    let files = [
      ("c.csv", "a,x,1\nb,y,2.5\na,y,3\n"),
      ("t.tsv", "a\tx\t1\r\nb\ty\t2.5\r\na\ty\t3\r\n"),
      ("w.txt", "  a   x 1\nb\t y  2.5 \n\na y 3\n"),
      ("d.dat", "a::x::1\nb::y::2.5\na::y::3\n"),
      ("p.txt", "a|x|1\nb|y|2.5\na|y|3\n"),
      ("q.csv", "\"a\",\"x\",1\n\"b\",\"y\",2.5\n\"a\",\"y\",3\n"),
    ]
    for (name, text) in files {
      let (x, report) = try InteractionReader.read(dir.file(name, text))
      XCTAssertEqual(triples(x), expected, name)
      XCTAssertEqual(report.lines, 3, name)
      XCTAssertNil(x.timestamps, name)
    }
  }

  /// RFC 4180 quoting: separators inside quotes are part of the id, a
  /// doubled quote stays as written, and an unclosed quote is an error
  /// naming the line and field.
  func testQuotedFieldsMayHoldTheSeparator() throws {
    let dir = TemporaryFolder(self)
    let (x, _) = try InteractionReader.read(dir.file("q.csv", "user,item,rating\n\"Doe, J\",\"x\",4\nk,\"say \"\"hi\"\"\",2.5\nk,\"\",1\n"), options: {
      var o = ReadOptions(); o.skipBadLines = true; return o
    }())
    XCTAssertEqual(triples(x), ["Doe, J x 4.0", "k say \"\"hi\"\" 2.5"], "the empty quoted id is a bad line")
    for (text, column) in [("u,i,r\nu1,\"i,1,5\n", 2), ("u,i,r\n\"u1\"x,i1,5\n", 1), ("u,i,r\n\"a\"x\",i1,5\n", 1)] {
      XCTAssertThrowsError(try InteractionReader.read(dir.file("bad.csv", text))) { error in
        guard let e = error as? DataError else { return XCTFail("\(error)") }
        XCTAssertEqual(e.line, 2, text)
        XCTAssertEqual(e.column, column, text)
        XCTAssertTrue(e.message.contains("unbalanced double quote"), e.message)
      }
    }
  }

  func testByteOrderMarkIsIgnored() throws {
    let dir = TemporaryFolder(self)
    let (x, _) = try InteractionReader.read(dir.file("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("u1,i1,2\n".utf8)))
    XCTAssertEqual(triples(x), ["u1 i1 2.0"])
  }

  func testMovieLensNamesAndTimestamps() throws {
    let dir = TemporaryFolder(self)
    try FileManager.default.createDirectory(atPath: dir.path("ml"), withIntermediateDirectories: true)
    let (dat, _) = try InteractionReader.read(dir.file("ml/ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n"))
    XCTAssertEqual(triples(dat), ["1 1193 5.0", "1 661 3.0"])
    XCTAssertEqual(dat.timestamps, [978_300_760, 978_302_109])
    let (csv, r) = try InteractionReader.read(
      dir.file("ml/ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.0,964981247.0\n"))
    XCTAssertTrue(r.headerDetected)
    XCTAssertEqual(csv.timestamps, [964_982_703, 964_981_247])
  }

  func testColumnsByNameAndIndex() throws {
    let dir = TemporaryFolder(self)
    let path = dir.file("e.csv", "ts,item,user,plays\n100,x,a,7\n200,y,b,9\n")
    var o = ReadOptions()
    o.userColumn = .name("USER")
    o.itemColumn = .name("item")
    o.weightColumn = .name("plays")
    o.timestampColumn = .index(0)
    let (x, report) = try InteractionReader.read(path, options: o)
    XCTAssertTrue(report.headerDetected)
    XCTAssertEqual(triples(x), ["a x 7.0", "b y 9.0"])
    XCTAssertEqual(x.timestamps, [100, 200])
  }

  func testTwoColumnFileHasUnitWeights() throws {
    let dir = TemporaryFolder(self)
    let (x, report) = try InteractionReader.read(dir.file("pairs.csv", "user,item\n5,6\n7,8\n"))
    XCTAssertTrue(report.headerDetected)
    XCTAssertEqual(triples(x), ["5 6 1.0", "7 8 1.0"])
    var o = ReadOptions()
    o.header = .absent
    o.format = .delimited
    let (y, _) = try InteractionReader.read(dir.file("n.csv", "5,6\n7,8\n"), options: o)
    XCTAssertEqual(triples(y), ["5 6 1.0", "7 8 1.0"])
  }

  func testMinRatingAndWeightMode() throws {
    let dir = TemporaryFolder(self)
    let path = dir.file("r.csv", "1,1,5\n1,2,3.5\n2,1,4\n3,3,1\n")
    var o = ReadOptions()
    o.minRating = 4
    let (x, report) = try InteractionReader.read(path, options: o)
    XCTAssertEqual(triples(x), ["1 1 5.0", "2 1 4.0"])
    XCTAssertEqual(report.belowMinRating, 2)
    XCTAssertEqual(report.events, 2)
    XCTAssertEqual(x.userIds.names, ["1", "2"])  // user 3 had no kept event
    o.weightMode = .one
    XCTAssertEqual(try InteractionReader.read(path, options: o).0.weights, [1, 1])
  }

  func testFixedIdMaps() throws {
    let dir = TemporaryFolder(self)
    let train = try InteractionReader.read(dir.file("train.csv", "u1,i1\nu2,i2\nu1,i2\n")).0
    let test = dir.file("test.csv", "u2,i1\nu3,i1\nu1,i9\nu1,i2\n")
    let (x, report) = try InteractionReader.read(test, userIds: train.userIds, itemIds: train.itemIds, addNewIds: false)
    XCTAssertEqual(triples(x), ["u2 i1 1.0", "u1 i2 1.0"])
    XCTAssertEqual(x.users, [1, 0])
    XCTAssertEqual(x.items, [0, 1])
    XCTAssertEqual(report.unknownIdsDropped, 2)
    let (grown, _) = try InteractionReader.read(test, userIds: train.userIds, itemIds: train.itemIds, addNewIds: true)
    XCTAssertEqual(grown.userIds.names, ["u1", "u2", "u3"])
    XCTAssertEqual(grown.itemIds.names, ["i1", "i2", "i9"])
  }

  /// Ids that look like numbers with leading zeros, or very large numbers,
  /// stay distinct strings.
  func testIdsAreStrings() throws {
    let dir = TemporaryFolder(self)
    let (x, _) = try InteractionReader.read(dir.file("ids.csv", "7,1\n07,1\n007,1\n7,99999999999\n7,1\n"))
    XCTAssertEqual(x.userIds.names, ["7", "07", "007"])
    XCTAssertEqual(x.users, [0, 1, 2, 0, 0])
    XCTAssertEqual(x.itemIds.names, ["1", "99999999999"])
  }

  func testListsWithEmptyUser() throws {
    let dir = TemporaryFolder(self)
    let (x, report) = try InteractionReader.read(dir.file("train.txt", "0 5 6 7 8 9\n1\n2 6 5 \n3 1 2 3\n"))
    XCTAssertEqual(report.lines, 4)
    XCTAssertEqual(x.userIds.names, ["0", "1", "2", "3"])
    XCTAssertEqual(x.count, 5 + 2 + 3)
    XCTAssertEqual(x.timestamps, [0, 1, 2, 3, 4, 0, 1, 0, 1, 2])
    XCTAssertEqual(Array(x.users), [0, 0, 0, 0, 0, 2, 2, 3, 3, 3])
  }

  func testMatrixMarket() throws {
    let dir = TemporaryFolder(self)
    let text = """
      %%MatrixMarket matrix coordinate real general
      % a comment
      3 4 3
      1 2 0.5
      3 4 2
      1 1 1e1

      """
    let (x, report) = try InteractionReader.read(dir.file("m.mtx", text))
    XCTAssertEqual(report.lines, 3)
    XCTAssertEqual(x.userCount, 3)  // every row, even the empty one
    XCTAssertEqual(x.itemCount, 4)
    XCTAssertEqual(x.users, [0, 2, 0])
    XCTAssertEqual(x.items, [1, 3, 0])
    XCTAssertEqual(x.weights, [0.5, 2, 10])
    XCTAssertEqual(x.userIds.name(of: 2), "3")
    let pattern = "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n"
    let (p, _) = try InteractionReader.read(dir.file("p.dat", pattern))  // sniffed from the banner
    XCTAssertEqual(p.weights, [1, 1])
  }

  /// Duplicate (user, item) lines are kept as events and merged by
  /// InteractionMatrix.
  func testDuplicatePairsMerged() throws {
    let dir = TemporaryFolder(self)
    let (x, _) = try InteractionReader.read(dir.file("d.csv", "a,x,1\na,x,2\nb,x,1\na,y,1\nb,x,4\n"))
    XCTAssertEqual(x.count, 5)
    let m = InteractionMatrix(x, duplicates: .sum)
    XCTAssertEqual(m.duplicatesMerged, 2)
    XCTAssertEqual(m.nnz, 3)
    XCTAssertEqual(m.weights(ofUser: 0), [3, 1])
    XCTAssertEqual(m.weights(ofUser: 1), [5])
  }
}

/// The small-file loader and the string field splitter shared by every
/// reader of ids, histories, titles and negatives.
final class TextFileTests: XCTestCase {
  func testLinesKeepNumbersAcrossLFAndCRLFAndSkipBlankLines() throws {
    let dir = TemporaryFolder(self)
    let path = dir.file("lines.txt", "a b\r\n\r\n  \nc\n\"x, y\",z\r\n")
    let lines = try TextFile.lines(path, what: "test file")
    XCTAssertEqual(lines.map(\.line), [1, 4, 5])
    XCTAssertEqual(lines.map(\.text), ["a b", "c", "\"x, y\",z"])
    XCTAssertEqual(FieldSplitter.fields(of: lines[2].text, delimiter: .comma), ["x, y", "z"])
    XCTAssertEqual(FieldSplitter.fields(of: "u1  i1\ti2", delimiter: .whitespace), ["u1", "i1", "i2"])
    XCTAssertEqual(FieldSplitter.fields(of: "\"say \"\"hi\"\"\",2", delimiter: .auto), ["say \"hi\"", "2"])
    XCTAssertThrowsError(try TextFile.lines(dir.path("missing.txt"), what: "test file")) {
      XCTAssertTrue("\($0)".contains("missing.txt"), "\($0)")
    }
  }
}
