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

  /// The Gram (ssyrk on OpenBLAS, sgemm on oneDNN) against a triple loop in
  /// float64, through each backend this machine has; exactly symmetric.
  func testGramMatchesNaive() {
    defer { BLAS.forceGEMM(nil) }
    for backend in BLAS.availableGEMMBackends {
      BLAS.forceGEMM(backend)
      for (rows, columns) in [(7, 5), (300, 33)] {
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = Float(i % 11) * 0.25 - 1 }
        let g = m.gram()
        for a in 0..<columns {
          for b in 0..<columns {
            var s = 0.0, mass = 0.0
            for r in 0..<rows {
              s += Double(m[r, a]) * Double(m[r, b])
              mass += abs(Double(m[r, a]) * Double(m[r, b]))
            }
            assertClose(Double(g[a, b]), s, relative: 0, absolute: 1e-6 * mass + 1e-6, "\(backend) \(rows)x\(columns)")
            XCTAssertEqual(g[a, b].bitPattern, g[b, a].bitPattern, "\(backend): not symmetric at (\(a), \(b))")
          }
        }
      }
    }
  }
}
