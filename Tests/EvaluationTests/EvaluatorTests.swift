import Evaluation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest

/// Evaluator against a naive float64 implementation, and across thread counts.
final class EvaluatorTests: XCTestCase {
  /// Random factors whose entries are multiples of 1/1024 in [-1, 1]: with
  /// k = 8 every dot product is exact in float32 and float64, so both sides
  /// rank identically (ties included, broken by lower index on both sides).
  func dyadicFactors(rows: Int, k: Int, levels: UInt64, rng: inout SeededGenerator) -> Matrix {
    var m = Matrix(rows: rows, columns: k)
    for j in 0..<m.storage.count {
      m.storage[j] = Float(Int(rng.next(upperBound: 2 * levels + 1)) - Int(levels)) / Float(levels)
    }
    return m
  }

  /// A random train/test pair with disjoint pairs; some users without test items.
  func randomSplit(users: Int, items: Int, rng: inout SeededGenerator) -> (InteractionMatrix, InteractionMatrix) {
    var tu: [Int32] = [], ti: [Int32] = [], su: [Int32] = [], si: [Int32] = []
    for u in 0..<users {
      for i in 0..<items {
        let r = rng.nextUnit()
        if r < 0.15 { tu.append(Int32(u)); ti.append(Int32(i)) }
        else if r < 0.20, u % 5 != 0 { su.append(Int32(u)); si.append(Int32(i)) }
      }
    }
    return (InteractionMatrix(userCount: users, itemCount: items, users: tu, items: ti, weights: tu.map { _ in 1 }),
            InteractionMatrix(userCount: users, itemCount: items, users: su, items: si, weights: su.map { _ in 1 }))
  }

  /// Naive reference: float64 scores, full sort, metrics written out afresh.
  func naive(_ U: Matrix, _ V: Matrix, _ train: InteractionMatrix, _ test: InteractionMatrix, ks: [Int]) -> (metrics: [String: Double], users: Int) {
    var sums = [String: Double]()
    var users = 0
    let kmax = ks.max()!
    for u in 0..<train.userCount {
      let truth = Set(test.items(ofUser: u))
      if truth.isEmpty { continue }
      users += 1
      let seen = Set(train.items(ofUser: u))
      var scored: [(Double, Int)] = []
      for i in 0..<V.rows where !seen.contains(Int32(i)) {
        var s = 0.0
        for c in 0..<U.columns { s += Double(U[u, c]) * Double(V[i, c]) }
        scored.append((s, i))
      }
      scored.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
      let list = scored.prefix(kmax).map { $0.1 }
      for k in ks {
        var hits = 0.0, dcg = 0.0, idcg = 0.0
        for (p, i) in list.prefix(k).enumerated() where truth.contains(Int32(i)) {
          hits += 1
          dcg += 1 / (log(Double(p + 2)) / log(2))
        }
        for p in 0..<min(k, truth.count) { idcg += 1 / (log(Double(p + 2)) / log(2)) }
        sums["recall@\(k)", default: 0] += hits / Double(min(k, truth.count))
        sums["ndcg@\(k)", default: 0] += dcg / idcg
        sums["hr@\(k)", default: 0] += hits > 0 ? 1 : 0
        sums["precision@\(k)", default: 0] += hits / Double(k)
      }
      if let p = list.firstIndex(where: { truth.contains(Int32($0)) }) {
        sums["mrr", default: 0] += 1 / Double(p + 1)
      } else {
        sums["mrr", default: 0] += 0
      }
    }
    return (sums.mapValues { $0 / Double(users) }, users)
  }

  func check(levels: UInt64, seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    let (train, test) = randomSplit(users: 70, items: 90, rng: &rng)
    let U = dyadicFactors(rows: 70, k: 8, levels: levels, rng: &rng)
    let V = dyadicFactors(rows: 90, k: 8, levels: levels, rng: &rng)
    let scorer = FactorScorer(userFactors: U, itemFactors: V)
    let ks = [1, 5, 10, 100]
    let reference = naive(U, V, train, test, ks: ks)
    var options = EvaluationOptions()
    options.ks = ks
    options.userBlock = 7
    options.threads = 1
    let one = Evaluator.evaluate(scorer, train: train, test: test, options: options)
    options.threads = 2
    let two = Evaluator.evaluate(scorer, train: train, test: test, options: options)
    XCTAssertEqual(one.metrics, two.metrics, "thread counts must not change any bit")
    options.userBlock = nil  // the default block: every user in one block here
    let whole = Evaluator.evaluate(scorer, train: train, test: test, options: options)
    XCTAssertEqual(whole.metrics, one.metrics, "the block size must not change any bit")
    XCTAssertEqual(one.users, reference.users)
    for (name, value) in reference.metrics {
      assertClose(one.metrics[name] ?? .nan, value, relative: 1e-12, absolute: 1e-15, "\(name), levels \(levels)")
    }
  }

  /// The default user block keeps a worker's scores within 64 MiB, between
  /// 16 and 512 users (hand-computed: 64 MiB / (4 B x 24,915) = 673.5).
  func testDefaultBlockBoundsTheScoreBuffer() {
    XCTAssertEqual(Recommendations.defaultBlock(items: 24_915), 512)
    XCTAssertEqual(Recommendations.defaultBlock(items: 100_000), 167)
    XCTAssertEqual(Recommendations.defaultBlock(items: 10_000_000), 16)
    XCTAssertEqual(Recommendations.defaultBlock(items: 0), 512)
  }

  func testAgainstNaiveFloat64FineValues() { check(levels: 1024, seed: 11) }

  /// Only 5 levels per entry: many exact ties, which both sides break by index.
  func testAgainstNaiveFloat64ManyTies() { check(levels: 2, seed: 12) }

  func testFactorScorerGathersUsersAndAddsBias() {
    var rng = SeededGenerator(seed: 3)
    let U = dyadicFactors(rows: 9, k: 8, levels: 1024, rng: &rng)
    let V = dyadicFactors(rows: 13, k: 8, levels: 1024, rng: &rng)
    let bias = (0..<13).map { Float($0) / 4 }
    let scorer = FactorScorer(userFactors: U, itemFactors: V, itemBias: bias)
    for users in [[Int32(4), 1, 7], [2, 3, 4]] {
      var out = [Float](repeating: 0, count: users.count * 13)
      out.withUnsafeMutableBufferPointer { scorer.scoreBlock(users: users[...], into: $0.baseAddress!) }
      for (r, u) in users.enumerated() {
        for i in 0..<13 {
          var s = Double(bias[i])
          for c in 0..<8 { s += Double(U[Int(u), c]) * Double(V[i, c]) }
          assertClose(Double(out[r * 13 + i]), s, relative: 1e-6, absolute: 1e-6)
        }
      }
    }
  }

  func testProgressReachesTotal() {
    var rng = SeededGenerator(seed: 5)
    let (train, test) = randomSplit(users: 40, items: 30, rng: &rng)
    let scorer = PopularityModel(train: train)
    let last = LockedMax()
    var options = EvaluationOptions()
    options.userBlock = 4
    options.threads = 2
    let r = Evaluator.evaluate(scorer, train: train, test: test, options: options) { done, total in
      last.update(done, total)
    }
    XCTAssertEqual(last.value, r.users)
    XCTAssertEqual(last.total, r.users)
  }
}

/// Largest progress value seen (progress may be reported from two threads).
final class LockedMax: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var value = 0
  private(set) var total = 0
  func update(_ v: Int, _ t: Int) {
    lock.lock(); defer { lock.unlock() }
    value = max(value, v)
    total = t
  }
}
