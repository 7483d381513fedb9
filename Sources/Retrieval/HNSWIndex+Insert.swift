import Foundation
import LinearAlgebra

extension HNSWIndex {
  /// Adds the rows of `vectors` as items `count ..< count + rows`.
  ///
  /// Levels are drawn from the seed and the item index, so one thread gives
  /// the same graph for the same inputs. With more threads, items are
  /// inserted concurrently (per-item spin locks on link lists, one global
  /// lock for the entry point, as in hnswlib); the graph then depends on the
  /// schedule. Afterwards every item is made reachable from the entry point
  /// (``repairReachability()``).
  /// - Complexity: O(rows · efConstruction · M · log n) distance evaluations.
  public mutating func add(_ vectors: Matrix, threads: Int = 1) throws(HNSWError) {
    guard vectors.columns == dimension else {
      throw .dimensionMismatch(expected: dimension, found: vectors.columns)
    }
    guard vectors.rows > 0 else { return }
    makeUnique()
    sourceFingerprint = nil  // the index no longer holds exactly the vectors it was built from
    let s = storage
    let first = s.count
    let levels = (first..<first + vectors.rows).map { Self.drawLevel(item: $0, M: s.M, seed: s.configuration.seed) }
    vectors.storage.withUnsafeBufferPointer { v in _ = s.append(vectors: v.baseAddress!, levels: levels) }
    s.setAugmentation(from: first)
    var next = first
    if s.entry < 0 {
      s.insert(Int32(next))
      next += 1
    }
    let remaining = s.count - next
    let start = next
    Parallel.forEach(remaining, threads: max(1, threads), grain: 8) { j, _ in
      s.insert(Int32(start + j))
    }
    s.repairReachability(threads: max(1, threads))
    if s.configuration.checkInvariants {
      let problems = invariantViolations()
      if !problems.isEmpty { throw .invariantsViolated(problems) }
    }
  }

  /// `floor(-ln U / ln M)` for U uniform in (0, 1], from a generator seeded by
  /// (seed, item): the draw does not depend on insertion order or threads.
  static func drawLevel(item: Int, M: Int, seed: UInt64) -> Int32 {
    var g = SeededGenerator(seed: seed, stream: UInt64(item))
    let u = 1 - g.nextUnit()  // in (0, 1]
    return Int32(min(30, Int(-log(u) / log(Double(M)))))
  }
}

extension HNSWStorage {
  /// Computes the augmentation coordinates of items `first...` (augmented
  /// metric). `phi` is fixed by the first batch (its largest norm); a later
  /// item longer than `phi` gets coordinate 0, which keeps queries exact in
  /// order but makes that item's build distances approximate.
  func setAugmentation(from first: Int) {
    guard configuration.metric == .augmented else { return }
    var norms = [Float](repeating: 0, count: count - first)
    for i in first..<count {
      let v = vector(Int32(i))
      var s: Float = 0
      for j in 0..<dimension { s += v[j] * v[j] }
      norms[i - first] = s
    }
    if first == 0 { phi = (norms.max() ?? 0).squareRoot() }
    for i in first..<count { setAugment(i, max(0, phi * phi - norms[i - first]).squareRoot()) }
  }

  /// Inserts item q (the paper's Algorithm 1).
  func insert(_ q: Int32) {
    switch configuration.metric {
    case .innerProduct:
      insert(q, NegativeInnerProduct(query: vector(q), vectors: vectors, dimension: dimension))
    case .augmented:
      insert(q, AugmentedEuclidean(query: vector(q), queryAugment: augment[Int(q)], vectors: vectors,
                                   augment: augment, dimension: dimension))
    }
  }

  private func insert<D: ItemDistance>(_ q: Int32, _ distance: D) {
    let level = self.level(q)
    globalLock.lock()
    let entryPoint = entry, top = Int(maxLevel)
    let raisesTop = level > top
    if entryPoint < 0 {
      entry = q
      maxLevel = Int32(level)
      globalLock.unlock()
      return
    }
    if !raisesTop { globalLock.unlock() }
    withScratch { scratch in
      var current = (id: entryPoint, distance: distance(entryPoint))
      if level < top {
        current = greedyDescent(distance, from: entryPoint, top: top, down: level + 1, locked: true, scratch)
      }
      let selected = scratch.selected
      for lc in stride(from: min(level, top), through: 0, by: -1) {
        searchLayer(distance, entry: current.id, entryDistance: current.distance, ef: configuration.efConstruction,
                    level: lc, locked: true, excluding: nil, scratch)
        let found = scratch.sortResults()
        current = (OrderedKey.id(found.first!), OrderedKey.distance(found.first!))
        let n = selectNeighbours(found, limit: M, into: selected)
        lock(q)
        let own = links(q, lc)
        for j in 0..<n { own[1 + j] = selected[j] }
        own[0] = Int32(n)
        unlock(q)
        for j in 0..<n { connect(selected[j], to: q, level: lc, scratch) }
      }
    }
    if raisesTop {
      entry = q
      maxLevel = Int32(level)
      globalLock.unlock()
    }
  }

  /// The paper's heuristic (Algorithm 4, without extension or refill):
  /// walks candidates closest first and keeps one only if it is closer to
  /// the base item than to every kept neighbour, which spreads links over
  /// directions. `sortedKeys` are distance keys to the base, ascending;
  /// `out` has room for `limit` ids.
  func selectNeighbours<S: Sequence<UInt64>>(
    _ sortedKeys: S, limit: Int, into out: UnsafeMutablePointer<Int32>
  ) -> Int {
    var kept = 0
    for key in sortedKeys {
      if kept == limit { break }
      let c = OrderedKey.id(key), dc = OrderedKey.distance(key)
      var good = true
      for r in 0..<kept where itemDistance(c, out[r]) < dc {
        good = false
        break
      }
      if good {
        out[kept] = c
        kept += 1
      }
    }
    return kept
  }

  /// Adds the link n → q on `level`; a full list is re-pruned by the
  /// heuristic over its links plus q (under n's lock). Uses the scratch's
  /// prune buffers, not its heaps or `selected`.
  func connect(_ n: Int32, to q: Int32, level: Int, _ scratch: SearchScratch) {
    let cap = linkCapacity(level)
    lock(n)
    defer { unlock(n) }
    let l = links(n, level)
    let count = Int(l[0])
    for j in 0..<count where l[1 + j] == q { return }
    if count < cap {
      l[1 + count] = q
      l[0] = Int32(count + 1)
      return
    }
    let ids = scratch.pruneIds, dists = scratch.pruneDistances, keys = scratch.pruneKeys
    ids[0] = q
    (ids + 1).update(from: l + 1, count: count)
    itemDistances(from: n, ids, count + 1, dists)
    for j in 0...count { keys[j] = OrderedKey.distanceKey(dists[j], ids[j]) }
    var sorted = UnsafeMutableBufferPointer(start: keys, count: count + 1)
    sorted.sort()
    let m = selectNeighbours(sorted, limit: cap, into: l + 1)
    l[0] = Int32(m)
  }
}
