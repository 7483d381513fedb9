import LinearAlgebra

/// The splitting protocols. Every splitter works on distinct (user, item)
/// pairs: all events of a pair land in the same part, so no pair is ever
/// both trained on and tested on, even in data with repeated events.
///
/// After assigning pairs, every splitter applies the same clean-up
/// (``Splitter/assemble(_:parts:heldOutUsers:keepUsersWithoutTrain:notes:)``): held-out events whose
/// item has no training event are dropped and counted, and the item map is
/// narrowed to items with training events (original order kept), so the
/// catalogue that gets ranked is exactly the one a model was fitted on.
public enum Splitter {}

/// Which part an event goes to.
enum SplitPart: UInt8 {
  case train, test, foldIn, dropped
}

/// Events grouped by user and, within a user, by item: the distinct pairs.
struct PairGroups {
  /// Event indices sorted by (user, item), input order kept within a pair.
  var order: [Int]
  /// `pairStart[p]..<pairStart[p + 1]` are the `order` positions of pair p.
  var pairStart: [Int]
  /// `userPairs[u]..<userPairs[u + 1]` are the pairs of user u.
  var userPairs: [Int]

  /// Two stable counting sorts (by item, then by user). O(n + |U| + |I|).
  init(_ x: Interactions) {
    let n = x.count
    var byItem = [Int](repeating: 0, count: n)
    var start = [Int](repeating: 0, count: x.itemCount + 1)
    for i in x.items { start[Int(i) + 1] += 1 }
    for i in 0..<x.itemCount { start[i + 1] += start[i] }
    for e in 0..<n { let i = Int(x.items[e]); byItem[start[i]] = e; start[i] += 1 }
    order = [Int](repeating: 0, count: n)
    var ustart = [Int](repeating: 0, count: x.userCount + 1)
    for u in x.users { ustart[Int(u) + 1] += 1 }
    for u in 0..<x.userCount { ustart[u + 1] += ustart[u] }
    let userEventStart = ustart
    for e in byItem { let u = Int(x.users[e]); order[ustart[u]] = e; ustart[u] += 1 }
    pairStart = []
    pairStart.reserveCapacity(n + 1)
    userPairs = [Int](repeating: 0, count: x.userCount + 1)
    for u in 0..<x.userCount {
      for p in userEventStart[u]..<userEventStart[u + 1]
      where p == userEventStart[u] || x.items[order[p]] != x.items[order[p - 1]] {
        pairStart.append(p)
      }
      userPairs[u + 1] = pairStart.count
    }
    pairStart.append(n)
  }

  /// Number of distinct items of user u.
  func pairCount(ofUser u: Int) -> Int { userPairs[u + 1] - userPairs[u] }

  /// Assigns every event of pair p to `part`.
  func assign(pair p: Int, to part: SplitPart, in parts: inout [SplitPart]) {
    for q in pairStart[p]..<pairStart[p + 1] { parts[order[q]] = part }
  }
}

extension Splitter {
  /// `count` distinct values of `0..<n` chosen uniformly (partial
  /// Fisher–Yates). O(n).
  static func sample(_ count: Int, of n: Int, using rng: inout SeededGenerator) -> [Int] {
    var pool = Array(0..<n)
    for j in 0..<min(count, n) {
      let r = j + Int(rng.next(upperBound: UInt64(n - j)))
      pool.swapAt(j, r)
    }
    return Array(pool.prefix(count))
  }

  /// round(fraction · n) clamped to [1, n - 1] (n >= 2).
  static func heldOutCount(_ fraction: Double, of n: Int) -> Int {
    min(n - 1, max(1, Int((fraction * Double(n)).rounded())))
  }

  /// Builds the split from per-event parts: drops held-out events whose item
  /// (or, unless `keepUsersWithoutTrain`, user) has no training event,
  /// narrows the item map to training items, and fills the report.
  ///
  /// `heldOutUsers` nil means "users with at least one test event".
  static func assemble(
    _ x: Interactions, parts: [SplitPart], heldOutUsers: Int? = nil, keepUsersWithoutTrain: Bool = false,
    notes: [String]
  ) -> Split {
    var parts = parts
    var itemInTrain = [Bool](repeating: false, count: x.itemCount)
    var userInTrain = [Bool](repeating: false, count: x.userCount)
    for e in 0..<x.count where parts[e] == .train {
      itemInTrain[Int(x.items[e])] = true
      userInTrain[Int(x.users[e])] = true
    }
    var droppedTest = 0, droppedFoldIn = 0
    for e in 0..<x.count where parts[e] == .test || parts[e] == .foldIn {
      let known = itemInTrain[Int(x.items[e])] && (keepUsersWithoutTrain || userInTrain[Int(x.users[e])])
      if !known {
        if parts[e] == .test { droppedTest += 1 } else { droppedFoldIn += 1 }
        parts[e] = .dropped
      }
    }
    // Narrow the item map to training items; users keep their indices
    // unless they have no remaining event at all.
    var userUsed = [Bool](repeating: false, count: x.userCount)
    for e in 0..<x.count where parts[e] != .dropped { userUsed[Int(x.users[e])] = true }
    let (userIds, userIndex) = narrowed(x.userIds, keep: userUsed)
    let (itemIds, itemIndex) = narrowed(x.itemIds, keep: itemInTrain)
    func take(_ part: SplitPart) -> Interactions {
      let events = (0..<x.count).filter { parts[$0] == part }
      return Interactions(
        users: events.map { userIndex[Int(x.users[$0])] },
        items: events.map { itemIndex[Int(x.items[$0])] },
        weights: events.map { x.weights[$0] },
        timestamps: x.timestamps.map { ts in events.map { ts[$0] } },
        userIds: userIds, itemIds: itemIds)
    }
    let train = take(.train), test = take(.test)
    let foldIn = parts.contains(.foldIn) || keepUsersWithoutTrain ? take(.foldIn) : nil
    var notes = notes
    if droppedFoldIn > 0 {
      notes.append("\(droppedFoldIn) fold-in and \(droppedTest) test events dropped: items without training events")
    }
    let report = SplitReport(
      trainEvents: train.count, testEvents: test.count, foldInEvents: foldIn?.count ?? 0,
      heldOutUsers: heldOutUsers ?? Set(test.users).count, droppedTestEvents: droppedTest + droppedFoldIn, notes: notes)
    return Split(train: train, test: test, foldIn: foldIn, report: report)
  }

  /// The ids with `keep[i]` in their original order, and old -> new index
  /// (-1 for removed ids). O(count).
  static func narrowed(_ map: IdMap, keep: [Bool]) -> (IdMap, [Int32]) {
    if !keep.contains(false) { return (map, (0..<Int32(map.count)).map { $0 }) }
    var index = [Int32](repeating: -1, count: map.count)
    var names: [String] = []
    for i in 0..<map.count where keep[i] {
      index[i] = Int32(names.count)
      names.append(map.names[i])
    }
    return (IdMap(names: names), index)
  }
}
