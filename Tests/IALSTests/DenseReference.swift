import InteractionData
import LinearAlgebra
@testable import IALS

/// Float64 references that work densely over the full U x I matrix, with
/// no Gram trick and no shared code with the solvers: the confidence, the
/// per-pair weights and targets of both formulations are written out again.
enum DenseReference {
  /// `YᵀY` in float64, row-major k x k.
  static func gram(_ y: Matrix) -> [Double] {
    let k = y.columns
    var g = [Double](repeating: 0, count: k * k)
    for i in 0..<y.rows { for a in 0..<k { for b in 0..<k { g[a * k + b] += Double(y[i, a]) * Double(y[i, b]) } } }
    return g
  }

  /// The confidence of an observed weight, from the formulas in the issue.
  static func confidence(_ r: Double, _ c: IALSConfig) -> Double {
    let alpha = Double(c.alpha), eps = Double(c.eps)
    switch (c.confidence, c.formulation) {
    case (.binary, .rendle): return 1
    case (.binary, .hu): return alpha
    case (.linear, .rendle): return 1 + alpha * r
    case (.linear, .hu): return alpha * r
    case (.log, _): return 1 + alpha * Foundation.log(1 + r / eps)
    }
  }

  /// Dense `|U| x |I|` observed weights (nil = unobserved).
  static func dense(_ m: InteractionMatrix) -> [[Double?]] {
    var d = [[Double?]](repeating: [Double?](repeating: nil, count: m.itemCount), count: m.userCount)
    for u in 0..<m.userCount {
      for (i, w) in zip(m.items(ofUser: u), m.weights(ofUser: u)) { d[u][Int(i)] = Double(w) }
    }
    return d
  }

  /// The pair's term of the loss as `weight * s² - 2 * target * s + const`.
  static func pairTerms(_ r: Double?, _ c: IALSConfig) -> (weight: Double, target: Double, const: Double) {
    let a0 = Double(c.unobservedWeight)
    guard let r else { return (a0, 0, 0) }
    let conf = confidence(r, c)
    switch c.formulation {
    case .rendle: return (conf + a0, conf, conf)   // c (s-1)² + a0 s²
    case .hu: return (conf, conf, conf)             // c (s-1)²
    }
  }

  static func lambda(_ n: Int, others: Int, _ c: IALSConfig) -> Double {
    Double(c.regularization) * Foundation.pow(Double(n) + Double(c.unobservedWeight) * Double(others), Double(c.regularizationExponent))
  }

  /// Rows of `dense` (rows x others) solved exactly against `fixed`.
  static func halfStep(_ dense: [[Double?]], fixed: Matrix, config: IALSConfig) -> [[Double]] {
    let k = fixed.columns
    return dense.map { row in
      var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
      for (i, r) in row.enumerated() {
        let t = pairTerms(r, config)
        let h = fixed.row(i).map(Double.init)
        for x in 0..<k {
          b[x] += t.target * h[x]
          for y in 0..<k { a[x * k + y] += t.weight * h[x] * h[y] }
        }
      }
      let lam = lambda(row.compactMap { $0 }.count, others: row.count, config)
      for x in 0..<k { a[x * k + x] += lam }
      return Cholesky.solveReference(a, b, n: k)!
    }
  }

  static func transpose(_ d: [[Double?]]) -> [[Double?]] {
    guard let first = d.first else { return [] }
    return (0..<first.count).map { i in d.map { $0[i] } }
  }

  /// The loss, summing every (u, i) pair explicitly.
  static func loss(_ dense: [[Double?]], users: Matrix, items: Matrix, config: IALSConfig) -> Double {
    var total = 0.0
    for (u, row) in dense.enumerated() {
      for (i, r) in row.enumerated() {
        var s = 0.0
        for x in 0..<users.columns { s += Double(users[u, x]) * Double(items[i, x]) }
        let t = pairTerms(r, config)
        total += t.weight * s * s - 2 * t.target * s + t.const
      }
    }
    let cols = transpose(dense)
    for (u, row) in dense.enumerated() {
      total += lambda(row.compactMap { $0 }.count, others: cols.count, config) * users.row(u).reduce(0) { $0 + Double($1) * Double($1) }
    }
    for (i, col) in cols.enumerated() {
      total += lambda(col.compactMap { $0 }.count, others: dense.count, config) * items.row(i).reduce(0) { $0 + Double($1) * Double($1) }
    }
    return total
  }
}

import Foundation

/// Tiny fixtures.
enum Fixture {
  /// 12 users x 9 items, about 40% dense, weights in 1...5; user 11 has no items.
  static func tiny(seed: UInt64 = 7) -> InteractionMatrix {
    var rng = SeededGenerator(seed: seed)
    var us: [Int32] = [], its: [Int32] = [], ws: [Float] = []
    for u in 0..<11 {
      for i in 0..<9 where rng.nextUnit() < 0.4 || i == u % 9 {
        us.append(Int32(u)); its.append(Int32(i)); ws.append(Float(1 + Int(rng.nextUnit() * 5)))
      }
    }
    return InteractionMatrix(userCount: 12, itemCount: 9, users: us, items: its, weights: ws)
  }

  static func config(_ solver: ALSSolver = .exact, formulation: ALSFormulation = .rendle) -> IALSConfig {
    var c = IALSConfig()
    c.factors = 4
    c.epochs = 1
    c.regularization = 0.1
    c.regularizationExponent = 0.5
    c.unobservedWeight = 0.3
    c.confidence = .linear
    c.alpha = 0.7
    c.formulation = formulation
    c.initStd = 1
    c.solver = solver
    c.threads = 2
    c.seed = 42
    return c
  }

  static func random(rows: Int, k: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    return Matrix(rows: rows, columns: k, storage: (0..<(rows * k)).map { _ in Float(rng.nextNormal() * 0.5) })
  }

  static func asMatrix(_ rows: [[Double]]) -> Matrix {
    Matrix(rows: rows.count, columns: rows.first?.count ?? 0, storage: rows.flatMap { $0.map(Float.init) })
  }
}
