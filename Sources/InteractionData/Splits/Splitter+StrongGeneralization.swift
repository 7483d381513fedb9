import LinearAlgebra

extension Splitter {
  /// Strong generalisation (Marlin 2004; the protocol of Liang et al. 2018,
  /// "Variational Autoencoders for Collaborative Filtering", also used by
  /// Rendle et al. 2022, "Revisiting the Performance of iALS on Item
  /// Recommendation Benchmarks"): `heldOutUsers` users, chosen uniformly among
  /// users with at least 2 distinct items, are removed from train; each one's
  /// items are split at random into `foldIn` (round(foldInFraction · n_u),
  /// clamped to [1, n_u − 1]) and `test`. Fold-in and test events whose item
  /// has no training event are dropped and counted.
  ///
  /// Held-out users keep their dense indices (their train rows are empty).
  /// If fewer users are eligible than asked, all eligible users are held out
  /// and `report.notes` says so.
  /// - Complexity: O(events + |U| + |I|).
  public static func strongGeneralization(
    _ x: Interactions, heldOutUsers: Int, foldInFraction: Double = 0.8, seed: UInt64
  ) -> Split {
    precondition(heldOutUsers >= 0, "heldOutUsers must be >= 0")
    precondition(foldInFraction > 0 && foldInFraction < 1, "foldInFraction must be in (0, 1), got \(foldInFraction)")
    let groups = PairGroups(x)
    let eligible = (0..<x.userCount).filter { groups.pairCount(ofUser: $0) >= 2 }
    var notes: [String] = []
    if eligible.count < heldOutUsers {
      notes.append("only \(eligible.count) users have >= 2 items; \(heldOutUsers) were asked to be held out")
    }
    var rng = SeededGenerator(seed: seed)
    let chosen = sample(min(heldOutUsers, eligible.count), of: eligible.count, using: &rng)
      .map { eligible[$0] }.sorted()
    var parts = [SplitPart](repeating: .train, count: x.count)
    for u in chosen {
      let n = groups.pairCount(ofUser: u)
      let base = groups.userPairs[u]
      for j in 0..<n { groups.assign(pair: base + j, to: .test, in: &parts) }
      for j in sample(heldOutCount(foldInFraction, of: n), of: n, using: &rng) {
        groups.assign(pair: base + j, to: .foldIn, in: &parts)
      }
    }
    return assemble(x, parts: parts, heldOutUsers: chosen.count, keepUsersWithoutTrain: true, notes: notes)
  }
}
