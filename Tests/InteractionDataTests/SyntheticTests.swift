import GramianTestSupport
import InteractionData
import XCTest

/// The synthetic generator: exact shape, determinism, realistic skew.
final class SyntheticTests: XCTestCase {
  var config: SyntheticConfig {
    var c = SyntheticConfig()
    c.users = 600
    c.items = 400
    c.interactions = 15_000
    c.seed = 17
    return c
  }

  func testExactCountsAndNoDuplicates() {
    let c = config
    let x = SyntheticData.generate(c)
    XCTAssertEqual(x.count, c.interactions)
    XCTAssertEqual(x.userCount, c.users)
    XCTAssertEqual(x.itemCount, c.items)
    XCTAssertEqual(Set(x.users).count, c.users, "every user has at least one event")
    let keys = Set((0..<x.count).map { Int(x.users[$0]) * c.items + Int(x.items[$0]) })
    XCTAssertEqual(keys.count, x.count, "duplicate pairs")
    XCTAssertEqual(InteractionMatrix(x).duplicatesMerged, 0)
    XCTAssertEqual(x.userIds.name(of: 12), "u12")
    XCTAssertEqual(x.itemIds.name(of: 45), "i45")
    let maxPerUser = InteractionMatrix(x).userDegrees.max()!
    XCTAssertLessThanOrEqual(maxPerUser, c.items / 2)
  }

  func testSeededAndThreadIndependent() {
    let a = SyntheticData.generate(config, threads: 1)
    let b = SyntheticData.generate(config, threads: 2)
    XCTAssertEqual(a, b)
    var other = config
    other.seed = 18
    XCTAssertNotEqual(SyntheticData.generate(other).items, a.items)
  }

  func testPopularityAndActivityAreSkewed() {
    let c = config
    let m = InteractionMatrix(SyntheticData.generate(c))
    func topShare(_ m: InteractionMatrix) -> Double {
      Double(m.itemDegrees.sorted(by: >).prefix(c.items / 100).reduce(0, +)) / Double(m.nnz)
    }
    // A uniform catalogue would give the top 1% of items about 1% of the
    // pairs. Here the top item is capped by the user count (600 of 15,000
    // pairs = 4%), so the top 1% (4 items) can hold at most 16%.
    var flat = c
    flat.popularityExponent = 0
    let share = topShare(m), flatShare = topShare(InteractionMatrix(SyntheticData.generate(flat)))
    XCTAssertGreaterThan(share, 0.035, "top 1% of items hold \(share) of the pairs")
    XCTAssertGreaterThan(share, 1.5 * flatShare, "Zipf popularity vs flat: \(share) vs \(flatShare)")
    let users = m.userDegrees.sorted(by: >)
    let mean = Double(m.nnz) / Double(c.users)
    XCTAssertGreaterThan(Double(users[0]) / mean, 5, "most active user vs mean")
    XCTAssertGreaterThan(Double(users[users.count / 2]), 0)
    XCTAssertLessThan(Double(users[users.count / 2]), mean, "median below mean: right-skewed")
    XCTAssertGreaterThan(gini(users), 0.4)
  }

  /// Users share tastes through the latent model: a user's items agree with
  /// the items of users close in factor space more than chance. Checked
  /// indirectly: item co-occurrence is far from independent.
  func testChoicesAreNotIndependentOfUser() {
    var c = config
    c.popularityExponent = 0
    let m = InteractionMatrix(SyntheticData.generate(c))
    // With flat popularity, independent choices would give every item about
    // the same degree; the latent model makes degrees vary (items whose
    // vectors point where users are get chosen more), but within limits.
    let d = m.itemDegrees.map(Double.init)
    let mean = d.reduce(0, +) / Double(d.count)
    let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
    XCTAssertGreaterThan(sd / mean, 0.3)
  }

  func gini(_ values: [Int]) -> Double {
    let v = values.sorted().map(Double.init)
    let n = Double(v.count), total = v.reduce(0, +)
    var weighted = 0.0
    for (i, x) in v.enumerated() { weighted += Double(i + 1) * x }
    return (2 * weighted) / (n * total) - (n + 1) / n
  }
}
