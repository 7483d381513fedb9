extension HNSWIndex {
  /// Structural checks of the graph, as messages (empty when all hold):
  /// the entry point and every link are within `0..<count`; no item links
  /// to itself or twice to the same item; no list exceeds its capacity; a
  /// link on level l points to an item whose level is at least l; the entry
  /// point has the top level; every item is reachable from the entry point
  /// on level 0. At most 20 messages are returned.
  /// - Complexity: O(n · M · levels).
  public func invariantViolations() -> [String] {
    storage.invariantViolations(limit: 20)
  }
}

extension HNSWStorage {
  func invariantViolations(limit: Int) -> [String] {
    var problems: [String] = []
    func report(_ s: @autoclosure () -> String) { if problems.count < limit { problems.append(s()) } }
    if count == 0 {
      if entry != -1 { report("empty index has entry point \(entry)") }
      return problems
    }
    guard entry >= 0 && Int(entry) < count else { return ["entry point \(entry) outside 0..<\(count)"] }
    if Int(levels[Int(entry)]) != Int(maxLevel) { report("entry point level \(levels[Int(entry)]) differs from top level \(maxLevel)") }
    for i in 0..<count {
      let li = Int(levels[i])
      if li < 0 || li > Int(maxLevel) { report("item \(i) has level \(li) outside 0...\(maxLevel)"); continue }
      for level in 0...li {
        let l = links(Int32(i), level)
        let n = Int(l[0])
        if n < 0 || n > linkCapacity(level) { report("item \(i) level \(level): \(n) links, capacity \(linkCapacity(level))"); continue }
        var seen = Set<Int32>()
        for j in 0..<n {
          let t = l[1 + j]
          if t < 0 || Int(t) >= count { report("item \(i) level \(level): link \(t) outside 0..<\(count)"); continue }
          if Int(t) == i { report("item \(i) level \(level): self loop") }
          if Int(levels[Int(t)]) < level { report("item \(i) level \(level): links item \(t) of level \(levels[Int(t)])") }
          if !seen.insert(t).inserted { report("item \(i) level \(level): duplicate link \(t)") }
        }
      }
    }
    guard problems.isEmpty else { return problems }
    let unreachable = unreachableItems()
    if !unreachable.isEmpty {
      report("\(unreachable.count) items unreachable from entry point \(entry) on level 0, e.g. \(unreachable.prefix(5).map(String.init).joined(separator: ", "))")
    }
    return problems
  }

  /// Items not reachable from the entry point over level-0 links (BFS).
  /// Links must be within bounds.
  func unreachableItems() -> [Int32] {
    guard count > 0, entry >= 0 else { return [] }
    var reached = [Bool](repeating: false, count: count)
    var queue: [Int32] = [entry]
    reached[Int(entry)] = true
    var head = 0
    while head < queue.count {
      let l = links(queue[head], 0)
      head += 1
      for j in 0..<Int(l[0]) {
        let t = Int(l[1 + j])
        if !reached[t] { reached[t] = true; queue.append(Int32(t)) }
      }
    }
    return (0..<count).filter { !reached[$0] }.map { Int32($0) }
  }
}
