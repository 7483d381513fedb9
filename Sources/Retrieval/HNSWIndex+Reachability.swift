extension HNSWStorage {
  /// Makes every item reachable from the entry point on level 0, adding
  /// links and removing none.
  ///
  /// The heuristic re-pruning of full lists can drop every link into an
  /// item. Under the inner-product metric with uneven norms this is common
  /// (short vectors lose their in-links to long ones: on iALS factors of
  /// MovieLens, most items) and harmless for search, whose answers are long
  /// vectors, but such items could never be returned. Unreached items are
  /// visited in index order; each gets one in-link from a reached item with
  /// a free level-0 slot: the nearest such item a search from the entry
  /// point finds, or else the nearest of 64 reached items with free slots.
  /// Everything the rescued item reaches then counts as reached, so one link
  /// often rescues a region. Existing links are never removed, so searches
  /// lose nothing; they may evaluate a few more items. Single-threaded.
  /// - Complexity: O(n · M) plus one search per rescued region.
  func repairReachability() {
    guard count > 0, entry >= 0 else { return }
    var reached = [Bool](repeating: false, count: count)
    var open: [Int32] = []  // reached items with a free level-0 slot
    markReachable(from: entry, &reached, &open)
    guard reached.contains(false) else { return }
    for u in 0..<count where !reached[u] {
      guard let v = host(for: Int32(u), open: open) else { continue }
      let l = links(v, 0)
      let n = Int(l[0])
      assert(n < maxM0)
      l[1 + n] = Int32(u)
      l[0] = Int32(n + 1)
      markReachable(from: Int32(u), &reached, &open)
    }
  }

  /// Marks everything reachable from `start` over level-0 links (a search
  /// that stops at already-marked items), collecting those with free slots.
  private func markReachable(from start: Int32, _ reached: inout [Bool], _ open: inout [Int32]) {
    guard !reached[Int(start)] else { return }
    reached[Int(start)] = true
    var stack: [Int32] = [start]
    while let i = stack.popLast() {
      let l = links(i, 0)
      if Int(l[0]) < maxM0 { open.append(i) }
      for j in 0..<Int(l[0]) where !reached[Int(l[1 + j])] {
        reached[Int(l[1 + j])] = true
        stack.append(l[1 + j])
      }
    }
  }

  /// A reached item with a free level-0 slot to link to unreached item u.
  private func host(for u: Int32, open: [Int32]) -> Int32? {
    let distance = NegativeInnerProduct(query: vector(u), vectors: vectors, dimension: dimension)
    let found: [UInt64] = withScratch { scratch in
      let start = greedyDescent(distance, from: entry, top: Int(maxLevel), down: 1, locked: false, scratch)
      searchLayer(distance, entry: start.id, entryDistance: start.distance, ef: max(configuration.efConstruction, 2 * M),
                  level: 0, locked: false, excluding: { $0 == u }, scratch)
      return Array(scratch.results.unordered).sorted()
    }
    for key in found where Int(links(OrderedKey.id(key), 0)[0]) < maxM0 { return OrderedKey.id(key) }
    var best: Int32? = nil, bestDistance = Float.infinity
    var tried = 0
    var j = open.isEmpty ? 0 : (Int(u) &* 7919) % open.count
    for _ in 0..<open.count {
      let v = open[j]
      j = j + 1 == open.count ? 0 : j + 1
      guard Int(links(v, 0)[0]) < maxM0 else { continue }
      let d = itemDistance(u, v)
      if d < bestDistance { bestDistance = d; best = v }
      tried += 1
      if tried == 64 { break }
    }
    return best
  }
}
