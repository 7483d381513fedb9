import CLAPACK
import InteractionData
import LinearAlgebra

extension EASEModel {
  /// Fits EASE on the binary pattern of `train` (any positive weight is a 1).
  ///
  /// Steps: the item Gram matrix `G = X^T X` from the sparse rows
  /// (`O(sum_u n_u^2)`, parallel over item rows), `G + lambda I`, its
  /// inverse `P` by Cholesky (`spotrf` + `spotri`, `I^3` flops), then
  /// `B^T_ij = -P_ij / P_ii` in place. One `I x I` float32 buffer holds
  /// all of it.
  ///
  /// - Throws: ``EASEError/emptyTraining``, ``EASEError/tooManyItems(items:limit:)``
  ///   above ``EASEConfig/maxItems``, `MemoryBudgetError` when `4 I^2 + 4 |U| I`
  ///   bytes exceed the budget, ``EASEError/notPositiveDefinite(order:lambda:)``.
  public static func fit(
    _ train: InteractionMatrix, userIds: IdMap = IdMap(), itemIds: IdMap = IdMap(), config: EASEConfig
  ) throws -> EASEModel {
    try config.validate()
    guard train.nnz > 0 else { throw EASEError.emptyTraining }
    let n = train.itemCount
    guard n <= config.maxItems else { throw EASEError.tooManyItems(items: n, limit: config.maxItems) }
    try MemoryBudget.check(
      MemoryBudget.sum(MemoryBudget.product(n, n, 4), MemoryBudget.product(train.userCount, n, 4)),
      for: "an EASE fit on \(train.userCount) users x \(n) items (a dense \(n) x \(n) matrix and the users' rows)")
    var p = gram(train, threads: config.threads)
    let lambda = config.regularization
    for i in 0..<n { p[i * n + i] += lambda }
    try invertInPlace(&p, n: n, threads: config.threads, lambda: lambda)
    let diagonal = (0..<n).map { p[$0 * n + $0] }
    // B^T_ij = B_ji = -P_ji / P_ii = -P_ij / P_ii: scale row i; zero diagonal.
    p.withUnsafeMutableBufferPointer { buf in
      let base = SendablePointer(buf.baseAddress!)
      Parallel.forChunks(n, threads: config.threads) { range in
        for i in range {
          let row = base.base + i * n, s = -1 / diagonal[i]
          for j in 0..<n { row[j] *= s }
          row[i] = 0
        }
      }
    }
    return EASEModel(config: config, itemFactors: Matrix(rows: n, columns: n, storage: p), inverseDiagonal: diagonal,
                     summary: TrainingSummary(train, userIds: userIds, itemIds: itemIds),
                     userIds: userIds, itemIds: itemIds)
  }

  /// `X^T X` of the binary pattern, row-major `I x I`: row `a` is the sum of
  /// the rows of `a`'s users, so rows are built independently in parallel.
  /// O(sum_u n_u^2).
  static func gram(_ train: InteractionMatrix, threads: Int) -> [Float] {
    let n = train.itemCount
    var g = [Float](repeating: 0, count: n * n)
    g.withUnsafeMutableBufferPointer { buf in
      let base = SendablePointer(buf.baseAddress!)
      Parallel.forEach(n, threads: threads, grain: 16) { a, _ in
        let row = base.base + a * n
        for u in train.users(ofItem: a) {
          for b in train.items(ofUser: Int(u)) { row[Int(b)] += 1 }
        }
      }
    }
    return g
  }

  /// Inverts the symmetric positive definite `a` (row-major `n x n`) in
  /// place: Cholesky then the inverse from the factor, then the computed
  /// triangle mirrored into the other. 4n^3/3 flops on `threads` BLAS threads.
  static func invertInPlace(_ a: inout [Float], n: Int, threads: Int, lambda: Float) throws {
    let uplo = Int8(UInt8(ascii: "U"))
    // Row-major symmetric data is its own column-major transpose; LAPACK's
    // column-major upper triangle is the row-major lower one.
    let info: Int32 = BLAS.withThreads(threads) {
      a.withUnsafeMutableBufferPointer { buf in
        let f = LAPACKE_spotrf_work(LAPACK_COL_MAJOR, uplo, Int32(n), buf.baseAddress!, Int32(n))
        if f != 0 { return f }
        return LAPACKE_spotri_work(LAPACK_COL_MAJOR, uplo, Int32(n), buf.baseAddress!, Int32(n))
      }
    }
    if info > 0 { throw EASEError.notPositiveDefinite(order: Int(info), lambda: lambda) }
    precondition(info == 0, "LAPACK argument error \(info)")
    // Mirror the lower triangle (row >= column) into the upper, in tiles.
    let tile = 64
    a.withUnsafeMutableBufferPointer { buf in
      let p = buf.baseAddress!
      for r0 in stride(from: 0, to: n, by: tile) {
        for c0 in stride(from: r0, to: n, by: tile) {
          for r in r0..<min(n, r0 + tile) {
            let lo = max(c0, r + 1), hi = min(n, c0 + tile)
            if lo < hi { for c in lo..<hi { p[r * n + c] = p[c * n + r] } }
          }
        }
      }
    }
  }
}
