/// Each user's training items, by the model's dense user and item indices
/// (compressed rows: `items[offsets[u]..<offsets[u + 1]]`, increasing).
///
/// Saved in model files next to the ``TrainingSummary`` so that a model can
/// exclude what a user has seen with no second input (the HTTP service
/// serves from the model file alone). Memory: 4 bytes a pair plus 8 a user.
public struct SeenItems: Sendable, Equatable {
  /// `userCount + 1` increasing offsets into ``items``.
  public private(set) var offsets: [Int]
  /// Item indices, increasing within each user.
  public private(set) var items: [Int32]

  /// The distinct items of each user of `train`. O(nnz).
  public init(_ train: InteractionMatrix) {
    offsets = [0]
    offsets.reserveCapacity(train.userCount + 1)
    items = []
    items.reserveCapacity(train.nnz)
    for u in 0..<train.userCount {
      items.append(contentsOf: train.items(ofUser: u).sorted())
      offsets.append(items.count)
    }
  }

  /// Checked construction from stored arrays: offsets start at 0, never
  /// decrease and end at `items.count`; every item is below `itemCount`.
  /// Returns nil when they do not.
  public init?(offsets: [Int], items: [Int32], itemCount: Int) {
    guard offsets.first == 0, offsets.last == items.count,
          zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
          items.allSatisfy({ $0 >= 0 && Int($0) < itemCount }) else { return nil }
    self.offsets = offsets
    self.items = items
  }

  /// Users covered (the model's user count).
  public var userCount: Int { offsets.count - 1 }
  /// Pairs stored.
  public var count: Int { items.count }

  /// The training items of user `u` (empty for `u` out of range). O(1).
  public func items(ofUser u: Int) -> ArraySlice<Int32> {
    guard u >= 0, u < userCount else { return [] }
    return items[offsets[u]..<offsets[u + 1]]
  }
}
