/// How to combine several events of the same (user, item) pair.
public enum DuplicatePolicy: String, Sendable, CaseIterable {
  /// Add the weights (play counts, repeated purchases).
  case sum
  /// Keep the largest weight.
  case max
  /// Keep the weight of the event that comes last in the input.
  case last

  /// The weight of a pair that had weight `kept` and meets another event of
  /// weight `next` (later in the input).
  @inlinable
  public func merge(_ kept: Float, _ next: Float) -> Float {
    switch self {
    case .sum: return kept + next
    case .max: return Swift.max(kept, next)
    case .last: return next
    }
  }
}

/// A sparse user x item matrix held twice: by user (CSR) and by item (CSC).
///
/// Row `u` of the CSR part lists user u's items in increasing order at
/// `userItems[userOffsets[u]..<userOffsets[u+1]]` with weights in
/// `userWeights`; the CSC part does the same for items. Both share the
/// weights of the de-duplicated pairs.
public struct InteractionMatrix: Sendable, Equatable {
  /// Number of users (rows).
  public let userCount: Int
  /// Number of items (columns).
  public let itemCount: Int
  /// CSR offsets, `userCount + 1` values.
  public let userOffsets: [Int]
  /// CSR column indices (items), sorted within each row.
  public let userItems: [Int32]
  /// CSR values.
  public let userWeights: [Float]
  /// CSC offsets, `itemCount + 1` values.
  public let itemOffsets: [Int]
  /// CSC row indices (users), sorted within each column.
  public let itemUsers: [Int32]
  /// CSC values.
  public let itemWeights: [Float]
  /// Number of input events merged into an existing pair.
  public let duplicatesMerged: Int

  /// Number of stored (non-zero) pairs.
  public var nnz: Int { userItems.count }

  /// Builds the matrix from coordinate events, merging duplicate pairs.
  ///
  /// - Complexity: O(events + userCount + itemCount) time (counting sorts).
  public init(
    userCount: Int, itemCount: Int,
    users: [Int32], items: [Int32], weights: [Float],
    duplicates: DuplicatePolicy = .sum
  ) {
    precondition(users.count == items.count && items.count == weights.count)
    self.userCount = userCount
    self.itemCount = itemCount
    let n = users.count
    // Stable counting sort by item, then by user: rows come out sorted by
    // item, and events of one pair stay in input order (needed for `.last`).
    var byItem = [Int](repeating: 0, count: n)
    do {
      var start = [Int](repeating: 0, count: itemCount + 1)
      for i in items { start[Int(i) + 1] += 1 }
      for i in 0..<itemCount { start[i + 1] += start[i] }
      for e in 0..<n { let i = Int(items[e]); byItem[start[i]] = e; start[i] += 1 }
    }
    var order = [Int](repeating: 0, count: n)
    do {
      var start = [Int](repeating: 0, count: userCount + 1)
      for u in users { start[Int(u) + 1] += 1 }
      for u in 0..<userCount { start[u + 1] += start[u] }
      for e in byItem { let u = Int(users[e]); order[start[u]] = e; start[u] += 1 }
    }
    var offsets = [Int](repeating: 0, count: userCount + 1)
    var cols: [Int32] = []
    var vals: [Float] = []
    cols.reserveCapacity(n)
    vals.reserveCapacity(n)
    var merged = 0
    var pos = 0
    for u in 0..<userCount {
      let rowStart = cols.count
      while pos < n, Int(users[order[pos]]) == u {
        let e = order[pos]
        if cols.count > rowStart, cols[cols.count - 1] == items[e] {
          merged += 1
          vals[vals.count - 1] = duplicates.merge(vals[vals.count - 1], weights[e])
        } else {
          cols.append(items[e])
          vals.append(weights[e])
        }
        pos += 1
      }
      offsets[u + 1] = cols.count
    }
    userOffsets = offsets
    userItems = cols
    userWeights = vals
    duplicatesMerged = merged
    (itemOffsets, itemUsers, itemWeights) = Self.transpose(
      rows: userCount, columns: itemCount, offsets: offsets, indices: cols, values: vals)
  }

  /// Builds the matrix from an event list (sizes taken from its id maps).
  public init(_ interactions: Interactions, duplicates: DuplicatePolicy = .sum) {
    self.init(
      userCount: interactions.userCount, itemCount: interactions.itemCount,
      users: interactions.users, items: interactions.items, weights: interactions.weights,
      duplicates: duplicates)
  }

  /// Builds a matrix directly from CSR arrays (rows must be sorted and free
  /// of duplicates); the CSC half is derived.
  public init(
    userCount: Int, itemCount: Int, userOffsets: [Int], userItems: [Int32], userWeights: [Float]
  ) {
    self.userCount = userCount
    self.itemCount = itemCount
    self.userOffsets = userOffsets
    self.userItems = userItems
    self.userWeights = userWeights
    self.duplicatesMerged = 0
    (itemOffsets, itemUsers, itemWeights) = Self.transpose(
      rows: userCount, columns: itemCount, offsets: userOffsets, indices: userItems, values: userWeights)
  }

  /// CSR -> CSC by counting sort; output rows are sorted because the input
  /// rows are visited in order. O(nnz + rows + columns).
  static func transpose(
    rows: Int, columns: Int, offsets: [Int], indices: [Int32], values: [Float]
  ) -> ([Int], [Int32], [Float]) {
    var tOffsets = [Int](repeating: 0, count: columns + 1)
    for c in indices { tOffsets[Int(c) + 1] += 1 }
    for c in 0..<columns { tOffsets[c + 1] += tOffsets[c] }
    var next = tOffsets
    var tIdx = [Int32](repeating: 0, count: indices.count)
    var tVal = [Float](repeating: 0, count: indices.count)
    for r in 0..<rows {
      for p in offsets[r]..<offsets[r + 1] {
        let c = Int(indices[p])
        tIdx[next[c]] = Int32(r)
        tVal[next[c]] = values[p]
        next[c] += 1
      }
    }
    return (tOffsets, tIdx, tVal)
  }

  /// The items of user `u` (sorted). O(1) slice.
  public func items(ofUser u: Int) -> ArraySlice<Int32> { userItems[userOffsets[u]..<userOffsets[u + 1]] }
  /// The weights of user `u`'s items.
  public func weights(ofUser u: Int) -> ArraySlice<Float> { userWeights[userOffsets[u]..<userOffsets[u + 1]] }
  /// The users of item `i` (sorted).
  public func users(ofItem i: Int) -> ArraySlice<Int32> { itemUsers[itemOffsets[i]..<itemOffsets[i + 1]] }
  /// The weights of item `i`'s users.
  public func weights(ofItem i: Int) -> ArraySlice<Float> { itemWeights[itemOffsets[i]..<itemOffsets[i + 1]] }

  /// Number of items of each user.
  public var userDegrees: [Int] { (0..<userCount).map { userOffsets[$0 + 1] - userOffsets[$0] } }
  /// Number of users of each item (its popularity).
  public var itemDegrees: [Int] { (0..<itemCount).map { itemOffsets[$0 + 1] - itemOffsets[$0] } }

  /// The same matrix with users and items swapped (CSC becomes CSR).
  public var transposed: InteractionMatrix {
    InteractionMatrix(
      userCount: itemCount, itemCount: userCount,
      userOffsets: itemOffsets, userItems: itemUsers, userWeights: itemWeights)
  }

  /// Whether user `u` has item `i` (binary search). O(log n_u).
  public func contains(user u: Int, item i: Int32) -> Bool {
    var lo = userOffsets[u], hi = userOffsets[u + 1]
    while lo < hi {
      let mid = (lo + hi) / 2
      if userItems[mid] < i { lo = mid + 1 } else { hi = mid }
    }
    return lo < userOffsets[u + 1] && userItems[lo] == i
  }
}
