import LinearAlgebra

extension HNSWStorage {
  /// Host candidates kept per unreached item by the parallel search pass.
  static let hostCandidates = 8

  /// Makes every item reachable from the entry point on level 0, adding
  /// links and removing none.
  ///
  /// The heuristic re-pruning of full lists can drop every link into an
  /// item. Under the inner-product metric with uneven norms this is common
  /// (short vectors lose their in-links to long ones: on iALS factors of
  /// MovieLens, most items; amazon-book k = 128, 37%) and harmless for
  /// search, whose answers are long vectors, but such items could never be
  /// returned. Each unreached item gets one in-link from a reached item with
  /// a free level-0 slot: the nearest such item a search from the entry point
  /// finds, or else the nearest of 64 reached items with free slots.
  ///
  /// Two passes: the searches run on `threads` threads over the graph as it
  /// was before the repair (read-only), keeping the first ``hostCandidates``
  /// results with a free slot; then, in index order on one thread, each still
  /// unreached item links from the first candidate that is reached (the
  /// upper levels can lead a search to unreached items) and still has a free
  /// slot, and everything it reaches counts as reached. When no candidate
  /// qualifies any more, that item's search is repeated on the current graph
  /// (as the sequential repair did); only then the 64-item fallback. The
  /// result does not depend on `threads`.
  /// Existing links are never removed, so searches lose nothing; they may
  /// evaluate a few more items.
  /// - Complexity: O(n · M) plus one search (ef = efConstruction) per
  ///   unreached item, spread over `threads`.
  func repairReachability(threads: Int = 1) {
    guard count > 0, entry >= 0 else { return }
    var reached = [Bool](repeating: false, count: count)
    var open: [Int32] = []  // reached items with a free level-0 slot
    markReachable(from: entry, &reached, &open)
    let unreached = (0..<count).filter { !reached[$0] }
    guard !unreached.isEmpty else { return }
    let width = Self.hostCandidates
    var candidates = [Int32](repeating: -1, count: unreached.count * width)
    candidates.withUnsafeMutableBufferPointer { c in
      let out = SendablePointer(c.baseAddress!)
      unreached.withUnsafeBufferPointer { u in
        let items = SendableConstPointer(u.baseAddress!)
        Parallel.forEach(unreached.count, threads: threads, grain: 8) { j, _ in
          self.findHosts(for: Int32(items.base[j]), into: out.base + j * width, limit: width)
        }
      }
    }
    var again = [Int32](repeating: -1, count: width)
    for (j, u) in unreached.enumerated() where !reached[u] {
      var host = firstHost(candidates[(j * width)..<((j + 1) * width)], reached)
      if host == nil {
        // Every candidate's slot was taken by earlier repairs (common when
        // most items are unreached): search again on the graph as it is now,
        // which includes the items rescued so far.
        again.withUnsafeMutableBufferPointer { b in
          b.update(repeating: -1)
          findHosts(for: Int32(u), into: b.baseAddress!, limit: width)
        }
        host = firstHost(again[...], reached)
      }
      guard let v = host ?? fallbackHost(for: Int32(u), open: open) else { continue }
      let l = links(v, 0)
      let n = Int(l[0])
      assert(n < maxM0 && reached[Int(v)])
      l[1 + n] = Int32(u)
      l[0] = Int32(n + 1)
      markReachable(from: Int32(u), &reached, &open)
    }
  }

  /// The first of `candidates` (−1 ends the list) that is reached and has a
  /// free level-0 slot.
  private func firstHost(_ candidates: ArraySlice<Int32>, _ reached: [Bool]) -> Int32? {
    for v in candidates {
      if v < 0 { break }
      if reached[Int(v)], Int(links(v, 0)[0]) < maxM0 { return v }
    }
    return nil
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

  /// Writes to `out` (up to `limit`, closest first, the rest left at −1) the
  /// items a search for u's vector from the entry point finds that have a
  /// free level-0 slot now. Reads the graph without locks: no writer may run.
  private func findHosts(for u: Int32, into out: UnsafeMutablePointer<Int32>, limit: Int) {
    let distance = NegativeInnerProduct(query: vector(u), vectors: vectors, dimension: dimension)
    withScratch { scratch in
      let start = greedyDescent(distance, from: entry, top: Int(maxLevel), down: 1, locked: false, scratch)
      searchLayer(distance, entry: start.id, entryDistance: start.distance, ef: max(configuration.efConstruction, 2 * M),
                  level: 0, locked: false, excluding: { $0 == u }, scratch)
      let found = scratch.sortResults()
      var kept = 0
      for key in found where kept < limit {
        let v = OrderedKey.id(key)
        if Int(links(v, 0)[0]) < maxM0 { out[kept] = v; kept += 1 }
      }
    }
  }

  /// The nearest to u of up to 64 reached items with a free level-0 slot,
  /// taken from `open` starting at a position derived from u.
  private func fallbackHost(for u: Int32, open: [Int32]) -> Int32? {
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
