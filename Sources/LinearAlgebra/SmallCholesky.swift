import GramianKernels

/// A hand-written Cholesky solve for the many small SPD systems of ALS
/// (k up to a few hundred), avoiding LAPACK's per-call overhead (about 21 us
/// for a 64x64 `spotrf` + `spotrs` on this machine).
///
/// The input is row-major with the upper triangle valid (what `ssyrk` with
/// `CblasUpper` writes); the lower triangle is never read. The factor is
/// `A = Uᵀ U` with `U` upper triangular, computed right-looking so that every
/// inner loop is a contiguous axpy over a row of the upper triangle (C kernel
/// `gk_spd_solve_upper`, AVX2+FMA when available).
public enum SmallCholesky {
  /// Solves `A x = b` in place: `a` (`n x n`, upper triangle) is overwritten
  /// by `U`, `b` by `x`. Returns false (leaving `a` and `b` partly
  /// overwritten) when a pivot is not positive, i.e. A is not numerically SPD.
  /// - Complexity: n³/3 + 2n² flops.
  @inlinable
  public static func solveUpper(
    n: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
  ) -> Bool {
    gk_spd_solve_upper(n, a, b) == 0
  }
}
