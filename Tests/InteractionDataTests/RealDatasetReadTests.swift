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

  /// Tokens and non-blank lines of a whitespace-separated file, by a
  /// plain byte loop (the naive reference for list files).
  private func tokensAndLines(_ path: String) throws -> (tokens: Int, lines: Int) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var tokens = 0
    var lines = 0
    var inToken = false
    var lineHasToken = false
    for b in bytes {
      let separator = b == 32 || b == 9 || b == 10 || b == 13
      if !separator && !inToken {
        tokens += 1
        lineHasToken = true
      }
      inToken = !separator
      if b == 10 {
        if lineHasToken { lines += 1 }
        lineHasToken = false
      }
    }
    if lineHasToken { lines += 1 }
    return (tokens, lines)
  }

  /// amazon-book train.txt ("user item item ..."): pairs counted naively;
  /// train + test against the published unique-pair, user and item counts.
  func testAmazonBookLists() throws {
    let path = try requireSharedDataset("amazon-book/train.txt")
    let (x, report) = try InteractionReader.read(path)
    let (tokens, lines) = try tokensAndLines(path)
    XCTAssertEqual(x.count, tokens - lines)
    XCTAssertEqual(report.lines, lines)
    XCTAssertEqual(x.userCount, lines)
    XCTAssertTrue(x.weights.allSatisfy { $0 == 1 })
    // Timestamps are positions within the line; line 1 is "0 0 1 2 ...".
    XCTAssertEqual(Array(x.timestamps![0..<3]), [0, 1, 2])
    XCTAssertEqual(x.itemIds.name(of: x.items[2]), "2")

    // The test split read against the train maps: every pair is kept or counted.
    let testPath = try requireSharedDataset("amazon-book/test.txt")
    let (t, tr) = try InteractionReader.read(testPath, userIds: x.userIds, itemIds: x.itemIds, addNewIds: false)
    XCTAssertEqual(t.userIds, x.userIds)
    XCTAssertEqual(t.itemIds, x.itemIds)
    let testCounts = try tokensAndLines(testPath)
    XCTAssertEqual(t.count + tr.unknownIdsDropped, testCounts.tokens - testCounts.lines)

    // Both files: 846,434 unique pairs, 70,679 users, 24,915 items (README).
    let (all, _) = try InteractionReader.read(testPath, userIds: x.userIds, itemIds: x.itemIds, addNewIds: true)
    let m = InteractionMatrix(
      userCount: all.userCount, itemCount: all.itemCount, users: x.users + all.users, items: x.items + all.items,
      weights: x.weights + all.weights)
    XCTAssertEqual(m.nnz, 846_434)
    XCTAssertEqual(all.userCount, 70_679)
    XCTAssertEqual(all.itemCount, 24_915)
  }

  func testAmazonBeautySequences() throws {
    let path = try requireSharedDataset("amazon-beauty/sequences.txt")
    let (x, _) = try InteractionReader.read(path)
    XCTAssertEqual(x.userCount, 22_363)
    XCTAssertEqual(x.itemCount, 12_101)
    XCTAssertEqual(x.count, 198_502)
  }
}
