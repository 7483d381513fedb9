import LinearAlgebra
import XCTest
@testable import Comparison

/// The paired intervals on synthetic cases whose answer is known.
final class PairedDifferenceTests: XCTestCase {
  /// Per-user values of `seeds` seeds of `users` users: a noisy base metric.
  func base(seeds: Int, users: Int, seed: UInt64) -> [[Double]] {
    var rng = SeededGenerator(seed: seed)
    return (0..<seeds).map { _ in (0..<users).map { _ in Double.random(in: 0..<1, using: &rng) < 0.3 ? 1 : 0 } }
  }

  func testIdenticalMethodsAreNotDistinguishable() {
    let a = base(seeds: 3, users: 500, seed: 1)
    let r = PairedDifference.estimate(question: "same", a: .softmax, b: .logQExact, metric: "recall@20",
                                      valuesA: a, valuesB: a, replicates: 500)
    XCTAssertEqual(r.difference, 0)
    XCTAssertEqual(r.lower, 0)
    XCTAssertEqual(r.upper, 0)
    XCTAssertEqual(r.verdict, "not distinguishable")
  }

  /// Two methods that differ by construction: b is a with every value
  /// lowered by 0.05 for a random half of the users (mean shift 0.025).
  func testAShiftByConstructionIsFoundAndCovered() {
    let a = base(seeds: 3, users: 2000, seed: 2)
    var rng = SeededGenerator(seed: 9)
    let b = a.map { row in row.map { $0 - (Bool.random(using: &rng) ? 0.05 : 0) } }
    let r = PairedDifference.estimate(question: "shift", a: .prior, b: .logQExact, metric: "recall@20",
                                      valuesA: a, valuesB: b, replicates: 1000)
    XCTAssertEqual(r.verdict, "better")
    XCTAssertLessThan(r.lower, 0.025)
    XCTAssertGreaterThan(r.upper, 0.025)
    XCTAssertEqual(r.difference, 0.025, accuracy: 0.003)
    let reversed = PairedDifference.estimate(question: "shift", a: .logQExact, b: .prior, metric: "recall@20",
                                             valuesA: b, valuesB: a, replicates: 1000)
    XCTAssertEqual(reversed.verdict, "worse")
  }

  /// Two independent noisy methods with equal means: over many synthetic
  /// repetitions the 95% interval covers the true difference (0) about 95%
  /// of the time (binomial bounds for 200 repetitions).
  func testCoverageOfTheIntervalOnNullData() {
    var covered = 0
    let repetitions = 200
    for rep in 0..<repetitions {
      let a = base(seeds: 1, users: 300, seed: UInt64(1000 + rep))
      let b = base(seeds: 1, users: 300, seed: UInt64(5000 + rep))
      let r = PairedDifference.estimate(question: "null", a: .gram, b: .softmax, metric: "recall@20",
                                        valuesA: a, valuesB: b, replicates: 400, seed: UInt64(rep))
      if r.lower <= 0 && 0 <= r.upper { covered += 1 }
    }
    XCTAssertGreaterThanOrEqual(covered, 180, "coverage \(covered) of \(repetitions)")
    XCTAssertLessThanOrEqual(covered, 199, "coverage \(covered) of \(repetitions)")
  }

  func testSummaryMeansAndStandardErrors() {
    func result(_ r: Double) -> MethodResult {
      MethodResult(method: .ials, title: "iALS", trials: [], chosen: Setting(), inherited: Setting(), test: ["recall@20": r],
                   popularityBuckets: [], curve: [], fitSeconds: 0, totalSeconds: 0, examplesPerSecond: nil, notes: [])
    }
    let s = MethodSummary(method: .ials, title: "iALS", perSeed: [result(0.2), result(0.3), result(0.4)])
    XCTAssertEqual(s.mean["recall@20"]!, 0.3, accuracy: 1e-12)
    // sample sd 0.1, / sqrt(3)
    XCTAssertEqual(s.standardError["recall@20"]!, 0.1 / 3.0.squareRoot(), accuracy: 1e-12)
    XCTAssertNil(MethodSummary(method: .ials, title: "iALS", perSeed: [result(0.2)]).standardError["recall@20"])
  }
}
