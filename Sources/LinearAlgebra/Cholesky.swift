import CLAPACK

/// Errors from dense solvers.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
  /// The matrix is not (numerically) symmetric positive definite; the leading
  /// minor of the given order is not positive.
  case notPositiveDefinite(order: Int)

  public var description: String {
    switch self {
    case .notPositiveDefinite(let order):
      return "matrix is not positive definite (leading minor of order \(order) is not positive); increase the regularisation"
    }
  }
}

/// Solves symmetric positive definite systems `A x = b` by Cholesky.
public enum Cholesky {
  /// Solves `A x = b` in place through LAPACK's `spotrf`/`spotrs` (`_work`
  /// variants, no NaN scan). `a` is `n x n` (either triangle order works,
  /// as A is symmetric) and is overwritten by its factor; `b` (`n` values)
  /// is overwritten by `x`.
  /// - Complexity: n³/3 + 2n² flops.
  @inlinable
  public static func solve(
    n: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>
  ) throws(LinearAlgebraError) {
    // Row-major symmetric data is its own column-major transpose.
    let info = LAPACKE_spotrf_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), a, Int32(n))
    if info > 0 { throw .notPositiveDefinite(order: Int(info)) }
    _ = LAPACKE_spotrs_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "U")), Int32(n), 1, a, Int32(n), b, Int32(n))
  }

  /// Float64 reference solve (plain Cholesky–Banachiewicz, no LAPACK) for
  /// tests: returns x with `A x = b`, or nil when A is not SPD.
  public static func solveReference(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0...i {
        var s = a[i * n + j]
        for p in 0..<j { s -= l[i * n + p] * l[j * n + p] }
        if i == j {
          if s <= 0 { return nil }
          l[i * n + i] = s.squareRoot()
        } else {
          l[i * n + j] = s / l[j * n + j]
        }
      }
    }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var s = b[i]
      for p in 0..<i { s -= l[i * n + p] * y[p] }
      y[i] = s / l[i * n + i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
      var s = y[i]
      for p in (i + 1)..<n { s -= l[p * n + i] * x[p] }
      x[i] = s / l[i * n + i]
    }
    return x
  }
}
