import InteractionData
import LinearAlgebra

/// The rows of one side (users, or items) as the solvers see them: a CSR
/// structure over the other side plus the per-pair coefficients `a`, `b` of
/// the normal equations and each row's regularisation `lambda_u`.
///
/// Row `u` solves `(gram + sum_i a_ui h_i h_iᵀ + lambda_u I) w_u = sum_i b_ui h_i`
/// where `gram = alpha0 HᵀH` of the fixed side (see ``ALSFormulation``).
package struct SideData: Sendable {
  package let rows: Int
  package let offsets: [Int]
  package let indices: [Int32]
  package let a: [Float]
  package let b: [Float]
  package let lambda: [Float]
  package let maxDegree: Int

  package init(rows: Int, offsets: [Int], indices: [Int32], a: [Float], b: [Float], lambda: [Float]) {
    self.rows = rows
    self.offsets = offsets
    self.indices = indices
    self.a = a
    self.b = b
    self.lambda = lambda
    maxDegree = (0..<rows).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
  }

  /// Derives the coefficients from a CSR matrix (`matrix` for users,
  /// `matrix.transposed` for items). O(nnz + rows).
  init(_ m: InteractionMatrix, config: IALSConfig) {
    self.init(rows: m.userCount, offsets: m.userOffsets, indices: m.userItems, weights: m.userWeights,
              others: m.itemCount, config: config)
  }

  /// Derives the coefficients from compressed rows whose `indices` point
  /// into a fixed side of `others` rows in all (each row's lambda counts
  /// them). O(nnz + rows).
  package init(rows: Int, offsets: [Int], indices: [Int32], weights: [Float], others: Int, config: IALSConfig) {
    self.rows = rows
    self.offsets = offsets
    self.indices = indices
    var a = [Float](repeating: 0, count: weights.count), b = a
    for p in 0..<weights.count { (a[p], b[p]) = config.coefficients(weights[p]) }
    self.a = a
    self.b = b
    var md = 0
    lambda = (0..<rows).map { u in
      let n = offsets[u + 1] - offsets[u]
      md = max(md, n)
      return config.rowRegularization(observed: n, others: others)
    }
    maxDegree = md
  }
}

/// Raw views of one half-step, valid inside ``withHalfStep(_:fixed:gram:target:_:)``:
/// the pointers are what the row kernels read, wrapped so that the parallel
/// loop may capture them (rows write disjoint rows of `target`).
package struct HalfStep: Sendable {
  let rows: Int
  let k: Int
  let offsets: SendableConstPointer<Int>
  let indices: SendableConstPointer<Int32>
  let a: SendableConstPointer<Float>
  let b: SendableConstPointer<Float>
  let lambda: SendableConstPointer<Float>
  /// Fixed side factors, row-major `fixedRows x k`.
  let fixed: SendableConstPointer<Float>
  let fixedRows: Int
  /// `alpha0 HᵀH`, `k x k`, both triangles.
  let gram: SendableConstPointer<Float>
  /// The side being solved, row-major `rows x k`.
  let target: SendablePointer<Float>
  let maxDegree: Int

  @inline(__always) func range(_ row: Int) -> Range<Int> { offsets.base[row]..<offsets.base[row + 1] }
  @inline(__always) func fixedRow(_ i: Int32) -> UnsafePointer<Float> { fixed.base + Int(i) * k }
  @inline(__always) func targetRow(_ r: Int) -> UnsafeMutablePointer<Float> { target.base + r * k }
}

/// Runs `body` with a ``HalfStep`` over `side`, the fixed factors, their
/// scaled Gram matrix and the target factors. `fixedCopy`, when given, holds
/// the same floats as `fixed` and is what the solvers read.
package func withHalfStep<R>(
  _ side: SideData, fixed: Matrix, gram: Matrix, target: inout Matrix, fixedCopy: HugePageBuffer? = nil,
  _ body: (HalfStep) throws -> R
) rethrows -> R {
  precondition(fixed.columns == target.columns && target.rows == side.rows)
  precondition(fixedCopy == nil || fixedCopy!.count == fixed.storage.count)
  return try side.offsets.withUnsafeBufferPointer { off in
    try side.indices.withUnsafeBufferPointer { idx in
      try side.a.withUnsafeBufferPointer { a in
        try side.b.withUnsafeBufferPointer { b in
          try side.lambda.withUnsafeBufferPointer { lam in
            try fixed.storage.withUnsafeBufferPointer { f0 in
              // The fit's huge-page copy of the fixed side when it has one
              // (same floats; fewer TLB misses in the row solvers' gathers).
              let f = fixedCopy.map { UnsafeBufferPointer(start: UnsafePointer($0.base), count: $0.count) } ?? f0
              return try gram.storage.withUnsafeBufferPointer { g in
                try target.storage.withUnsafeMutableBufferPointer { t in
                  // Empty arrays may have nil base addresses; a dummy keeps
                  // the views non-optional (they are never dereferenced then).
                  let dummyI = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
                  let dummyF = UnsafeMutablePointer<Float>.allocate(capacity: 1)
                  defer { dummyI.deallocate(); dummyF.deallocate() }
                  let step = HalfStep(
                    rows: side.rows, k: target.columns,
                    offsets: SendableConstPointer(off.baseAddress!),
                    indices: SendableConstPointer(idx.baseAddress ?? UnsafePointer(dummyI)),
                    a: SendableConstPointer(a.baseAddress ?? UnsafePointer(dummyF)),
                    b: SendableConstPointer(b.baseAddress ?? UnsafePointer(dummyF)),
                    lambda: SendableConstPointer(lam.baseAddress ?? UnsafePointer(dummyF)),
                    fixed: SendableConstPointer(f.baseAddress ?? UnsafePointer(dummyF)), fixedRows: fixed.rows,
                    gram: SendableConstPointer(g.baseAddress!),
                    target: SendablePointer(t.baseAddress ?? dummyF),
                    maxDegree: side.maxDegree)
                  return try body(step)
                }
              }
            }
          }
        }
      }
    }
  }
}

/// Per-worker scratch memory, one contiguous slab per worker, freed by the
/// owner after the parallel loop. Workers touch only their own slab.
struct WorkerScratch: @unchecked Sendable {
  let base: UnsafeMutablePointer<Float>
  let stride: Int
  init(workers: Int, floatsPerWorker: Int) {
    stride = max(16, (floatsPerWorker + 15) / 16 * 16)
    base = .allocate(capacity: stride * max(1, workers))
    base.initialize(repeating: 0, count: stride * max(1, workers))
  }
  func slab(_ w: Int) -> UnsafeMutablePointer<Float> { base + w * stride }
  func free() { base.deallocate() }
}

/// Records, across workers, the smallest row whose solution is not finite.
/// One slot per worker in raw memory: a worker writes only its own slot, and
/// never touches a shared Array value (two workers recording at once through
/// `Array.withUnsafeMutableBufferPointer` were two modifying accesses of the
/// same array, which ThreadSanitizer reported).
final class NonFiniteRecorder: @unchecked Sendable {
  private let rows: UnsafeMutablePointer<Int>
  private let count: Int
  init(workers: Int) {
    count = max(1, workers)
    rows = .allocate(capacity: count)
    rows.initialize(repeating: .max, count: count)
  }
  deinit { rows.deallocate() }
  /// Called by worker `w` only (each worker owns its slot).
  func record(row: Int, worker w: Int) {
    if row < rows[w] { rows[w] = row }
  }
  /// Read after the parallel loop has joined.
  var first: Int? {
    var m = Int.max
    for w in 0..<count { m = min(m, rows[w]) }
    return m == .max ? nil : m
  }
}

/// Whether all `n` values are finite. O(n).
@inline(__always)
func allFinite(_ n: Int, _ x: UnsafePointer<Float>) -> Bool {
  var s: Float = 0
  for j in 0..<n { s += x[j] * 0 }  // NaN * 0 and inf * 0 are NaN
  return !s.isNaN
}

/// Which solver a half-step uses, with its parameters.
package enum RowSolver: Sendable {
  case exact
  case cg(steps: Int)
  case block(size: Int)

  /// Rows solved in lockstep by one kernel call, or nil for one row at a
  /// time (`block` runs its own block-outer schedule, see ``BlockSolver``).
  var groupSize: Int? {
    switch self {
    case .exact: return nil
    case .cg: return CGSolver.group
    case .block: return nil
    }
  }
}

extension HalfStep {
  /// Solves `rows` (all rows when nil) with `solver` on `threads` workers
  /// (BLAS must be at one thread). Returns the smallest row whose result is
  /// not finite, if any. Deterministic: each row's arithmetic is fixed.
  package func solve(_ solver: RowSolver, rows subset: [Int32]? = nil, threads: Int) -> Int? {
    if case .block(let size) = solver {
      // Blocks in the outer loop over all rows (iALS++); see BlockSolver.
      return BlockSolver.solve(self, block: size, rows: subset, threads: threads)
    }
    let count = subset?.count ?? rows
    let workers = max(1, threads)
    let recorder = NonFiniteRecorder(workers: workers)
    let chunk = ExactSolver.gatherChunk
    let floats: Int
    switch solver {
    case .exact: floats = ExactSolver.scratchFloats(k: k, chunk: chunk)
    case .cg: floats = CGSolver.scratchFloats(k: k)
    case .block: return nil  // unreachable: handled above
    }
    let scratch = WorkerScratch(workers: workers, floatsPerWorker: floats)
    defer { scratch.free() }
    if let groupSize = solver.groupSize {
      // Lockstep groups of consecutive entries of the row list.
      let groups = (count + groupSize - 1) / groupSize
      let check: @Sendable (Int, Int) -> Void = { index, w in
        let row = subset.map { Int($0[index]) } ?? index
        if !allFinite(k, targetRow(row)) { recorder.record(row: row, worker: w) }
      }
      let run = { (list: SendableConstPointer<Int32>?) in
        Parallel.forEach(groups, threads: workers, grain: 32 / groupSize) { g, w in
          let first = g * groupSize, n = min(groupSize, count - first)
          switch solver {
          case .cg(let steps):
            CGSolver.solveRows(self, first: first, count: n, rows: list?.base, steps: steps, scratch: scratch.slab(w))
          case .block, .exact: preconditionFailure("solved one row at a time or block-outer")
          }
          for index in first..<first + n { check(index, w) }
        }
      }
      if let subset, !subset.isEmpty {
        subset.withUnsafeBufferPointer { run(SendableConstPointer($0.baseAddress!)) }
      } else {
        run(nil)
      }
      return recorder.first
    }
    let rowsList = subset
    let short = count >= ShortRows.minimumRowsToSolve ? ShortRows(self) : nil
    defer { short?.free() }
    Parallel.forEach(count, threads: workers, grain: 32) { index, w in
      let row = rowsList.map { Int($0[index]) } ?? index
      ExactSolver.solveRow(self, row, scratch: scratch.slab(w), chunk: chunk, short: short)
      if !allFinite(k, targetRow(row)) { recorder.record(row: row, worker: w) }
    }
    return recorder.first
  }
}
