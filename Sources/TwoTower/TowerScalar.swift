import GramianKernels
import LinearAlgebra

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif

/// The scalar type of tower arithmetic. Training runs in `Float` (sgemm);
/// the same generic code instantiated with `Double` (dgemm) is the float64
/// reference path the finite-difference tests differentiate.
public protocol TowerScalar: BinaryFloatingPoint, Sendable {
  /// Row-major GEMM: `C = alpha op(A) op(B) + beta C` (BLAS `?gemm`).
  static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
    a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
  /// e^x.
  static func exp(_ x: Self) -> Self
  /// Natural logarithm.
  static func log(_ x: Self) -> Self
  /// Softmax cross-entropy of one row of `n` logits with the positive at
  /// `diagonal`: returns `-log softmax(row)[diagonal]` and overwrites the row
  /// with `scale · (softmax(row) - onehot)`. `-infinity` entries are masked
  /// columns (probability 0).
  static func softmaxRow(_ row: UnsafeMutablePointer<Self>, _ n: Int, diagonal: Int, scale: Self) -> Self
  /// `x = max(x, 0)` on `count` entries (NaN stays NaN).
  static func relu(_ x: UnsafeMutablePointer<Self>, count: Int)
  /// For a `rows x n` row-major block: with `activations`, zero `dz` where
  /// the activation is <= 0 (the ReLU mask); then `db[j] += sum_r dz[r][j]`,
  /// added row by row.
  static func reluMaskColumnSums(rows: Int, n: Int, activations: UnsafePointer<Self>?,
                                 dz: UnsafeMutablePointer<Self>, db: UnsafeMutablePointer<Self>)
  /// LayerNorm of `rows` rows of `d` (``LayerNormKernels``): writes `y`,
  /// the normalised `xhat` and `rstd = 1 / sqrt(var + eps)` per row.
  static func layerNormForward(rows: Int, d: Int, x: UnsafePointer<Self>, gamma: UnsafePointer<Self>,
                               beta: UnsafePointer<Self>, epsilon: Self, y: UnsafeMutablePointer<Self>,
                               xhat: UnsafeMutablePointer<Self>, rstd: UnsafeMutablePointer<Self>)
  /// LayerNorm's backward: `dx +=`, `dgamma +=`, `dbeta +=` (rows in order).
  static func layerNormBackward(rows: Int, d: Int, dy: UnsafePointer<Self>, xhat: UnsafePointer<Self>,
                                rstd: UnsafePointer<Self>, gamma: UnsafePointer<Self>, dx: UnsafeMutablePointer<Self>,
                                dgamma: UnsafeMutablePointer<Self>, dbeta: UnsafeMutablePointer<Self>)
  /// Row i of the `n x n` block (row stride `ld`) becomes the softmax of
  /// its entries `0...i`; entries past i become 0.
  static func causalSoftmax(n: Int, _ s: UnsafeMutablePointer<Self>, ld: Int)
  /// With `a` the causal softmax and `g = dL/da`: `g_ij = a_ij (g_ij - sum_k a_ik g_ik)`
  /// for `j <= i`, 0 past i.
  static func causalSoftmaxBackward(n: Int, _ a: UnsafePointer<Self>, lda: Int, _ g: UnsafeMutablePointer<Self>, ldg: Int)
}

extension TowerScalar {
  /// The plain Swift row (the float64 reference).
  @inlinable
  static func referenceSoftmaxRow(_ row: UnsafeMutablePointer<Self>, _ n: Int, diagonal i: Int, scale: Self) -> Self {
    var mx = -Self.infinity
    for j in 0..<n { mx = Swift.max(mx, row[j]) }
    let positive = row[i]
    var sum: Self = 0
    for j in 0..<n {
      let e = row[j] == -Self.infinity ? 0 : Self.exp(row[j] - mx)
      row[j] = e
      sum += e
    }
    let inv = scale / sum
    for j in 0..<n { row[j] *= inv }
    row[i] -= scale
    return Self.log(sum) + mx - positive
  }
}

extension TowerScalar {
  /// The plain Swift loops (the float64 reference).
  @inlinable
  static func referenceRelu(_ x: UnsafeMutablePointer<Self>, count: Int) {
    for j in 0..<count where x[j] < 0 { x[j] = 0 }
  }

  @inlinable
  static func referenceReluMaskColumnSums(rows: Int, n: Int, activations: UnsafePointer<Self>?,
                                          dz: UnsafeMutablePointer<Self>, db: UnsafeMutablePointer<Self>) {
    for r in 0..<rows {
      for j in 0..<n {
        if let a = activations, a[r * n + j] <= 0 { dz[r * n + j] = 0 }
        db[j] += dz[r * n + j]
      }
    }
  }
}

extension Float: TowerScalar {
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }
  @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
  @inlinable public static func log(_ x: Float) -> Float { logf(x) }
  /// The AVX2/FMA (or portable) kernel `gk_softmax_xent_row`.
  @inlinable
  public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int, diagonal: Int, scale: Float) -> Float {
    gk_softmax_xent_row(n, row, diagonal, scale)
  }
  /// The vectorised kernel `gk_relu`.
  @inlinable
  public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) { gk_relu(count, x) }
  /// The vectorised kernel `gk_relu_mask_column_sums` (same order of additions as the reference).
  @inlinable
  public static func reluMaskColumnSums(rows: Int, n: Int, activations: UnsafePointer<Float>?,
                                        dz: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>) {
    gk_relu_mask_column_sums(rows, n, activations, dz, db)
  }
}

extension Double: TowerScalar {
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    BLAS.dgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
               a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }
  @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
  @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
  @inlinable
  public static func softmaxRow(_ row: UnsafeMutablePointer<Double>, _ n: Int, diagonal: Int, scale: Double) -> Double {
    referenceSoftmaxRow(row, n, diagonal: diagonal, scale: scale)
  }
  @inlinable
  public static func relu(_ x: UnsafeMutablePointer<Double>, count: Int) { referenceRelu(x, count: count) }
  @inlinable
  public static func reluMaskColumnSums(rows: Int, n: Int, activations: UnsafePointer<Double>?,
                                        dz: UnsafeMutablePointer<Double>, db: UnsafeMutablePointer<Double>) {
    referenceReluMaskColumnSums(rows: rows, n: n, activations: activations, dz: dz, db: db)
  }
}

/// `C (m x n) = alpha op(A) op(B) + beta C` on whole arrays; skips empty shapes.
/// - Complexity: 2·m·n·k flops.
@inlinable
func gemm<T: TowerScalar>(
  transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: T = 1,
  _ a: [T], lda: Int, _ b: [T], ldb: Int, beta: T = 0, _ c: inout [T], ldc: Int
) {
  guard m > 0, n > 0 else { return }
  if k == 0 {
    if beta == 0 { for j in 0..<(m * ldc) { c[j] = 0 } } else if beta != 1 { for j in 0..<(m * ldc) { c[j] *= beta } }
    return
  }
  a.withUnsafeBufferPointer { ap in
    b.withUnsafeBufferPointer { bp in
      c.withUnsafeMutableBufferPointer { cp in
        T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
               a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
               beta: beta, c: cp.baseAddress!, ldc: ldc)
      }
    }
  }
}
