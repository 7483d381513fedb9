import GramianKernels
import LinearAlgebra

extension HNSWIndex {
  /// The (approximately) `k` items of largest `<query, x>`, best first, as
  /// (item, inner product).
  ///
  /// - Parameters:
  ///   - query: `dimension` floats.
  ///   - ef: candidate list size on level 0 (raised to `k`); larger is slower
  ///     and more accurate.
  ///   - excluding: items for which it returns `true` are never returned
  ///     (they are still walked through, so the graph stays connected).
  /// - Complexity: about O(ef · M · log n · dimension) on clustered data.
  public func search(
    _ query: [Float], k: Int, ef: Int, excluding: ((Int32) -> Bool)? = nil
  ) -> [(item: Int32, score: Float)] {
    precondition(query.count == dimension, "query has \(query.count) values, the index \(dimension)")
    return query.withUnsafeBufferPointer { search($0.baseAddress!, k: k, ef: ef, excluding: excluding) }
  }

  /// ``search(_:k:ef:excluding:)`` for a query at a raw address.
  public func search(
    _ query: UnsafePointer<Float>, k: Int, ef: Int, excluding: ((Int32) -> Bool)? = nil
  ) -> [(item: Int32, score: Float)] {
    let s = storage
    guard k > 0, s.entry >= 0 else { return [] }
    let distance = NegativeInnerProduct(query: query, vectors: s.vectors, dimension: s.dimension)
    return s.withScratch { scratch in
      let start = s.greedyDescent(distance, from: s.entry, top: Int(s.maxLevel), down: 1, locked: false, scratch)
      s.searchLayer(distance, entry: start.id, entryDistance: start.distance, ef: max(ef, k), level: 0,
                    locked: false, excluding: excluding, scratch)
      return scratch.sortResults().prefix(k).map { (item: OrderedKey.id($0), score: -OrderedKey.distance($0)) }
    }
  }

  /// Answers every row of `queries` (rows chosen by `rows`, default all) on
  /// `threads` threads; `excluding(row, item)` filters per query.
  public func search(
    queries: Matrix, rows: [Int]? = nil, k: Int, ef: Int, threads: Int = 1,
    excluding: (@Sendable (_ row: Int, _ item: Int32) -> Bool)? = nil
  ) -> [[(item: Int32, score: Float)]] {
    precondition(queries.columns == dimension, "queries have \(queries.columns) columns, the index \(dimension)")
    let which = rows ?? Array(0..<queries.rows)
    var out = [[(item: Int32, score: Float)]](repeating: [], count: which.count)
    out.withUnsafeMutableBufferPointer { o in
      let results = SendablePointer(o.baseAddress!)
      queries.storage.withUnsafeBufferPointer { q in
        let qp = SendableConstPointer(q.baseAddress!)
        Parallel.forEach(which.count, threads: threads, grain: 16) { j, _ in
          let r = which[j]
          let filter = excluding.map { f in { (item: Int32) in f(r, item) } }
          results.base[j] = search(qp.base + r * dimension, k: k, ef: ef, excluding: filter)
        }
      }
    }
    return out
  }
}

extension HNSWStorage {
  /// Greedy walk (ef = 1) from `start` on levels `top` down to `down`.
  /// `locked` reads each list under its node's lock (during a parallel build).
  func greedyDescent<D: ItemDistance>(
    _ distance: D, from start: Int32, top: Int, down: Int, locked: Bool, _ scratch: SearchScratch
  ) -> (id: Int32, distance: Float) {
    var current = start
    var best = distance(start)
    var level = top
    while level >= down {
      var moved = true
      while moved {
        moved = false
        let n = readLinks(current, level, locked: locked, into: scratch.ids)
        distance(scratch.ids, n, scratch.distances)
        for j in 0..<n where scratch.distances[j] < best {
          best = scratch.distances[j]
          current = scratch.ids[j]
          moved = true
        }
      }
      level -= 1
    }
    return (current, best)
  }

  /// Copies item i's level list into `ids` and returns its length.
  @inline(__always)
  func readLinks(_ i: Int32, _ level: Int, locked: Bool, into ids: UnsafeMutablePointer<Int32>) -> Int {
    if locked { lock(i) }
    let l = links(i, level)
    let n = Int(l[0])
    assert(n <= linkCapacity(level))
    ids.update(from: l + 1, count: n)
    if locked { unlock(i) }
    return n
  }

  /// Best-first search on one level (the paper's Algorithm 2): leaves the
  /// `ef` closest allowed items found in `scratch.results` (a max-heap of
  /// distance keys). Excluded items are expanded but never kept; while fewer
  /// than `ef` allowed items are kept the search does not stop early.
  func searchLayer<D: ItemDistance>(
    _ distance: D, entry: Int32, entryDistance: Float, ef: Int, level: Int, locked: Bool,
    excluding: ((Int32) -> Bool)?, _ scratch: SearchScratch
  ) {
    scratch.newSearch()
    // Locals, not the scratch's properties, in the loop: class properties
    // would pay a dynamic exclusivity check on every access.
    var candidates = scratch.candidates, results = scratch.results
    defer { scratch.candidates = candidates; scratch.results = results }
    let visited = scratch.visited, epoch = scratch.epoch
    let ids = scratch.ids, dists = scratch.distances, copy = scratch.linkCopy
    visited[Int(entry)] = epoch
    let entryKey = OrderedKey.distanceKey(entryDistance, entry)
    candidates.push(entryKey)
    if excluding == nil || !excluding!(entry) { results.push(entryKey) }
    var bound = results.isEmpty ? Float.infinity : entryDistance
    while !candidates.isEmpty {
      let c = candidates.top
      if OrderedKey.distance(c) > bound, results.count >= ef { break }
      _ = candidates.pop()
      // The next candidate's list is read next: fetch it while this one is
      // processed (hnswlib gets the same effect from its interleaved layout).
      if !candidates.isEmpty { gk_prefetch(links(OrderedKey.id(candidates.top), level)) }
      let total = readLinks(OrderedKey.id(c), level, locked: locked, into: copy)
      var n = 0
      for j in 0..<total {
        let t = Int(copy[j])
        assert(t >= 0 && t < count)
        if visited[t] != epoch {
          visited[t] = epoch
          ids[n] = copy[j]
          n += 1
        }
      }
      guard n > 0 else { continue }
      distance(ids, n, dists)
      for j in 0..<n {
        let d = dists[j]
        guard results.count < ef || d < bound else { continue }
        let key = OrderedKey.distanceKey(d, ids[j])
        candidates.push(key)
        if let excluding, excluding(ids[j]) { continue }
        if results.count < ef { results.push(key) } else { results.replaceTop(key) }
        bound = OrderedKey.distance(results.top)
      }
    }
  }
}
