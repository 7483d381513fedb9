extension Splitter {
  /// Leave-last-out: each user with at least 2 distinct items holds out the
  /// item of their latest event (largest timestamp; among equal timestamps
  /// the one later in the input). Without timestamps the input order stands
  /// in for time and `report.notes` says so. If the latest item was also
  /// consumed earlier, all its events are held out together.
  ///
  /// - Complexity: O(events + |U| + |I|).
  public static func leaveLastOut(_ x: Interactions) -> Split {
    let groups = PairGroups(x)
    var parts = [SplitPart](repeating: .train, count: x.count)
    var latest = [Int](repeating: -1, count: x.userCount)
    for e in 0..<x.count {
      let u = Int(x.users[e])
      if let ts = x.timestamps, latest[u] >= 0, ts[e] < ts[latest[u]] { continue }
      latest[u] = e
    }
    // The pair holding each user's latest event.
    for u in 0..<x.userCount where groups.pairCount(ofUser: u) >= 2 {
      let item = x.items[latest[u]]
      for p in groups.userPairs[u]..<groups.userPairs[u + 1]
      where x.items[groups.order[groups.pairStart[p]]] == item {
        groups.assign(pair: p, to: .test, in: &parts)
      }
    }
    let notes = x.timestamps == nil ? ["no timestamps: the last event of each user in input order was held out"] : []
    return assemble(x, parts: parts, notes: notes)
  }
}
