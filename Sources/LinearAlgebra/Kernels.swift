/// Small vector kernels over raw float32 buffers, for the inner loops of the
/// ALS solvers (dots, axpys, symmetric matrix-vector products).
///
/// Each kernel uses one `SIMD8<Float>` accumulator (on this machine one
/// accumulator beat four: the compiler scalarised the latter) and a scalar
/// tail. Results depend only on `n` and the data, never on threads.
public enum Kernels {
  /// The dot product `x · y` of two length-`n` vectors. O(n).
  @inlinable
  public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
      let a = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      let b = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
      acc = acc.addingProduct(a, b)
      i += 8
    }
    var s = acc.sum()
    while i < n { s += x[i] * y[i]; i += 1 }
    return s
  }

  /// `y += a * x` for length-`n` vectors. O(n).
  @inlinable
  public static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
    let av = SIMD8<Float>(repeating: a)
    var i = 0
    while i + 8 <= n {
      let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
      let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(y + i).storeBytes(of: yv.addingProduct(av, xv), as: SIMD8<Float>.self)
      i += 8
    }
    while i < n { y[i] += a * x[i]; i += 1 }
  }

  /// `y = A x` for a symmetric `n x n` row-major matrix `A` whose both
  /// triangles are filled (row `j` of A is its column `j`), computed as
  /// `sum_i x_i A[i, :]` so every pass reads a contiguous row.
  /// - Complexity: 2n² flops.
  @inlinable
  public static func symmetricMatVec(
    _ n: Int, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>
  ) {
    y.update(repeating: 0, count: n)
    for i in 0..<n { axpy(n, x[i], a + i * n, y) }
  }
}
