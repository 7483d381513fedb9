import Foundation
import InteractionData
import XCTest
@testable import TwoTower

/// MovieLens metadata -> feature records, on hand-written files in each
/// format, the written file read back, and bad lines named.
final class MovieLensFeaturesTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("ml-features-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func file(_ name: String, _ text: String) -> String {
    let path = dir.appendingPathComponent(name).path
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// ml-100k's 19 genre flags with `on` set (and `flag` at `odd`, to make a bad value).
  static func flags19(_ on: [Int], odd: Int? = nil, flag: String = "2") -> String {
    (0..<19).map { $0 == odd ? flag : on.contains($0) ? "1" : "0" }.joined(separator: "|")
  }

  func testML100kItemsWithDefaultGenreNames() throws {
    let path = file("u.item", """
      1|Toy Story (1995)|01-Jan-1995||http://x|\(Self.flags19([3, 4, 5]))
      267|unknown||||\(Self.flags19([0]))

      1682|Scream of Stone (1991)|08-Mar-1996||http://y|\(Self.flags19([8]))\r

      """)
    let records = try MovieLensFeatures.ml100kItems(path)
    XCTAssertEqual(records, [
      FeatureRecord(id: "1", fields: [.init("genre", ["Animation", "Children's", "Comedy"]), .init("decade", ["1990s"])]),
      FeatureRecord(id: "267", fields: [.init("genre", ["unknown"]), .init("decade", [])]),
      FeatureRecord(id: "1682", fields: [.init("genre", ["Drama"]), .init("decade", ["1990s"])]),
    ])
    XCTAssertEqual(records[1].line, "267\tgenre=unknown", "a field without values is left out")
  }

  func testML100kItemsTakeGenreNamesFromUGenre() throws {
    _ = file("u.genre", "None|0\nBoth|1\n\n")
    let path = file("u.item", "7|Film (1972)|01-Jan-1972||u|1|1\n")
    XCTAssertEqual(try MovieLensFeatures.ml100kItems(path),
                   [FeatureRecord(id: "7", fields: [.init("genre", ["None", "Both"]), .init("decade", ["1970s"])])])
  }

  func testML100kUsersBuckets() throws {
    let path = file("u.user", "1|24|M|technician|85711\n2|17|F|student|T8H1N\n3|65|F|retired|\n4|50|M|doctor|02139\n")
    let lines = try MovieLensFeatures.ml100kUsers(path).map(\.line)
    XCTAssertEqual(lines, [
      "1\tage=20s\tgender=M\toccupation=technician\tzip=8",
      "2\tage=<18\tgender=F\toccupation=student\tzip=other",
      "3\tage=65+\tgender=F\toccupation=retired\tzip=other",
      "4\tage=50s\tgender=M\toccupation=doctor\tzip=0",
    ])
  }

  func testMoviesCSVWithQuotedTitles() throws {
    let path = file("movies.csv", """
      movieId,title,genres
      1,Toy Story (1995),Adventure|Animation
      11,"American President, The (1995)",Comedy|Drama|Romance
      12,"Title with ""quotes"" (2003) ",(no genres listed)
      13,No Year,Drama

      """)
    XCTAssertEqual(try MovieLensFeatures.moviesCSV(path), [
      FeatureRecord(id: "1", fields: [.init("genre", ["Adventure", "Animation"]), .init("decade", ["1990s"])]),
      FeatureRecord(id: "11", fields: [.init("genre", ["Comedy", "Drama", "Romance"]), .init("decade", ["1990s"])]),
      FeatureRecord(id: "12", fields: [.init("genre", []), .init("decade", ["2000s"])]),
      FeatureRecord(id: "13", fields: [.init("genre", ["Drama"]), .init("decade", [])]),
    ])
  }

  /// What is written reads back through the two-tower feature reader.
  func testWrittenFileReadsBack() throws {
    let records = [
      FeatureRecord(id: "a", fields: [.init("genre", ["Comedy", "x|y"]), .init("decade", ["1990s"])]),
      FeatureRecord(id: "b", fields: [.init("genre", [])]),
    ]
    let path = dir.appendingPathComponent("f.tsv").path
    try FeatureRecord.write(records, to: path)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a\tgenre=Comedy|x_y\tdecade=1990s\nb\n")
    let bags = try FeatureBags.read(path, ids: IdMap(names: ["a", "b"]))
    XCTAssertEqual(bags.bag(0).values.map { bags.vocabulary.name(of: $0) }, ["decade=1990s", "genre=Comedy", "genre=x_y"])
    XCTAssertTrue(bags.bag(1).values.isEmpty)
    XCTAssertThrowsError(try FeatureRecord.write(records, to: "/nonexistent-dir/f.tsv")) {
      XCTAssertEqual(($0 as? DataError)?.kind, .unwritable)
    }
  }

  /// Records straight into bags: aligned to the id map, unknown ids
  /// counted, empty fields left out, a repeated id's field replaced.
  func testBagsFromRecords() {
    let bags = FeatureBags([
      FeatureRecord(id: "b", fields: [.init("genre", ["Drama"]), .init("decade", [])]),
      FeatureRecord(id: "zz", fields: [.init("genre", ["Horror"])]),
      FeatureRecord(id: "a", fields: [.init("genre", ["Comedy", "Drama"])]),
      FeatureRecord(id: "b", fields: [.init("genre", ["War"])]),
    ], ids: IdMap(names: ["a", "b", "c"]))
    XCTAssertEqual(bags.count, 3)
    XCTAssertEqual(bags.skippedUnknownIds, 1)
    XCTAssertEqual(bags.bag(0).values.map { bags.vocabulary.name(of: $0) }, ["genre=Comedy", "genre=Drama"])
    XCTAssertEqual(Array(bags.bag(0).weights), [0.5, 0.5])
    XCTAssertEqual(bags.bag(1).values.map { bags.vocabulary.name(of: $0) }, ["genre=War"])
    XCTAssertTrue(bags.bag(2).values.isEmpty)
  }

  func testBadLinesAreNamed() {
    let cases: [(String, String, (String) throws(DataError) -> [FeatureRecord], Int, Int?, String)] = [
      ("u.item", "1|T (1995)|01-Jan-1995||u|\(Self.flags19([]))\n2|short|x\n", MovieLensFeatures.ml100kItems, 2, nil, "expected 24"),
      ("u.item", "1|T (1995)|01-Jan-1995||u|\(Self.flags19([], odd: 2))\n", MovieLensFeatures.ml100kItems, 1, 8, "expected 0 or 1"),
      ("u.user", "1|24|M|technician|85711\n2|x|F|other|1\n", MovieLensFeatures.ml100kUsers, 2, 2, "not a non-negative integer"),
      ("u.user", "1|24|M\n", MovieLensFeatures.ml100kUsers, 1, nil, "expected 5"),
      ("movies.csv", "movieId,title,genres\n1,\"Open (1995),Drama\n", MovieLensFeatures.moviesCSV, 2, 2, "not closed"),
      ("movies.csv", "movieId,title,genres\n1,T (1995)\n", MovieLensFeatures.moviesCSV, 2, nil, "expected 3"),
      ("movies.csv", "id,title,genres\n", MovieLensFeatures.moviesCSV, 1, nil, "lacks movieId"),
    ]
    for (name, text, convert, line, column, message) in cases {
      let path = file(name, text)
      XCTAssertThrowsError(try convert(path)) { error in
        guard let e = error as? DataError else { return XCTFail("\(error)") }
        XCTAssertEqual(e.file, path); XCTAssertEqual(e.line, line, text); XCTAssertEqual(e.column, column, text)
        XCTAssertTrue(e.message.contains(message), e.message)
      }
    }
    XCTAssertEqual((try? MovieLensFeatures.ml100kUsers(dir.path)) == nil, true)
    XCTAssertThrowsError(try MovieLensFeatures.moviesCSV(dir.appendingPathComponent("none.csv").path)) {
      XCTAssertEqual(($0 as? DataError)?.kind, .missingFile)
    }
  }
}
