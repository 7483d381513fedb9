import LinearAlgebra
@testable import TwoTower

/// Central finite differences in float64: `(f(x + h e_j) - f(x - h e_j)) / 2h`
/// for every coordinate j of `x` (or the listed ones). Truncation error is
/// O(h²·f'''), so with h = 1e-5 and smooth f the agreement with an exact
/// gradient is about 1e-8 relative; ReLU kinks are avoided by the fixtures
/// (no pre-activation within h of 0 with overwhelming probability).
func numericGradient(_ x: [Double], h: Double = 1e-5, indices: [Int]? = nil, _ f: ([Double]) -> Double) -> [Double] {
  var g = [Double](repeating: 0, count: x.count)
  for j in indices ?? Array(0..<x.count) {
    var p = x, m = x
    p[j] += h; m[j] -= h
    g[j] = (f(p) - f(m)) / (2 * h)
  }
  return g
}

/// Uniform values in [-scale, scale) from a seeded stream.
func randomValues(_ n: Int, seed: UInt64, scale: Double = 1) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<n).map { _ in scale * (2 * rng.nextUnit() - 1) }
}

/// `sum_j a_j b_j`: a random linear probe turns a vector output into a scalar.
func probe(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// Dense gradient of a table from a sparse one.
func dense(_ g: SparseRows<Double>, rows: Int) -> [Double] {
  (0..<rows).flatMap { g.gradient(ofRow: $0) }
}
