/// Loss terms on the diagonal pairs `(u_i, v_i)` of a batch.
enum PointwiseTerms {
  /// MSE to target 1 on the observed pairs: `sum_i (<u_i, v_i> - 1)²`;
  /// adds `2 e_i v_i` to `dU_i` and `2 e_i u_i` to `dV_i` (`e_i` the error).
  /// - Complexity: O(B·d).
  static func mse<T: TowerScalar>(u: [T], v: [T], rows b: Int, dim d: Int, dU: inout [T], dV: inout [T]) -> T {
    var total: T = 0
    for i in 0..<b {
      var s: T = 0
      for j in 0..<d { s += u[i * d + j] * v[i * d + j] }
      let e = s - 1
      total += e * e
      for j in 0..<d {
        dU[i * d + j] += 2 * e * v[i * d + j]
        dV[i * d + j] += 2 * e * u[i * d + j]
      }
    }
    return total
  }

  /// Weighted squared norms `lambda sum_r a_r |x_r|²`; adds `2 lambda a_r x_r` to `dx`.
  /// - Complexity: O(rows·d).
  static func l2<T: TowerScalar>(_ x: [T], rows: Int, dim d: Int, weights a: [T], lambda: T, dx: inout [T]) -> T {
    var total: T = 0
    for r in 0..<rows {
      var s: T = 0
      for j in 0..<d { s += x[r * d + j] * x[r * d + j]; dx[r * d + j] += 2 * lambda * a[r] * x[r * d + j] }
      total += lambda * a[r] * s
    }
    return total
  }
}
