import GramianKernels

/// One build of the hand kernels: the same C source compiled three times.
/// Printed as its case name (`avx512`), as `GRAMIAN_KERNELS` spells it.
public enum KernelBuild: Int, Sendable, CaseIterable {
  /// Baseline x86-64 (or any other architecture): no fused multiply-add.
  case portable = 0
  /// AVX2 with FMA, eight-lane registers.
  case avx2 = 1
  /// AVX-512 F/VL/BW/DQ, sixteen-lane registers where each output's
  /// arithmetic stays the same: bit for bit the AVX2 build's results.
  case avx512 = 2
}

/// Small vector kernels over raw float32 buffers for the inner loops of the
/// ALS solvers. They call the C kernels of `GramianKernels`, which run an
/// AVX-512 build when the CPU has it, an AVX2+FMA build when it has that, and
/// a portable build otherwise (chosen once at run time; Swift itself compiles
/// for baseline x86-64, where `SIMD8.addingProduct` even becomes eight `fmaf`
/// calls). `GRAMIAN_KERNELS=portable|avx2|avx512` in the environment caps the
/// choice. Results depend only on the data and the chosen build, never on
/// threads; the AVX2 and AVX-512 builds agree bit for bit.
package enum Kernels {
  /// The build in use.
  public static var build: KernelBuild { KernelBuild(rawValue: Int(gk_level())) ?? .portable }

  /// The builds this CPU can run (portable first), for tests that check each
  /// against references.
  public static var availableBuilds: [KernelBuild] {
    KernelBuild.allCases.filter { $0.rawValue <= Int(gk_detected_level()) }
  }

  /// Whether the AVX2+FMA or AVX-512 builds are in use.
  public static var usingAVX2: Bool { gk_using_avx2() != 0 }

  /// Caps the builds at `build` (nil restores detection); for tests that
  /// check every build against references.
  public static func force(_ build: KernelBuild?) { gk_force_level(Int32(build?.rawValue ?? -1)) }

  /// Writes to `out` the indices j (ascending) of `scores[0..<n]` with
  /// `scores[j] + bias[j] > threshold` (`bias` nil: `scores[j] > threshold`;
  /// NaN never passes) and returns how many; `out` must hold `n`. Eight or
  /// sixteen compares a step. O(n).
  @inlinable
  public static func scanAbove(
    _ scores: UnsafePointer<Float>, bias: UnsafePointer<Float>?, count n: Int, threshold: Float,
    into out: UnsafeMutablePointer<Int32>
  ) -> Int {
    gk_scan_above(scores, bias, n, threshold, out)
  }

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

  /// `A += alpha Σ_r g_r g_rᵀ` over the `m` contiguous rows of `g` (length `n`),
  /// upper triangle of the row-major `n x n` matrix `a` only: a rank-m
  /// update by 4 x 16 register tiles, without BLAS call overhead (faster
  /// than OpenBLAS `ssyrk` for the n <= 128 of ALS rows). About n²·m flops.
  @inlinable
  public static func symmetricRankUpdate(
    n: Int, m: Int, rows g: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, alpha: Float = 1
  ) {
    gk_syrk_upper(n, m, g, a, alpha)
  }

  /// `C += alpha X B` for row-major `X` (`m x kk`, row stride `ldx`),
  /// `B` (`kk x n`, `ldb`) and `C` (`m x n`, `ldc`), by 4 x 16 register
  /// tiles; every element of `C` is one in-order sum over `kk`, so a row's
  /// result does not depend on `m`. 2·m·n·kk flops.
  @inlinable
  public static func multiplyRows(
    m: Int, n: Int, kk: Int, x: UnsafePointer<Float>, ldx: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1
  ) {
    gk_gemm_rows(m, n, kk, x, ldx, b, ldb, c, ldc, alpha)
  }

  /// Conjugate gradient for up to 8 rows of a CSR side in lockstep: row `t`
  /// is `rows[first + t]` (or `first + t` when `rows` is nil). Each row solves
  /// `(gram + lambda[row] I + Σ_q a_q h_q h_qᵀ) x = Σ_q b_q h_q` over its
  /// range `offsets[row]..<offsets[row + 1]`, `h_q` = row `indices[q]` of
  /// `fixed`, warm-started from its row of `target`, `steps` steps. The
  /// group's Gram products are one register-tiled product per step; a row's
  /// arithmetic does not depend on the rest of its group.
  ///
  /// The first pass copies each row's `h_q` into the scratch after the CG
  /// vectors (up to `gatherCapacity` floats for the group, rows in order while
  /// they fit), so the steps read a contiguous, cache-resident copy instead of
  /// rows scattered over a matrix larger than the cache; the rest are read in
  /// place with software prefetch. The copy changes no arithmetic, so results
  /// do not depend on `gatherCapacity`.
  /// `scratch` holds `4·count·k + gatherCapacity` floats.
  @inlinable
  public static func conjugateGradientRows(
    k: Int, count: Int, rows: UnsafePointer<Int32>?, first: Int, offsets: UnsafePointer<Int>,
    indices: UnsafePointer<Int32>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    lambda: UnsafePointer<Float>, gram: UnsafePointer<Float>, fixed: UnsafePointer<Float>,
    target: UnsafeMutablePointer<Float>, steps: Int, scratch: UnsafeMutablePointer<Float>,
    gatherCapacity: Int = 0
  ) {
    precondition(count >= 0 && count <= 8 && gatherCapacity >= 0)
    gk_cg_rows(k, count, rows, first, offsets, indices, a, b, lambda, gram, fixed, target, steps, scratch, gatherCapacity)
  }

  /// The exact ALS solve of one row with `n` observations by the Woodbury
  /// identity (`x = A⁻¹ Σ b_q h_q`, `A = UᵀU + Σ a_q h_q h_qᵀ`, every
  /// `a_q > 0`, `h_q` = row `indices[q]` of `fixed`, k floats), given
  /// `uinv = U⁻¹` (`k x k` upper triangular, row-major, zeros below). About
  /// `n k² + n² k/2 + n³/3 + 2k²` flops. `scratch` holds
  /// `2nk + n² + 3k + n` floats. Returns false when the `n x n` system is not
  /// positive definite (non-finite input).
  @inlinable
  public static func shortRowSolve(
    k: Int, n: Int, indices: UnsafePointer<Int32>, fixed: UnsafePointer<Float>, a: UnsafePointer<Float>,
    b: UnsafePointer<Float>, uinv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    into x: UnsafeMutablePointer<Float>
  ) -> Bool {
    gk_short_row_solve(k, n, indices, fixed, a, b, uinv, scratch, x) == 0
  }

  /// `out[j] = U[users[j]] · V[items[j]] + bias[items[j]]` (no bias when nil)
  /// for `j < n`, rows of `d` floats, each dot the arithmetic of ``dot(_:_:_:)``;
  /// rows of later pairs are prefetched. The ids must be valid rows.
  @inlinable
  public static func pairDots(
    n: Int, d: Int, users: UnsafePointer<Int32>, items: UnsafePointer<Int32>, u: UnsafePointer<Float>,
    v: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>
  ) {
    gk_pair_dots(n, d, users, items, u, v, bias, out)
  }

  /// `A += Σ_q w_q h_q h_qᵀ` on the upper triangle of the row-major `n x n`
  /// matrix `a`, with the rows `h_q = base + indices[q] * ld` (`n` floats)
  /// read in place, any sign of `w_q`: the weighted rank-m update of ALS
  /// rows without a gathered copy, by 4 x 16 register tiles. About n²·m flops.
  @inlinable
  public static func gatheredRankUpdate(
    n: Int, m: Int, indices: UnsafePointer<Int32>, base: UnsafePointer<Float>, ld: Int,
    weights: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>
  ) {
    gk_gathered_syrk_upper(n, m, indices, base, ld, weights, a)
  }

  /// `y += Σ_q coef_q h_q` over the indexed rows `h_q = base + indices[q] * ld`. 2·n·m flops.
  @inlinable
  public static func gatheredAxpys(
    n: Int, m: Int, indices: UnsafePointer<Int32>, base: UnsafePointer<Float>, ld: Int,
    coefficients: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
  ) {
    gk_gathered_axpys(n, m, indices, base, ld, coefficients, y)
  }

  /// `s_q += h_q · d` over the indexed rows `h_q = base + indices[q] * ld`. 2·n·m flops.
  @inlinable
  public static func gatheredDotsAdd(
    n: Int, m: Int, indices: UnsafePointer<Int32>, base: UnsafePointer<Float>, ld: Int,
    d: UnsafePointer<Float>, into s: UnsafeMutablePointer<Float>
  ) {
    gk_gathered_dots_add(n, m, indices, base, ld, d, s)
  }

  /// `out[t * ldo + j] = g_j · x_t` for `j < m`, `t < count <= 8`, with rows
  /// `g_j = g + j * ldg` and `x_t = x + t * ldx` of `n` floats: every `g_j` is
  /// read once for all the `x_t` (e.g. a block of rows of a large symmetric
  /// Gram matrix against a group of factor rows, with contiguous reads).
  /// Each output is its own in-order sum. 2·m·n·count flops.
  @inlinable
  public static func rowDots(
    m: Int, n: Int, count: Int, g: UnsafePointer<Float>, ldg: Int, x: UnsafePointer<Float>, ldx: Int,
    out: UnsafeMutablePointer<Float>, ldo: Int
  ) {
    precondition(count >= 0 && count <= 8)
    gk_rows_dots(m, n, count, g, ldg, x, ldx, out, ldo)
  }

  /// `v` (`n` rows of `d` floats, row stride `ldv`) in panels of 8 rows for
  /// ``panelDots(n:d:panels:count:q:ldq:out:ldo:)``: `out[(p·d + k)·8 + s] =
  /// v[8p + s][k]`, zero past row `n`. `out` holds `((n + 7) / 8)·8·d` floats.
  public static func packPanels8(n: Int, d: Int, v: UnsafePointer<Float>, ldv: Int, out: UnsafeMutablePointer<Float>) {
    gk_pack_panels8(n, d, v, ldv, out)
  }

  /// `out[t·ldo + j] = q_t · v_j` for `t < count`, `j < n`, with `v` packed by
  /// ``packPanels8(n:d:v:ldv:out:)``: the items sit in SIMD lanes (no
  /// horizontal sums) and each panel is read once per 8 queries. Each output
  /// is one in-order sum over `d`. 2·n·d·count flops, no copy of `v`.
  public static func panelDots(
    n: Int, d: Int, panels: UnsafePointer<Float>, count: Int, q: UnsafePointer<Float>, ldq: Int,
    out: UnsafeMutablePointer<Float>, ldo: Int
  ) {
    gk_panel_dots(n, d, panels, count, q, ldq, out, ldo)
  }

  /// iALS++ block right-hand side `y += Σ_q (b_q - a_q s_q) h_q` over the
  /// indexed rows `h_q = base + indices[q] * ld` (`n` floats). For `n` a
  /// multiple of 8 up to 64 the vector `y` stays in registers. 2·n·m flops.
  @inlinable
  public static func blockRightHandSide(
    n: Int, m: Int, indices: UnsafePointer<Int32>, base: UnsafePointer<Float>, ld: Int,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, s: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>
  ) {
    gk_block_rhs(n, m, indices, base, ld, a, b, s, y)
  }

  /// `s_q += h_q · d` over the indexed rows `h_q = base + indices[q] * ld`
  /// (`n` floats); for `n` a multiple of 8 up to 64, eight dots are reduced
  /// at once with `d` in registers. Each `s_q`'s arithmetic does not depend
  /// on `q`'s position. 2·n·m flops.
  @inlinable
  public static func blockDotsAdd(
    n: Int, m: Int, indices: UnsafePointer<Int32>, base: UnsafePointer<Float>, ld: Int,
    d: UnsafePointer<Float>, into s: UnsafeMutablePointer<Float>
  ) {
    gk_block_dots_add(n, m, indices, base, ld, d, s)
  }
}
