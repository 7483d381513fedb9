import LinearAlgebra
@testable import Retrieval
import XCTest

/// HNSW against brute force on small random data (debug-build fast).
final class HNSWIndexTests: XCTestCase {
  static let items = TestData.clustered(rows: 1200, columns: 16, clusters: 20, seed: 1)
  static let queries = TestData.clustered(rows: 60, columns: 16, clusters: 20, seed: 2)
  static let index = try! HNSWIndex(vectors: items, configuration: .init(M: 8, efConstruction: 60, checkInvariants: true), threads: 1)

  func testRecallFallsAsEfFallsAndIsHighAtLargeEf() {
    let efs = [1, 4, 16, 64, 256]
    let recalls = efs.map { TestData.recall(Self.index, items: Self.items, queries: Self.queries, k: 10, ef: $0) }
    for (a, b) in zip(recalls, recalls.dropFirst()) { XCTAssertLessThanOrEqual(a, b + 0.02, "recalls \(recalls)") }
    XCTAssertLessThan(recalls[0], recalls[4] - 0.05, "ef should matter: \(recalls)")
    XCTAssertGreaterThanOrEqual(recalls[4], 0.95, "recalls \(recalls)")
  }

  func testRecallRisesWithM() throws {
    let recalls = try [2, 4, 12].map { m in
      let index = try HNSWIndex(vectors: Self.items, configuration: .init(M: m, efConstruction: 40), threads: 1)
      return TestData.recall(index, items: Self.items, queries: Self.queries, k: 10, ef: 10)
    }
    for (a, b) in zip(recalls, recalls.dropFirst()) { XCTAssertLessThanOrEqual(a, b + 0.02, "recalls \(recalls)") }
    XCTAssertLessThan(recalls[0], recalls[2] - 0.05, "M should matter: \(recalls)")
  }

  func testScoresAreInnerProductsAndSorted() {
    let q = Self.queries.row(0)
    let got = Self.index.search(q, k: 20, ef: 50)
    XCTAssertEqual(got.count, 20)
    for (item, score) in got {
      let ref = zip(q, Self.items.row(Int(item))).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      XCTAssertEqual(Double(score), ref, accuracy: 1e-4)
    }
    XCTAssertTrue(zip(got, got.dropFirst()).allSatisfy { $0.score >= $1.score })
  }

  func testFilteredQueriesNeverReturnAFilteredItem() {
    for r in 0..<Self.queries.rows {
      let q = Self.queries.row(r)
      let excluded: (Int32) -> Bool = { $0 % 3 != 0 }
      let got = Self.index.search(q, k: 10, ef: 40, excluding: excluded)
      XCTAssertEqual(got.count, 10)
      XCTAssertFalse(got.contains { excluded($0.item) })
      // Heavy filter: only 5 items allowed; all of them must come back.
      let allowed: Set<Int32> = [5, 77, 500, 901, 1199]
      let few = Self.index.search(q, k: 10, ef: 10, excluding: { !allowed.contains($0) })
      XCTAssertEqual(Set(few.map(\.item)), allowed)
    }
    let batch = Self.index.search(queries: Self.queries, k: 10, ef: 40, threads: 2) { row, item in Int(item) % 2 == row % 2 }
    for (row, list) in batch.enumerated() { XCTAssertFalse(list.contains { Int($0.item) % 2 == row % 2 }) }
  }

  func testInvariantsHoldAfterBuildAndIncrementalAdds() throws {
    XCTAssertEqual(Self.index.invariantViolations(), [])
    var index = try HNSWIndex(vectors: Matrix(rows: 0, columns: 16), configuration: .init(M: 6, efConstruction: 30, checkInvariants: true))
    var added = 0
    for (step, size) in [1, 1, 5, 100, 300, 393].enumerated() {
      let chunk = Matrix(rows: size, columns: 16, storage: Array(Self.items.storage[(added * 16)..<((added + size) * 16)]))
      try index.add(chunk, threads: step % 2 == 0 ? 1 : 2)
      added += size
      XCTAssertEqual(index.count, added)
      XCTAssertEqual(index.invariantViolations(), [], "after adding \(added)")
    }
    XCTAssertEqual(index.vector(700), Self.items.row(700))
    let recall = TestData.recall(index, items: Matrix(rows: added, columns: 16, storage: Array(Self.items.storage[0..<(added * 16)])),
                                 queries: Self.queries, k: 10, ef: 100)
    XCTAssertGreaterThanOrEqual(recall, 0.9)
  }

  func testInvariantCheckerDetectsBrokenGraphs() throws {
    var index = try HNSWIndex(vectors: TestData.gaussian(rows: 50, columns: 4, seed: 9), configuration: .init(M: 4, efConstruction: 20))
    index.makeUnique()
    let l = index.storage.links(3, 0)
    l[1] = 3
    XCTAssertTrue(index.invariantViolations().contains { $0.contains("self loop") })
    l[1] = 50
    XCTAssertTrue(index.invariantViolations().contains { $0.contains("outside") })
    // Cut every link into item 7: unreachable.
    for i in 0..<50 where i != 7 {
      let li = index.storage.links(Int32(i), 0)
      var kept: [Int32] = []
      for j in 0..<Int(li[0]) where li[1 + j] != 7 && li[1 + j] != 50 && li[1 + j] != Int32(i) { kept.append(li[1 + j]) }
      for (j, t) in kept.enumerated() { li[1 + j] = t }
      li[0] = Int32(kept.count)
    }
    if index.storage.entry != 7 {
      XCTAssertTrue(index.invariantViolations().contains { $0.contains("unreachable") })
      index.storage.repairReachability()
      XCTAssertEqual(index.invariantViolations(), [])
    }
  }

  func testReachabilityRepairLinksEveryItemAndDoesNotDependOnThreads() throws {
    // Uneven norms under the inner-product metric: pruning leaves many items
    // without in-links. Rebuild the graph without the repair's links by
    // cutting every level-0 in-link of a fixed set of items, then repair.
    let items = TestData.gaussian(rows: 400, columns: 8, seed: 11, unevenNorms: true)
    let built = try HNSWIndex(vectors: items, configuration: .init(M: 4, efConstruction: 40), threads: 1)
    XCTAssertEqual(built.invariantViolations(), [])
    let cut = Set((0..<400).filter { $0 % 9 == 4 }.map(Int32.init)).subtracting([built.storage.entry])
    var copies: [HNSWIndex] = []
    for threads in [1, 2] {
      var index = built
      index.makeUnique()
      for i in 0..<Int32(400) {
        let l = index.storage.links(i, 0)
        var kept: [Int32] = []
        for j in 0..<Int(l[0]) where !cut.contains(l[1 + j]) { kept.append(l[1 + j]) }
        for (j, t) in kept.enumerated() { l[1 + j] = t }
        l[0] = Int32(kept.count)
      }
      XCTAssertTrue(index.invariantViolations().contains { $0.contains("unreachable") })
      index.storage.repairReachability(threads: threads)
      XCTAssertEqual(index.invariantViolations(), [], "threads \(threads)")
      copies.append(index)
    }
    XCTAssertEqual(copies[0].encoded(), copies[1].encoded(), "the repair must not depend on the thread count")
  }

  func testParallelBuildIsValidAndSingleThreadedBuildIsDeterministic() throws {
    let config = HNSWIndex.Configuration(M: 8, efConstruction: 60)
    let again = try HNSWIndex(vectors: Self.items, configuration: config, threads: 1)
    XCTAssertEqual(again.encoded(), Self.index.encoded(), "same seed, one thread: same bytes")
    let parallel = try HNSWIndex(vectors: Self.items, configuration: config, threads: 2)
    XCTAssertEqual(parallel.invariantViolations(), [])
    XCTAssertGreaterThanOrEqual(TestData.recall(parallel, items: Self.items, queries: Self.queries, k: 10, ef: 64), 0.9)
  }

  func testAugmentedMetricPreservesInnerProductOrderAndSearchesWell() throws {
    // Brute force in float64: the augmented Euclidean distance orders items
    // exactly as the negative inner product does.
    let items = TestData.gaussian(rows: 300, columns: 8, seed: 4, unevenNorms: true)
    let norms = (0..<items.rows).map { i in items.row(i).reduce(0.0) { $0 + Double($1) * Double($1) } }
    let phi2 = norms.max()!
    for r in 0..<10 {
      let q = TestData.gaussian(rows: 1, columns: 8, seed: 100 + UInt64(r)).row(0)
      let augmented = (0..<items.rows).map { i -> Double in
        let a = (phi2 - norms[i]).squareRoot()
        return a * a + zip(q, items.row(i)).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
      }
      let byDistance = (0..<items.rows).sorted { augmented[$0] != augmented[$1] ? augmented[$0] < augmented[$1] : $0 < $1 }
      XCTAssertEqual(byDistance.map { Int32($0) }, TestData.bruteForce(items, q, k: items.rows))
    }
    let index = try HNSWIndex(vectors: Self.items, configuration: .init(M: 8, efConstruction: 60, metric: .augmented, checkInvariants: true))
    XCTAssertGreaterThan(index.storage.phi, 0)
    XCTAssertGreaterThanOrEqual(TestData.recall(index, items: Self.items, queries: Self.queries, k: 10, ef: 128), 0.9)
  }
}

