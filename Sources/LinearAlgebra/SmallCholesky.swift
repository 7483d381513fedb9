/// A hand-written Cholesky solve for the many small SPD systems of ALS
/// (k up to a few hundred), avoiding LAPACK's per-call overhead (about 21 us
/// for a 64x64 `spotrf` + `spotrs` on this machine).
///
/// The input is row-major with the upper triangle valid (what `ssyrk` with
/// `CblasUpper` writes); the lower triangle is never read. The factor is
/// `A = Uᵀ U` with `U` upper triangular, computed right-looking so that every
/// inner loop is a contiguous axpy over a row of the upper triangle.
public enum SmallCholesky {
  /// Solves `A x = b` in place: `a` (`n x n`, upper triangle) is overwritten
  /// by `U`, `b` by `x`. Returns false (leaving `a` and `b` partly
  /// overwritten) when a pivot is not positive, i.e. A is not numerically SPD.
  /// - Complexity: n³/3 + 2n² flops.
  @inlinable
  public static func solveUpper(
    n: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
  ) -> Bool {
    // Factor: for each pivot p, scale row p of U, then subtract its outer
    // product from the trailing upper triangle, row by row.
    for p in 0..<n {
      let rowP = a + p * n
      let d = rowP[p]
      guard d > 0, d.isFinite else { return false }
      let s = d.squareRoot()
      rowP[p] = s
      let inv = 1 / s
      for j in (p + 1)..<max(p + 1, n) { rowP[j] *= inv }
      for i in (p + 1)..<max(p + 1, n) {
        let f = -rowP[i]
        Kernels.axpy(n - i, f, rowP + i, a + i * n + i)
      }
    }
    // Forward solve Uᵀ y = b (column-oriented: y_p, then b[j>p] -= U[p,j] y_p).
    for p in 0..<n {
      let rowP = a + p * n
      let y = b[p] / rowP[p]
      b[p] = y
      if p + 1 < n { Kernels.axpy(n - p - 1, -y, rowP + p + 1, b + p + 1) }
    }
    // Back solve U x = y (row-oriented dots over contiguous rows).
    var i = n - 1
    while i >= 0 {
      let rowI = a + i * n
      let s = i + 1 < n ? Kernels.dot(n - i - 1, rowI + i + 1, b + i + 1) : 0
      b[i] = (b[i] - s) / rowI[i]
      i -= 1
    }
    return true
  }
}
