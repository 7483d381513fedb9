import Evaluation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest

/// Batch scores (`score(users:items:threads:)`) equal the model's own
/// `score(user:item:)` and a float64 dot; the TSV bytes equal lines built by string
/// interpolation, in order, for any thread count.
final class PairScoresTests: XCTestCase {
  func model(users: Int, items: Int, d: Int) -> FactorModel {
    var rng = SeededGenerator(seed: 17)
    let u = Matrix(rows: users, columns: d, storage: (0..<(users * d)).map { _ in Float(rng.nextNormal()) })
    let v = Matrix(rows: items, columns: d, storage: (0..<(items * d)).map { _ in Float(rng.nextNormal()) })
    let bias = (0..<items).map { _ in Float(rng.nextNormal()) }
    // Names with multi-byte UTF-8, spaces and digits.
    let userIds = IdMap(names: (0..<users).map { $0 % 3 == 0 ? "usér \($0)" : "u\($0)" })
    let itemIds = IdMap(names: (0..<items).map { $0 % 5 == 0 ? "ítem-\($0)-名" : "\($0)" })
    return FactorModel(userFactors: u, itemFactors: v, itemBias: bias, userIds: userIds, itemIds: itemIds)
  }

  func testScoresMatchTheModelAndFloat64() {
    let m = model(users: 37, items: 53, d: 19)
    var rng = SeededGenerator(seed: 3)
    let n = 25_013
    let users = (0..<n).map { _ in Int32(rng.next() % 37) }, items = (0..<n).map { _ in Int32(rng.next() % 53) }
    for threads in [1, 2, 3] {
      let s = m.score(users: users, items: items, threads: threads)
      XCTAssertEqual(s.count, n)
      for j in stride(from: 0, to: n, by: 97) {
        XCTAssertEqual(s[j], m.score(user: Int(users[j]), item: Int(items[j])), "pair \(j) threads \(threads)")
        var e = Double(m.itemBias![Int(items[j])])
        for c in 0..<19 { e += Double(m.userFactors[Int(users[j]), c]) * Double(m.itemFactors[Int(items[j]), c]) }
        assertClose(Double(s[j]), e, relative: 1e-5, absolute: 1e-5)
      }
    }
  }

  func testTSVEqualsInterpolatedLines() {
    let m = model(users: 37, items: 53, d: 4)
    var rng = SeededGenerator(seed: 5)
    for n in [0, 1, 9_999, 30_001] {
      let users = (0..<n).map { _ in Int32(rng.next() % 37) }, items = (0..<n).map { _ in Int32(rng.next() % 53) }
      var scores = m.score(users: users, items: items, threads: 2)
      if n > 0 { scores[n / 2] = .nan }
      if n > 1 { scores[0] = -0.0; scores[1] = 1e-30 }
      var expected = ""
      for j in 0..<n {
        let text = scores[j].isNaN ? "nan" : "\(scores[j])"
        expected += "\(m.userIds.name(of: users[j]))\t\(m.itemIds.name(of: items[j]))\t\(text)\n"
      }
      for threads in [1, 2, 4] {
        let bytes = PairScores.tsv(users: users, items: items, scores: scores, userIds: m.userIds,
                                   itemIds: m.itemIds, threads: threads)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected, "n \(n) threads \(threads)")
      }
      // Every written score reads back as the same float.
      for line in expected.split(separator: "\n") where !line.hasSuffix("nan") {
        XCTAssertNotNil(Float(line.split(separator: "\t").last!))
      }
    }
  }

  /// Names of 1,000 bytes make a block about 2,000 lines, so 20,001 pairs
  /// take many blocks: the streamed pieces join into the same lines.
  func testLongNamesSpanManyBlocks() {
    let long = String(repeating: "u", count: 1000)
    let userIds = IdMap(names: ["\(long)0", "short", "\(long)2"])
    let itemIds = IdMap(names: ["i0", "\(long)1"])
    var rng = SeededGenerator(seed: 8)
    let n = 20_001
    let users = (0..<n).map { _ in Int32(rng.next() % 3) }, items = (0..<n).map { _ in Int32(rng.next() % 2) }
    let scores = (0..<n).map { _ in Float(rng.nextNormal()) }
    var expected = ""
    for j in 0..<n { expected += "\(userIds.name(of: users[j]))\t\(itemIds.name(of: items[j]))\t\(scores[j])\n" }
    for threads in [1, 2, 3] {
      var pieces = 0
      var bytes: [UInt8] = []
      PairScores.writeTSV(users: users, items: items, scores: scores, userIds: userIds, itemIds: itemIds,
                          threads: threads) { bytes += $0; pieces += 1 }
      XCTAssertGreaterThan(pieces, 5, "threads \(threads)")
      XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected, "threads \(threads)")
    }
  }
}
