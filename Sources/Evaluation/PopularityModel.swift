import InteractionData

/// The most-popular baseline: every user gets the same scores, each item's
/// number of training users. A floor that any personalised model must beat
/// (Cremonesi et al. 2010, "Performance of recommender algorithms on top-N
/// recommendation tasks").
public struct PopularityModel: Scorer {
  /// Training count (number of distinct training users) of each item.
  public let counts: [Float]
  public let userCount: Int
  public var itemCount: Int { counts.count }

  /// Counts the users of each item in `train`. O(|I|).
  public init(train: InteractionMatrix) {
    counts = train.itemDegrees.map(Float.init)
    userCount = train.userCount
  }

  /// Copies `counts` into each of the `users.count` rows. O(b·|I|).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    guard !counts.isEmpty else { return }
    counts.withUnsafeBufferPointer { c in
      for r in 0..<users.count {
        (output + r * counts.count).update(from: c.baseAddress!, count: counts.count)
      }
    }
  }
}
