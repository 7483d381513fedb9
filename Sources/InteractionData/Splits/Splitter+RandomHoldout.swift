import LinearAlgebra

extension Splitter {
  /// Per-user random holdout ("weak generalisation"): each user with at
  /// least 2 distinct items puts round(testFraction · n_u) of them (at least
  /// 1, at most n_u − 1), chosen uniformly, in test; users with one item stay
  /// whole in train. n_u counts distinct items; all events of a pair move
  /// together.
  ///
  /// - Parameters:
  ///   - testFraction: share of each user's items held out, in (0, 1).
  ///   - seed: the same seed gives the same split.
  /// - Complexity: O(events + |U| + |I|).
  public static func randomHoldout(_ x: Interactions, testFraction: Double, seed: UInt64) -> Split {
    precondition(testFraction > 0 && testFraction < 1, "testFraction must be in (0, 1), got \(testFraction)")
    let groups = PairGroups(x)
    var parts = [SplitPart](repeating: .train, count: x.count)
    var rng = SeededGenerator(seed: seed)
    for u in 0..<x.userCount {
      let n = groups.pairCount(ofUser: u)
      guard n >= 2 else { continue }
      for j in sample(heldOutCount(testFraction, of: n), of: n, using: &rng) {
        groups.assign(pair: groups.userPairs[u] + j, to: .test, in: &parts)
      }
    }
    return assemble(x, parts: parts, notes: [])
  }
}
