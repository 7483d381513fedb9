import Evaluation
import Foundation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import Retrieval
import XCTest

/// Exact top-K (sgemm tiles + threshold scan) against a float64 brute force.
/// Lists are compared through their float64 scores: the returned scores,
/// re-scored in float64, must equal the reference's top scores within 1e-4
/// (float32 sgemm rounding; exact ties may pick different items).
final class ExactTopKTests: XCTestCase {
  let users = TestData.gaussian(rows: 37, columns: 12, seed: 1)
  let items = TestData.gaussian(rows: 531, columns: 12, seed: 2, unevenNorms: true)

  func reference(user u: Int, k: Int, bias: [Float]?, excluded: (Int32) -> Bool) -> [(Int32, Double)] {
    var scored: [(Int32, Double)] = []
    for i in 0..<items.rows where !excluded(Int32(i)) {
      var s = Double(bias?[i] ?? 0)
      for j in 0..<items.columns { s += Double(users[u, j]) * Double(items[i, j]) }
      scored.append((Int32(i), s))
    }
    scored.sort { $0.1 > $1.1 }
    return Array(scored.prefix(k))
  }

  func check(_ lists: [[(item: Int32, score: Float)]], k: Int, bias: [Float]?, excluded: (Int, Int32) -> Bool,
             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(lists.count, users.rows, file: file, line: line)
    for (u, list) in lists.enumerated() {
      let ref = reference(user: u, k: k, bias: bias) { excluded(u, $0) }
      XCTAssertEqual(list.count, ref.count, "user \(u)", file: file, line: line)
      XCTAssertFalse(list.contains { excluded(u, $0.item) }, "user \(u) got an excluded item", file: file, line: line)
      XCTAssertEqual(Set(list.map(\.item)).count, list.count, "duplicates for user \(u)", file: file, line: line)
      XCTAssertTrue(zip(list, list.dropFirst()).allSatisfy { $0.score >= $1.score }, "not sorted", file: file, line: line)
      let rescored = list.map { entry -> Double in
        var s = Double(bias?[Int(entry.item)] ?? 0)
        for j in 0..<items.columns { s += Double(users[u, j]) * Double(items[Int(entry.item), j]) }
        XCTAssertEqual(Double(entry.score), s, accuracy: 1e-4, file: file, line: line)
        return s
      }
      assertAllClose(rescored, ref.map(\.1), relative: 0, absolute: 1e-4, "user \(u)", file: file, line: line)
    }
  }

  func testPlainTopKMatchesBruteForceAcrossTileAndBlockSizes() {
    for (block, tile) in [(1, 1), (5, 64), (32, 4096), (7, 100)] {
      var exact = ExactTopK(itemFactors: items)
      exact.usersPerBlock = block
      exact.itemsPerTile = tile
      for k in [1, 10, 100] {
        check(exact.search(queries: users, k: k, threads: 2), k: k, bias: nil) { _, _ in false }
      }
    }
  }

  func testPopularityPriorAndFilterAndSeenItems() {
    var g = SeededGenerator(seed: 5)
    let counts = (0..<items.rows).map { _ in Int(g.next() % 50) }
    let bias = PopularityPrior.bias(itemCounts: counts, beta: 0.7)
    // P(d) = max(c_d, 0.5) / N, so bias = 0.7 * log of that (hand check for item 0).
    let total = Double(counts.reduce(0, +))
    XCTAssertEqual(Double(bias[0]), 0.7 * Foundation.log(max(Double(counts[0]), 0.5) / total), accuracy: 1e-6)
    // Seen items: user u has seen items u, u+1, ..., u+20 (mod |I|).
    var pairs: [(Int32, Int32)] = []
    for u in 0..<users.rows { for j in 0..<20 { pairs.append((Int32(u), Int32((u * 13 + j * 7) % items.rows))) } }
    let seen = InteractionMatrix(
      userCount: users.rows, itemCount: items.rows, users: pairs.map(\.0), items: pairs.map(\.1), weights: pairs.map { _ in 1 })
    let seenSets = (0..<users.rows).map { Set(seen.items(ofUser: $0)) }
    let filter: @Sendable (Int32, Int32) -> Bool = { u, i in (Int(i) + Int(u)) % 3 == 0 }
    var exact = ExactTopK(itemFactors: items, itemBias: bias)
    exact.usersPerBlock = 8
    exact.itemsPerTile = 128
    let lists = exact.search(queries: users, k: 25, seen: seen, excluding: filter, threads: 2)
    check(lists, k: 25, bias: bias) { u, i in seenSets[u].contains(i) || filter(Int32(u), i) }
  }

  /// Scanning the items in descending order of norm (searches of many
  /// users) returns exactly the lists of the catalogue-order scan: the same
  /// items in the same order with the same score bits, including exact ties
  /// (items 100-139 repeat items 0-39, so an item tied with the K-th best can
  /// still win on its lower index), with a bias, seen items and a filter.
  func testNormOrderGivesTheCatalogueOrderLists() {
    let many = TestData.gaussian(rows: 300, columns: 12, seed: 9)
    var rows = items
    for i in 100..<140 { for j in 0..<items.columns { rows[i, j] = items[i - 100, j] } }
    var g = SeededGenerator(seed: 12)
    var bias = (0..<rows.rows).map { _ in Float(g.next() % 5) * 0.25 }
    for i in 100..<140 { bias[i] = bias[i - 100] }
    var pairs: [(Int32, Int32)] = []
    for u in 0..<many.rows { for j in 0..<10 { pairs.append((Int32(u), Int32((u * 17 + j * 11) % rows.rows))) } }
    let seen = InteractionMatrix(
      userCount: many.rows, itemCount: rows.rows, users: pairs.map(\.0), items: pairs.map(\.1), weights: pairs.map { _ in 1 })
    let filter: @Sendable (Int32, Int32) -> Bool = { u, i in (Int(i) * 7 + Int(u)) % 5 == 0 }
    for (block, tile) in [(1, 1), (16, 64), (256, 4096), (7, 100)] {
      for withBias in [false, true] {
        var exact = ExactTopK(itemFactors: rows, itemBias: withBias ? bias : nil)
        exact.usersPerBlock = block
        exact.itemsPerTile = tile
        exact.normOrderMinimumUsers = .max
        let catalogue = exact.search(queries: many, k: 20, seen: seen, excluding: filter, threads: 2)
        exact.normOrderMinimumUsers = 0
        let sorted = exact.search(queries: many, k: 20, seen: seen, excluding: filter, threads: 2)
        for u in 0..<many.rows {
          XCTAssertEqual(sorted[u].map(\.item), catalogue[u].map(\.item), "user \(u), block \(block), tile \(tile), bias \(withBias)")
          XCTAssertEqual(sorted[u].map(\.score.bitPattern), catalogue[u].map(\.score.bitPattern), "user \(u)")
        }
      }
    }
  }

  /// Ties at the K-th place between items the norm order visits out of
  /// index order: queries along the first axis score item i as i % 10 while
  /// the second coordinate (i % 7) gives equal scores different norms. The
  /// top 20 must be the 20 lowest-indexed items scoring 9, as in catalogue
  /// order.
  func testNormOrderKeepsTheLowerIndexOnTies() {
    var rows = Matrix(rows: 3000, columns: 4)
    for i in 0..<rows.rows {
      rows[i, 0] = Float(i % 10)
      rows[i, 1] = Float(i % 7) * 3
    }
    var queries = Matrix(rows: 300, columns: 4)
    for u in 0..<queries.rows { queries[u, 0] = 1 }
    let expected = (0..<Int32(3000)).filter { $0 % 10 == 9 }.prefix(20)
    for minimum in [Int.max, 0] {
      var exact = ExactTopK(itemFactors: rows)
      exact.normOrderMinimumUsers = minimum
      for list in exact.search(queries: queries, k: 20, threads: 2) {
        XCTAssertEqual(list.map(\.item), Array(expected), "norm order from \(minimum) users")
      }
    }
  }

  func testUserSubsetAndFilterThatLeavesFewerThanK() {
    let exact = ExactTopK(itemFactors: items)
    let lists = exact.search(queries: users, users: [3, 3, 0], k: 10, excluding: { _, i in i >= 4 }, threads: 1)
    XCTAssertEqual(lists.count, 3)
    for list in lists { XCTAssertEqual(Set(list.map(\.item)), [0, 1, 2, 3]) }
    XCTAssertEqual(lists[0].map(\.item), lists[1].map(\.item))
  }
}
