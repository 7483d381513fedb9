import Foundation
import InteractionData
import XCTest
@testable import TwoTower

final class FeatureReaderTests: XCTestCase {
  func write(_ text: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("features-\(UUID().uuidString).tsv").path
    try! text.write(toFile: path, atomically: true, encoding: .utf8)
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  func testReadsBagsAlignedToIds() throws {
    let path = write("# movies\n2\tgenre=Comedy|Drama\tyear=1990s\r\n\n1\tgenre=Comedy\n9\tgenre=Horror\n")
    let bags = try FeatureBags.read(path, ids: IdMap(names: ["1", "2", "3"]))
    XCTAssertEqual(bags.count, 3)
    XCTAssertEqual(bags.skippedUnknownIds, 1)
    XCTAssertEqual(bags.fields, ["genre", "year"])
    let (v1, w1) = bags.bag(1)
    XCTAssertEqual(v1.map { bags.vocabulary.name(of: $0) }, ["genre=Comedy", "genre=Drama", "year=1990s"])
    XCTAssertEqual(Array(w1), [0.5, 0.5, 1])
    XCTAssertEqual(bags.bag(0).values.map { bags.vocabulary.name(of: $0) }, ["genre=Comedy"])
    XCTAssertTrue(bags.bag(2).values.isEmpty)
  }

  func testBadInputNamesLineAndColumn() {
    let cases: [(String, Int, Int, String)] = [
      ("1\tgenre=A\n2\tgenreA\n", 2, 2, "expected field=value"),
      ("1\t=A\n", 1, 2, "empty field name"),
      ("1\tgenre=A||B\n", 1, 2, "empty value"),
      ("1\tg=A\tg=B\n", 1, 3, "repeats"),
      ("1\tg=A\n1\tg=B\n", 2, 1, "earlier line"),
      ("\tg=A\n", 1, 1, "id is empty"),
    ]
    for (text, line, column, message) in cases {
      let path = write(text)
      XCTAssertThrowsError(try FeatureBags.read(path, ids: IdMap(names: ["1", "2"]))) { error in
        guard let e = error as? DataError else { return XCTFail("\(error)") }
        XCTAssertEqual(e.line, line, text); XCTAssertEqual(e.column, column, text)
        XCTAssertTrue(e.message.contains(message), e.message)
        XCTAssertNotNil(e.hint)
      }
    }
    XCTAssertThrowsError(try FeatureBags.read("/nonexistent/f.tsv", ids: IdMap())) {
      XCTAssertEqual(($0 as? DataError)?.kind, .missingFile)
    }
  }

  func testHistoriesFollowTimestamps() {
    let events = Interactions(users: [0, 0, 0, 1], items: [5, 6, 5, 7], weights: [1, 1, 1, 1], timestamps: [30, 10, 20, 1],
                              userIds: IdMap(names: ["a", "b"]), itemIds: IdMap(names: (0..<8).map(String.init)))
    XCTAssertEqual(TwoTowerData.histories(events, userCount: 2), [[6, 5], [7]])
  }
}
