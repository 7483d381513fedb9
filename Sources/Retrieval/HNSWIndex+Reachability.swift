extension HNSWStorage {
  /// Makes every item reachable from the entry point on level 0.
  ///
  /// The heuristic re-pruning of full lists can drop the last link into an
  /// item; such an item is still found by nothing. For each one (rare: none
  /// to a few per ten thousand), a search from the entry point finds its
  /// nearest reachable items; the first with a free level-0 slot links to
  /// it, or else the nearest one gives up its link to the neighbour with
  /// the most incoming links. Rounds repeat until all are reachable (at
  /// most 8). Single-threaded.
  /// - Complexity: O(n · M) per round plus one search per lost item.
  func repairReachability() {
    for _ in 0..<8 {
      let lost = unreachableItems()
      guard !lost.isEmpty else { return }
      var inDegree = [Int32](repeating: 0, count: count)
      for i in 0..<count {
        let l = links(Int32(i), 0)
        for j in 0..<Int(l[0]) { inDegree[Int(l[1 + j])] += 1 }
      }
      let lostSet = Set(lost)
      for u in lost { relink(u, lostSet: lostSet, inDegree: &inDegree) }
    }
  }

  private func relink(_ u: Int32, lostSet: Set<Int32>, inDegree: inout [Int32]) {
    let distance = NegativeInnerProduct(query: vector(u), vectors: vectors, dimension: dimension)
    let found: [UInt64] = withScratch { scratch in
      let start = greedyDescent(distance, from: entry, top: Int(maxLevel), down: 1, locked: false, scratch)
      searchLayer(distance, entry: start.id, entryDistance: start.distance, ef: max(configuration.efConstruction, 2 * M),
                  level: 0, locked: false, excluding: { lostSet.contains($0) || $0 == u }, scratch)
      return Array(scratch.results.unordered).sorted()
    }
    guard !found.isEmpty else { return }
    for key in found {
      let v = OrderedKey.id(key)
      let l = links(v, 0)
      let n = Int(l[0])
      if (0..<n).contains(where: { l[1 + $0] == u }) { return }
      if n < maxM0 {
        l[1 + n] = u
        l[0] = Int32(n + 1)
        inDegree[Int(u)] += 1
        return
      }
    }
    let v = OrderedKey.id(found[0])
    let l = links(v, 0)
    var slot = 0
    for j in 1..<Int(l[0]) where inDegree[Int(l[1 + j])] > inDegree[Int(l[1 + slot])] { slot = j }
    inDegree[Int(l[1 + slot])] -= 1
    l[1 + slot] = u
    inDegree[Int(u)] += 1
  }
}
