import GramianKernels

/// Small vector kernels over raw float32 buffers for the inner loops of the
/// ALS solvers. They call the C kernels of `GramianKernels`, which run an
/// AVX2+FMA build when the CPU has it and a portable build otherwise
/// (chosen once at run time; Swift itself compiles for baseline x86-64,
/// where `SIMD8.addingProduct` even becomes eight `fmaf` calls).
/// Results depend only on the data and the chosen build, never on threads.
public enum Kernels {
  /// Whether the AVX2+FMA builds are in use.
  public static var usingAVX2: Bool { gk_using_avx2() != 0 }

  /// Forces the portable builds (`true`) or restores detection; for tests
  /// that check both builds against references.
  public static func forcePortable(_ on: Bool) { gk_force_portable(on ? 1 : 0) }

  /// The dot product `x · y` of two length-`n` vectors. 2n flops.
  @inlinable
  public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
    gk_dot(n, x, y)
  }

  /// `y += a * x` for length-`n` vectors. 2n flops.
  @inlinable
  public static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    gk_axpy(n, a, x, y)
  }

  /// `y = A x` for a symmetric `n x n` row-major matrix with both triangles
  /// filled. 2n² flops.
  @inlinable
  public static func symmetricMatVec(
    _ n: Int, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
  ) {
    gk_symv(n, a, x, y)
  }

  /// `A += Σ_r g_r g_rᵀ` over the `m` contiguous rows of `g` (length `n`),
  /// upper triangle of the row-major `n x n` matrix `a` only: a rank-m
  /// update without BLAS call overhead, for small m. n²·m flops.
  @inlinable
  public static func symmetricRankUpdate(
    n: Int, m: Int, rows g: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>
  ) {
    gk_syrk_upper(n, m, g, a)
  }

  /// One conjugate-gradient row solve (see `CGSolver` in the IALS module):
  /// `steps` CG steps on `(gram + lam I + Σ_q a_q h_q h_qᵀ) x = Σ_q b_q h_q`,
  /// `h_q` = row `idx[q]` of `fixed` (`k` wide), warm-started from `x`.
  /// `scratch` holds 3k floats.
  @inlinable
  public static func conjugateGradientRow(
    k: Int, count n: Int, gram: UnsafePointer<Float>, lambda: Float, indices: UnsafePointer<Int32>,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, fixed: UnsafePointer<Float>,
    x: UnsafeMutablePointer<Float>, steps: Int, scratch: UnsafeMutablePointer<Float>
  ) {
    gk_cg_row(k, n, gram, lambda, indices, a, b, fixed, x, steps, scratch)
  }
}
