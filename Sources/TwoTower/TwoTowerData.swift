import InteractionData

/// What a two-tower model trains on: the training matrix (every distinct
/// (user, item) pair is one positive example), optional user and item
/// features aligned to its rows, and optional per-user histories (items in
/// time order, oldest first) for history pooling.
public struct TwoTowerData: Sendable {
  public var train: InteractionMatrix
  public var userFeatures: FeatureBags?
  public var itemFeatures: FeatureBags?
  /// Per user, oldest first. Defaults to each user's training items in
  /// ``histories(_:userCount:)`` order when history pooling is on.
  public var histories: [[Int32]]?

  public init(train: InteractionMatrix, userFeatures: FeatureBags? = nil, itemFeatures: FeatureBags? = nil,
              histories: [[Int32]]? = nil) {
    self.train = train; self.userFeatures = userFeatures; self.itemFeatures = itemFeatures; self.histories = histories
  }

  /// Each user's items ordered by timestamp when the events have them, else
  /// in file order; a repeated item keeps its latest position.
  /// - Complexity: O(n log n).
  public static func histories(_ events: Interactions, userCount: Int) -> [[Int32]] {
    var order = Array(0..<events.count)
    if let ts = events.timestamps { order.sort { (ts[$0], $0) < (ts[$1], $1) } }
    var lists = [[Int32]](repeating: [], count: userCount)
    for e in order where Int(events.users[e]) < userCount { lists[Int(events.users[e])].append(events.items[e]) }
    return lists.map { list in
      var seen = Set<Int32>()
      var out: [Int32] = []
      for item in list.reversed() where seen.insert(item).inserted { out.append(item) }
      return out.reversed()
    }
  }

  /// Checks sizes against the matrix.
  func validate() throws(TwoTowerError) {
    if let f = userFeatures, f.count != train.userCount {
      throw .dimensionMismatch("user features cover \(f.count) users, the matrix has \(train.userCount)")
    }
    if let f = itemFeatures, f.count != train.itemCount {
      throw .dimensionMismatch("item features cover \(f.count) items, the matrix has \(train.itemCount)")
    }
    if let h = histories {
      if h.count != train.userCount { throw .dimensionMismatch("histories cover \(h.count) users, the matrix has \(train.userCount)") }
      if h.contains(where: { $0.contains { $0 < 0 || Int($0) >= train.itemCount } }) {
        throw .dimensionMismatch("a history names an item outside 0..<\(train.itemCount)")
      }
    }
  }
}
