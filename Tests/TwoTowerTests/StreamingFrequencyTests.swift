import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Yi et al. 2019, section 4 simulation: items drawn from a known
/// distribution one per step; the estimate `1/B[h]` approaches each item's
/// probability, and follows when the distribution changes.
final class StreamingFrequencyTests: XCTestCase {
  func sample(_ p: [Double], _ rng: inout SeededGenerator) -> Int32 {
    var x = rng.nextUnit()
    for (i, pi) in p.enumerated() { x -= pi; if x < 0 { return Int32(i) } }
    return Int32(p.count - 1)
  }

  func testConvergesToTrueFrequenciesAndTracksAShift() {
    let before = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04]
    let after = Array(before.reversed())
    var est = StreamingFrequencyEstimator(buckets: 1 << 12, rate: 0.01)
    XCTAssertEqual(Set((0..<6).map { est.bucket(Int32($0)) }).count, 6, "no collisions on this fixture")
    var rng = SeededGenerator(seed: 5)
    var t = 0
    for _ in 0..<40_000 { t += 1; est.observe([sample(before, &rng)], step: t) }
    for (i, p) in before.enumerated() {
      assertClose(Double(est.probability(Int32(i))), p, relative: 0.2, "item \(i) before the shift")
    }
    for _ in 0..<40_000 { t += 1; est.observe([sample(after, &rng)], step: t) }
    for (i, p) in after.enumerated() {
      assertClose(Double(est.probability(Int32(i))), p, relative: 0.2, "item \(i) after the shift")
    }
    XCTAssertEqual(est.probability(99), 0, "never seen")
  }

  func testRepeatsWithinAStepCountOnce() {
    var est = StreamingFrequencyEstimator(buckets: 64, rate: 0.5)
    est.observe([3, 3, 3], step: 2)
    XCTAssertEqual(est.probability(3), 0.5)   // first sighting: gap 2
    est.observe([3, 3], step: 3)
    XCTAssertEqual(est.probability(3), 1 / 1.5)  // 0.5·2 + 0.5·1
  }
}
