import GramianTestSupport
import LinearAlgebra
import XCTest

final class CholeskyTests: XCTestCase {
  /// LAPACK's float32 solve against the float64 hand-written reference on a
  /// random SPD system (A = MᵀM + I), relative tolerance 1e-4.
  func testFloatSolveMatchesFloat64Reference() throws {
    let n = 24
    var rng = SystemRandomNumberGenerator()
    var m = Matrix(rows: 40, columns: n)
    for i in 0..<m.storage.count { m.storage[i] = Float.random(in: -1...1, using: &rng) }
    var a = m.gram()
    for i in 0..<n { a[i, i] += 1 }
    let b = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    let ref = try XCTUnwrap(Cholesky.solveReference(a.storage.map(Double.init), b.map(Double.init), n: n))
    var aa = a.storage, x = b
    try aa.withUnsafeMutableBufferPointer { ap in
      try x.withUnsafeMutableBufferPointer { xp in try Cholesky.solve(n: n, a: ap.baseAddress!, b: xp.baseAddress!) }
    }
    assertAllClose(x, ref, relative: 1e-4, absolute: 1e-5)
  }

  func testNonPositiveDefiniteIsReported() {
    var a: [Float] = [1, 2, 2, 1]
    var b: [Float] = [1, 1]
    XCTAssertThrowsError(try a.withUnsafeMutableBufferPointer { ap in
      try b.withUnsafeMutableBufferPointer { bp in try Cholesky.solve(n: 2, a: ap.baseAddress!, b: bp.baseAddress!) }
    })
  }

  /// ssyrk Gram against a triple loop in float64.
  func testGramMatchesNaive() {
    var m = Matrix(rows: 7, columns: 5)
    for i in 0..<m.storage.count { m.storage[i] = Float(i % 11) * 0.25 - 1 }
    let g = m.gram()
    for a in 0..<5 {
      for b in 0..<5 {
        var s = 0.0
        for r in 0..<7 { s += Double(m[r, a]) * Double(m[r, b]) }
        assertClose(Double(g[a, b]), s, relative: 1e-6, absolute: 1e-6)
      }
    }
  }
}
