import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import IALS

/// The `hu` formulation against a float64 transcription of implicit's
/// equations (implicit/cpu/als.py, `user_linear_equation` and
/// `least_squares_cg`): `A = YᵀY + reg I + sum (c - 1) y yᵀ`,
/// `b = sum c y`, `c = alpha * r`.
final class ImplicitParityTests: XCTestCase {
  let train = Fixture.tiny(seed: 11)

  func implicitConfig(_ solver: ALSSolver) -> IALSConfig {
    var c = IALSConfig()
    c.factors = 4; c.epochs = 1; c.regularization = 0.05; c.alpha = 2
    c.formulation = .hu; c.confidence = .linear; c.unobservedWeight = 1
    c.initStd = 1; c.solver = solver; c.threads = 1; c.seed = 9
    return c
  }

  /// implicit's exact step for every row of `rows` (CSR) against `y`.
  func implicitExact(_ m: InteractionMatrix, y: Matrix, reg: Double, alpha: Double) -> [[Double]] {
    let k = y.columns
    let yty = DenseReference.gram(y)
    return (0..<m.userCount).map { u in
      var A = yty, rhs = [Double](repeating: 0, count: k)
      for a in 0..<k { A[a * k + a] += reg }
      for (i, r) in zip(m.items(ofUser: u), m.weights(ofUser: u)) {
        let c = alpha * Double(r)
        let f = y.row(Int(i)).map(Double.init)
        for a in 0..<k {
          rhs[a] += c * f[a]
          for b in 0..<k { A[a * k + b] += (c - 1) * f[a] * f[b] }
        }
      }
      return Cholesky.solveReference(A, rhs, n: k)!
    }
  }

  /// implicit's CG step (3 steps, warm start from `x0`).
  func implicitCG(_ m: InteractionMatrix, x0: Matrix, y: Matrix, reg: Double, alpha: Double, steps: Int) -> [[Double]] {
    let k = y.columns
    var yty = DenseReference.gram(y)
    for a in 0..<k { yty[a * k + a] += reg }
    func mv(_ v: [Double]) -> [Double] { (0..<k).map { a in (0..<k).reduce(0.0) { $0 + yty[a * k + $1] * v[$1] } } }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    return (0..<m.userCount).map { u in
      var x = x0.row(u).map(Double.init)
      let pairs = zip(m.items(ofUser: u), m.weights(ofUser: u)).map { (y.row(Int($0)).map(Double.init), alpha * Double($1)) }
      var r = mv(x).map { -$0 }
      for (f, c) in pairs { let s = c - (c - 1) * dot(f, x); for a in 0..<k { r[a] += s * f[a] } }
      var p = r
      var rsold = dot(r, r)
      if rsold < 1e-20 { return x }
      for _ in 0..<steps {
        var ap = mv(p)
        for (f, c) in pairs { let s = (c - 1) * dot(f, p); for a in 0..<k { ap[a] += s * f[a] } }
        let al = rsold / dot(p, ap)
        for a in 0..<k { x[a] += al * p[a]; r[a] -= al * ap[a] }
        let rsnew = dot(r, r)
        if rsnew < 1e-20 { break }
        for a in 0..<k { p[a] = r[a] + rsnew / rsold * p[a] }
        rsold = rsnew
      }
      return x
    }
  }

  func testHuExactMatchesImplicitEquations() throws {
    let config = implicitConfig(.exact)
    let model = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: config)
    let items0 = IALSModel.initialFactors(rows: 9, k: 4, config: config, stream: 1)
    let users = implicitExact(train, y: items0, reg: 0.05, alpha: 2)
    let items = implicitExact(train.transposed, y: Fixture.asMatrix(users), reg: 0.05, alpha: 2)
    assertAllClose(model.userFactors.storage, users.flatMap { $0 }, relative: 1e-4, absolute: 1e-5)
    assertAllClose(model.itemFactors.storage, items.flatMap { $0 }, relative: 1e-4, absolute: 1e-5)
  }

  func testHuCGMatchesImplicitCG() throws {
    let config = implicitConfig(.cg)
    let model = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: config)
    let users0 = IALSModel.initialFactors(rows: 12, k: 4, config: config, stream: 0)
    let items0 = IALSModel.initialFactors(rows: 9, k: 4, config: config, stream: 1)
    let users = implicitCG(train, x0: users0, y: items0, reg: 0.05, alpha: 2, steps: 3)
    let items = implicitCG(train.transposed, x0: items0, y: Fixture.asMatrix(users), reg: 0.05, alpha: 2, steps: 3)
    assertAllClose(model.userFactors.storage, users.flatMap { $0 }, relative: 1e-3, absolute: 1e-4)
    assertAllClose(model.itemFactors.storage, items.flatMap { $0 }, relative: 1e-3, absolute: 1e-4)
  }
}
