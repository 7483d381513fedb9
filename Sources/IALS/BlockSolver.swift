import LinearAlgebra

/// iALS++ half-step (Rendle, Krichene, Zhang, Koren, "iALS++: Speeding up
/// Matrix Factorization with Subspace Optimization", 2021): block coordinate
/// descent over consecutive blocks `B` of `b` coordinates, with the blocks in
/// the OUTER loop. For each block, every row `u` solves the `b x b` system
/// restricted to `B` with its other coordinates fixed:
///
///     (alpha0 G_BB + sum_i a_i h_iB h_iBᵀ + lambda_u I) d = -(A w_u - rhs)_B
///
/// and sets `w_uB += d`. The right-hand side uses the cached predictions
/// `s_ui = <w_u, h_i>` of the observed pairs (refreshed by `s_ui += <d, h_iB>`
/// after each block) and the Gram term `(alpha0 G w_u)_B = w_uᵀ G_{:,B}`,
/// a register-tiled product of the rows against a compact `k x b` copy of
/// `G_{:,B}`.
///
/// Memory traffic is the point at large `k`: before each block the `b`
/// columns `H_{:,B}` of the fixed side are copied into a compact panel
/// (`n_other x b` floats, a few MB), so every gathered read of an observed
/// row `h_iB` hits that cache-sized panel instead of a `4k`-byte row in DRAM.
/// The initial predictions are accumulated the same way, block by block.
/// With `b >= k` one block is the whole row and this is the exact solve.
///
/// Each row's arithmetic is fixed (in-order sums, blocks in order), so the
/// result does not depend on the thread count.
///
/// - Complexity: per half-step 4·nnz·k (initial predictions and their
///   updates) + 2·nnz·k (right-hand sides) + nnz·k·(b+1) (rank updates)
///   + 2·rows·k² (Gram terms) + rows·k·b²/3 (Cholesky) flops; fixed-side
///   memory traffic ≈ 2·n_other·k floats (two panel copies per block);
///   extra memory nnz + n_other·b + k·b floats.
enum BlockSolver {
  /// Rows per parallel task (the Gram product runs over them at once).
  static let group = 16

  /// Solves all rows (or `subset`) of `step` in place; returns the smallest
  /// row whose result is not finite (a row whose block system is not SPD
  /// becomes NaN).
  static func solve(_ step: HalfStep, block: Int, rows subset: [Int32]?, threads: Int) -> Int? {
    let k = step.k, bs0 = max(1, min(block, k))
    let count = subset?.count ?? step.rows
    guard count > 0, k > 0 else { return nil }
    let workers = max(1, threads)
    let nnz = step.offsets.base[step.rows]
    let cache = BlockBuffers(
      nnz: nnz, panelFloats: bs0 < k ? step.fixedRows * bs0 : 0, k: k, block: bs0, rows: count)
    defer { cache.free() }
    let chunk = ExactSolver.gatherChunk
    let scratch = WorkerScratch(workers: workers, floatsPerWorker: group * bs0 + bs0 * bs0 + bs0)
    defer { scratch.free() }
    let groups = (count + group - 1) / group
    let run = { (list: SendableConstPointer<Int32>?) in
      // Pass 1: predictions s_q = <w_u, h_q>, accumulated block by block.
      var j0 = 0
      while j0 < k {
        let bs = min(bs0, k - j0)
        let (panel, ld) = preparePanel(step, j0: j0, bs: bs, cache: cache, threads: workers)
        Parallel.forEach(count, threads: workers, grain: 64) { [j0] index, _ in
          let r = rowAt(list, index), range = step.range(r)
          if j0 == 0 { (cache.predictions + range.lowerBound).update(repeating: 0, count: range.count) }
          Kernels.blockDotsAdd(
            n: bs, m: range.count, indices: step.indices.base + range.lowerBound, base: panel.base, ld: ld,
            d: step.targetRow(r) + j0, into: cache.predictions + range.lowerBound)
        }
        j0 += bs
      }
      // Pass 2: the block solves.
      j0 = 0
      while j0 < k {
        let bs = min(bs0, k - j0)
        let (panel, ld) = preparePanel(step, j0: j0, bs: bs, cache: cache, threads: workers)
        copyGramColumns(step, j0: j0, bs: bs, into: cache.gramPanel)
        Parallel.forEach(groups, threads: workers, grain: 2) { [j0] g, w in
          let first = g * group, n = min(group, count - first)
          let slab = scratch.slab(w)
          let gw = slab, m = gw + group * bs0, d = m + bs0 * bs0
          // Gram terms (alpha0 G w_t)_B = w_tᵀ G_{:,B} of the group.
          gw.update(repeating: 0, count: n * bs)
          if list == nil {
            Kernels.multiplyRows(
              m: n, n: bs, kk: k, x: step.targetRow(first), ldx: k, b: cache.gramPanel, ldb: bs, c: gw, ldc: bs)
          } else {
            for t in 0..<n {
              Kernels.multiplyRows(
                m: 1, n: bs, kk: k, x: step.targetRow(rowAt(list, first + t)), ldx: k, b: cache.gramPanel, ldb: bs,
                c: gw + t * bs, ldc: bs)
            }
          }
          for t in 0..<n {
            let r = rowAt(list, first + t)
            if cache.failed[first + t] != 0 { continue }
            let work = BlockWork(panel: panel.base, ld: ld, m: m, d: d, chunk: chunk)
            if !solveBlock(step, row: r, j0: j0, bs: bs, gw: gw + t * bs, gram: cache.gramPanel,
                           s: cache.predictions, work) {
              cache.failed[first + t] = 1
              step.targetRow(r).update(repeating: .nan, count: k)
            }
          }
        }
        j0 += bs
      }
    }
    if let subset {
      subset.withUnsafeBufferPointer { run(SendableConstPointer($0.baseAddress!)) }
    } else {
      run(nil)
    }
    for index in 0..<count {
      let r = subset.map { Int($0[index]) } ?? index
      if !allFinite(k, step.targetRow(r)) { return minNonFinite(step, subset: subset, from: index) }
    }
    return nil
  }

  @inline(__always) private static func rowAt(_ list: SendableConstPointer<Int32>?, _ index: Int) -> Int {
    list.map { Int($0.base[index]) } ?? index
  }

  /// The smallest non-finite row among entries `from...` of the row list.
  private static func minNonFinite(_ step: HalfStep, subset: [Int32]?, from: Int) -> Int? {
    var best = Int.max
    for index in from..<(subset?.count ?? step.rows) {
      let r = subset.map { Int($0[index]) } ?? index
      if !allFinite(step.k, step.targetRow(r)) { best = min(best, r) }
    }
    return best == .max ? nil : best
  }

  /// The fixed side's columns `j0..<j0+bs` as rows of stride `ld`: the
  /// compact panel (filled in parallel), or the factors themselves when the
  /// block is the whole row.
  private static func preparePanel(
    _ step: HalfStep, j0: Int, bs: Int, cache: BlockBuffers, threads: Int
  ) -> (SendableConstPointer<Float>, Int) {
    if bs == step.k { return (step.fixed, step.k) }
    let k = step.k
    let chunks = (step.fixedRows + 1023) / 1024
    Parallel.forEach(chunks, threads: threads, grain: 1) { c, _ in
      for i in c * 1024..<min(step.fixedRows, c * 1024 + 1024) {
        (cache.panel + i * bs).update(from: step.fixed.base + i * k + j0, count: bs)
      }
    }
    return (SendableConstPointer(UnsafePointer(cache.panel)), bs)
  }

  /// `out = G_{:,B}` as a compact row-major `k x bs` matrix.
  private static func copyGramColumns(_ step: HalfStep, j0: Int, bs: Int, into out: UnsafeMutablePointer<Float>) {
    for l in 0..<step.k { (out + l * bs).update(from: step.gram.base + l * step.k + j0, count: bs) }
  }

  /// Per-worker views of one block solve.
  struct BlockWork {
    let panel: UnsafePointer<Float>            // fixed side, columns B, row stride ld
    let ld: Int
    let m: UnsafeMutablePointer<Float>         // block x block
    let d: UnsafeMutablePointer<Float>         // block
    let chunk: Int
  }

  /// One block `B = j0..<j0+bs` of one row: forms and solves the block
  /// system, applies `w_B += d` in place and refreshes the row's predictions.
  /// `gram` is `G_{:,B}` (`k x bs`). Returns false when the system is not SPD.
  static func solveBlock(
    _ step: HalfStep, row: Int, j0: Int, bs: Int, gw: UnsafePointer<Float>, gram: UnsafePointer<Float>,
    s predictions: UnsafeMutablePointer<Float>, _ work: BlockWork
  ) -> Bool {
    let range = step.range(row), n = range.count
    let lam = step.lambda.base[row], w = step.targetRow(row)
    let m = work.m, d = work.d
    // System matrix: alpha0 G_BB + lambda I, then the observed rank updates.
    for r in 0..<bs {
      (m + r * bs).update(from: gram + (j0 + r) * bs, count: bs)
      m[r * bs + r] += lam
    }
    // Right-hand side: sum (b_i - a_i s_i) h_iB - (alpha0 G w)_B - lambda w_B.
    for r in 0..<bs { d[r] = -gw[r] - lam * w[j0 + r] }
    let lo = range.lowerBound
    let idx = step.indices.base + lo, a = step.a.base + lo, b = step.b.base + lo, s = predictions + lo
    Kernels.blockRightHandSide(n: bs, m: n, indices: idx, base: work.panel, ld: work.ld, a: a, b: b, s: s, into: d)
    var start = 0
    while start < n {
      let cnt = min(work.chunk, n - start)
      Kernels.gatheredRankUpdate(
        n: bs, m: cnt, indices: idx + start, base: work.panel, ld: work.ld, weights: a + start, into: m)
      start += cnt
    }
    if !SmallCholesky.solveUpper(n: bs, a: m, b: d) { return false }
    for r in 0..<bs { w[j0 + r] += d[r] }
    Kernels.blockDotsAdd(n: bs, m: n, indices: idx, base: work.panel, ld: work.ld, d: d, into: s)
    return true
  }
}

/// The shared buffers of one block half-step: the prediction cache (one
/// float per observed pair, CSR order), the fixed side's column panel, the
/// Gram columns `G_{:,B}` and a failure flag per listed row.
struct BlockBuffers: @unchecked Sendable {
  let predictions: UnsafeMutablePointer<Float>
  let panel: UnsafeMutablePointer<Float>
  let gramPanel: UnsafeMutablePointer<Float>
  let failed: UnsafeMutablePointer<UInt8>

  init(nnz: Int, panelFloats: Int, k: Int, block: Int, rows: Int) {
    predictions = .allocate(capacity: max(1, nnz))
    panel = .allocate(capacity: max(1, panelFloats))
    gramPanel = .allocate(capacity: k * block)
    failed = .allocate(capacity: rows)
    failed.initialize(repeating: 0, count: rows)
  }

  func free() {
    predictions.deallocate()
    panel.deallocate()
    gramPanel.deallocate()
    failed.deallocate()
  }
}
