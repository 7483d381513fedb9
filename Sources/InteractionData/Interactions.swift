/// A list of (user, item, weight, timestamp) events in coordinate form, with
/// the id maps that give their external names. This is what readers produce
/// and what splits cut; ``InteractionMatrix`` is built from it for fitting.
public struct Interactions: Sendable, Equatable {
  /// Dense user index of each event.
  public var users: [Int32]
  /// Dense item index of each event.
  public var items: [Int32]
  /// Weight of each event (1 for binary data, a rating or a count otherwise).
  public var weights: [Float]
  /// Timestamp of each event (seconds, or the position in a list file), or
  /// nil when the source has none.
  public var timestamps: [Int64]?
  /// External user ids.
  public var userIds: IdMap
  /// External item ids.
  public var itemIds: IdMap

  public init(
    users: [Int32], items: [Int32], weights: [Float], timestamps: [Int64]? = nil,
    userIds: IdMap, itemIds: IdMap
  ) {
    precondition(users.count == items.count && items.count == weights.count)
    precondition(timestamps == nil || timestamps!.count == users.count)
    self.users = users
    self.items = items
    self.weights = weights
    self.timestamps = timestamps
    self.userIds = userIds
    self.itemIds = itemIds
  }

  /// Number of events.
  public var count: Int { users.count }
  /// Number of distinct users in the id map.
  public var userCount: Int { userIds.count }
  /// Number of distinct items in the id map.
  public var itemCount: Int { itemIds.count }

  /// The events at `indices`, keeping both id maps (so indices stay valid
  /// across the parts of a split).
  public func subset(_ indices: [Int]) -> Interactions {
    Interactions(
      users: indices.map { users[$0] }, items: indices.map { items[$0] },
      weights: indices.map { weights[$0] },
      timestamps: timestamps.map { ts in indices.map { ts[$0] } },
      userIds: userIds, itemIds: itemIds)
  }
}
