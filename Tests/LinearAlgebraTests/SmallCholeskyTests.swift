import GramianTestSupport
import LinearAlgebra
import XCTest

final class SmallCholeskyTests: XCTestCase {
  /// The hand Cholesky (upper triangle input) against the float64 reference
  /// on random SPD systems of several sizes; the lower triangle is garbage
  /// on purpose, since it must never be read.
  func testSolveUpperMatchesFloat64Reference() throws {
    defer { Kernels.forcePortable(false) }
    for portable in [false, true] {
    Kernels.forcePortable(portable)
    var rng = SeededGenerator(seed: 3)
    for n in [1, 2, 7, 8, 9, 33, 64] {
      var m = Matrix(rows: n + 5, columns: n)
      for i in 0..<m.storage.count { m.storage[i] = Float(rng.nextNormal()) }
      var a = m.gram()
      for i in 0..<n { a[i, i] += 0.5 }
      let b = (0..<n).map { _ in Float(rng.nextNormal()) }
      let ref = try XCTUnwrap(Cholesky.solveReference(a.storage.map(Double.init), b.map(Double.init), n: n))
      var upper = a.storage
      for r in 0..<n { for c in 0..<r { upper[r * n + c] = .nan } }
      var x = b
      let ok = upper.withUnsafeMutableBufferPointer { ap in
        x.withUnsafeMutableBufferPointer { SmallCholesky.solveUpper(n: n, a: ap.baseAddress!, b: $0.baseAddress!) }
      }
      XCTAssertTrue(ok)
      assertAllClose(x, ref, relative: 2e-3, absolute: 1e-4, "n = \(n), portable \(portable)")
    }
    }
  }

  /// The hand rank-m update against a scalar float64 loop, both builds,
  /// for sizes that exercise the 4-row blocks, the single-row tail and the
  /// aligned start below the diagonal.
  func testRankUpdateMatchesScalarLoop() {
    defer { Kernels.forcePortable(false) }
    var rng = SeededGenerator(seed: 8)
    for portable in [false, true] {
      Kernels.forcePortable(portable)
      for (n, m) in [(5, 3), (13, 6), (64, 9)] {
        let g = (0..<(n * m)).map { _ in Float(rng.nextNormal()) }
        let a0 = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }
        var a = a0
        g.withUnsafeBufferPointer { gp in a.withUnsafeMutableBufferPointer { Kernels.symmetricRankUpdate(n: n, m: m, rows: gp.baseAddress!, into: $0.baseAddress!) } }
        for i in 0..<n {
          for j in i..<n {
            var s = Double(a0[i * n + j])
            for r in 0..<m { s += Double(g[r * n + i]) * Double(g[r * n + j]) }
            assertClose(Double(a[i * n + j]), s, relative: 1e-5, absolute: 1e-5, "n \(n) m \(m) (\(i), \(j))")
          }
        }
      }
    }
  }

  func testNotPositiveDefiniteReturnsFalse() {
    var a: [Float] = [1, 2, 2, 1], b: [Float] = [1, 1]
    let ok = a.withUnsafeMutableBufferPointer { ap in b.withUnsafeMutableBufferPointer { SmallCholesky.solveUpper(n: 2, a: ap.baseAddress!, b: $0.baseAddress!) } }
    XCTAssertFalse(ok)
  }

  func testKernelsMatchScalarLoops() {
    var rng = SeededGenerator(seed: 5)
    for n in [0, 1, 7, 8, 19] {
      let x = (0..<n).map { _ in Float(rng.nextNormal()) }, y = (0..<n).map { _ in Float(rng.nextNormal()) }
      let d = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { Kernels.dot(n, xp.baseAddress!, $0.baseAddress!) } }
      assertClose(Double(d), zip(x, y).map { Double($0) * Double($1) }.reduce(0, +), relative: 1e-5, absolute: 1e-5)
      var z = y
      x.withUnsafeBufferPointer { xp in z.withUnsafeMutableBufferPointer { Kernels.axpy(n, 0.5, xp.baseAddress!, $0.baseAddress!) } }
      assertAllClose(z, zip(x, y).map { 0.5 * $0 + $1 }, relative: 1e-6, absolute: 1e-6)
    }
  }
}
