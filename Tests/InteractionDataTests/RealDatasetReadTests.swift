import Foundation
import GramianTestSupport
import InteractionData
import XCTest

/// Reads the real datasets and checks the published counts (README of
/// /work/shared/datasets) or counts made here with naive string code.
final class RealDatasetReadTests: XCTestCase {
  func testMovieLens100K() throws {
    let path = try requireSharedDataset("ml-100k/u.data")
    let (x, report) = try InteractionReader.read(path)
    XCTAssertEqual(x.count, 100_000)
    XCTAssertEqual(x.userCount, 943)
    XCTAssertEqual(x.itemCount, 1_682)
    XCTAssertEqual(report.lines, 100_000)
    XCTAssertFalse(report.headerDetected)
    XCTAssertEqual(x.timestamps?.count, 100_000)
    // First line of u.data: "196\t242\t3\t881250949".
    XCTAssertEqual(x.userIds.name(of: x.users[0]), "196")
    XCTAssertEqual(x.itemIds.name(of: x.items[0]), "242")
    XCTAssertEqual(x.weights[0], 3)
    XCTAssertEqual(x.timestamps?[0], 881_250_949)
  }

  func testLastFM2KWithHeaderAndPlayCounts() throws {
    let path = try requireSharedDataset("lastfm-2k/user_artists.dat")
    let (x, report) = try InteractionReader.read(path)
    XCTAssertTrue(report.headerDetected)
    XCTAssertEqual(x.count, 92_834)
    XCTAssertEqual(x.userCount, 1_892)
    XCTAssertEqual(x.itemCount, 17_632)
    XCTAssertNil(x.timestamps)
    XCTAssertEqual(x.weights.min(), 1)
    XCTAssertEqual(x.weights.max(), 352_698)
    // "2\t51\t13883" is the first data line.
    XCTAssertEqual(x.userIds.name(of: x.users[0]), "2")
    XCTAssertEqual(x.weights[0], 13_883)
  }

  /// The copy of ml-latest-small inside the repository (never skipped).
  func testBundledMovieLensSmall() throws {
    let path = SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path
    let (x, report) = try InteractionReader.read(path)
    XCTAssertTrue(report.headerDetected)
    XCTAssertEqual(x.count, 100_836)
    XCTAssertEqual(x.userCount, 610)
    XCTAssertEqual(x.itemCount, 9_724)
    XCTAssertEqual(report.skippedBadLines, 0)

    var options = ReadOptions()
    options.minRating = 4
    options.weightMode = .one
    let (positives, r4) = try InteractionReader.read(path, options: options)
    // Naive reference: split lines and fields as strings.
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var kept = 0
    var below = 0
    var users = Set<String>()
    var items = Set<String>()
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
      let f = line.split(separator: ",")
      if Double(f[2])! >= 4 {
        kept += 1
        users.insert(String(f[0]))
        items.insert(String(f[1]))
      } else {
        below += 1
      }
    }
    XCTAssertEqual(positives.count, kept)
    XCTAssertEqual(r4.belowMinRating, below)
    XCTAssertEqual(positives.userCount, users.count)
    XCTAssertEqual(positives.itemCount, items.count)
    XCTAssertTrue(positives.weights.allSatisfy { $0 == 1 })
  }

  /// amazon-book train.txt ("user item item ..."): pairs counted naively.
  func testAmazonBookLists() throws {
    let path = try requireSharedDataset("amazon-book/train.txt")
    let (x, report) = try InteractionReader.read(path)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var pairs = 0
    var users = Set<Substring>()
    var items = Set<Substring>()
    var firstLine: [Substring] = []
    for line in text.split(whereSeparator: \.isNewline) {
      let f = line.split(separator: " ")
      guard let u = f.first else { continue }
      if firstLine.isEmpty { firstLine = f }
      users.insert(u)
      pairs += f.count - 1
      items.formUnion(f.dropFirst())
    }
    XCTAssertEqual(x.count, pairs)
    XCTAssertEqual(x.userCount, users.count)
    XCTAssertEqual(x.itemCount, items.count)
    XCTAssertEqual(report.lines, users.count)
    XCTAssertTrue(x.weights.allSatisfy { $0 == 1 })
    // Timestamps are positions within the line.
    XCTAssertEqual(Array(x.timestamps![0..<3]), [0, 1, 2])
    XCTAssertEqual(x.itemIds.name(of: x.items[firstLine.count - 2]), String(firstLine.last!))

    // The test split read against the train maps: every pair is known or counted.
    let testPath = try requireSharedDataset("amazon-book/test.txt")
    let (t, tr) = try InteractionReader.read(testPath, userIds: x.userIds, itemIds: x.itemIds, addNewIds: false)
    XCTAssertEqual(t.userIds, x.userIds)
    XCTAssertEqual(t.itemIds, x.itemIds)
    let testText = try String(contentsOfFile: testPath, encoding: .utf8)
    let testPairs = testText.split(whereSeparator: \.isNewline).reduce(0) { $0 + $1.split(separator: " ").count - 1 }
    XCTAssertEqual(t.count + tr.unknownIdsDropped, testPairs)
  }

  func testAmazonBeautySequences() throws {
    let path = try requireSharedDataset("amazon-beauty/sequences.txt")
    let (x, _) = try InteractionReader.read(path)
    XCTAssertEqual(x.userCount, 22_363)
    XCTAssertEqual(x.itemCount, 12_101)
    XCTAssertEqual(x.count, 198_502)
  }
}
