extension Splitter {
  /// A split fixed by the data's authors (separate train and test files).
  ///
  /// Test events are matched to train's ids by name (no cost when both
  /// share one map, as the readers produce). Test events whose user or item
  /// has no training event are dropped and counted; the item and user maps
  /// are narrowed to ids with training events, in their original order.
  /// - Complexity: O(events + |U| + |I|) (plus a hash lookup per test event
  ///   when the maps differ).
  public static func given(train: Interactions, test: Interactions) -> Split {
    var all = train
    all.timestamps = nil
    var notes: [String] = []
    var unknown = 0
    let sameMaps = train.userIds == test.userIds && train.itemIds == test.itemIds
    for e in 0..<test.count {
      let u: Int32, i: Int32
      if sameMaps {
        u = test.users[e]; i = test.items[e]
      } else {
        guard let uu = all.userIds.index(of: test.userIds.name(of: test.users[e])),
              let ii = all.itemIds.index(of: test.itemIds.name(of: test.items[e])) else {
          unknown += 1
          continue
        }
        u = uu; i = ii
      }
      all.users.append(u)
      all.items.append(i)
      all.weights.append(test.weights[e])
    }
    if let ts = train.timestamps, let tt = test.timestamps, sameMaps {
      all.timestamps = ts + tt
    }
    var parts = [SplitPart](repeating: .train, count: train.count)
    parts += [SplitPart](repeating: .test, count: all.count - train.count)
    if unknown > 0 { notes.append("\(unknown) test events name ids absent from train's id maps") }
    var split = assemble(all, parts: parts, notes: notes)
    split.report.droppedTestEvents += unknown
    return split
  }
}
