import GramianTestSupport
import LinearAlgebra
import XCTest

final class SmallCholeskyTests: XCTestCase {
  /// The hand Cholesky (upper triangle input) against the float64 reference
  /// on random SPD systems of several sizes; the lower triangle is garbage
  /// on purpose, since it must never be read.
  func testSolveUpperMatchesFloat64Reference() throws {
    defer { Kernels.force(nil) }
    for build in Kernels.availableBuilds {
    Kernels.force(build)
    var rng = SeededGenerator(seed: 3)
    for n in [1, 2, 7, 8, 9, 12, 16, 17, 33, 64, 100, 128] {
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
      assertAllClose(x, ref, relative: 2e-3, absolute: 1e-4, "n = \(n), build \(build)")
    }
    }
  }

  /// The hand rank-m update against a scalar float64 loop, both builds,
  /// for sizes that exercise the 4-row blocks, the single-row tail and the
  /// aligned start below the diagonal.
  func testRankUpdateMatchesScalarLoop() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 8)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for (n, m, alpha) in [(5, 3, 1), (13, 6, -1), (64, 9, 1), (37, 21, 0.5), (128, 40, -1)] as [(Int, Int, Float)] {
        let g = (0..<(n * m)).map { _ in Float(rng.nextNormal()) }
        let a0 = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }
        var a = a0
        g.withUnsafeBufferPointer { gp in a.withUnsafeMutableBufferPointer { Kernels.symmetricRankUpdate(n: n, m: m, rows: gp.baseAddress!, into: $0.baseAddress!, alpha: alpha) } }
        for i in 0..<n {
          for j in i..<n {
            var s = Double(a0[i * n + j])
            for r in 0..<m { s += Double(alpha) * Double(g[r * n + i]) * Double(g[r * n + j]) }
            assertClose(Double(a[i * n + j]), s, relative: 1e-5, absolute: 1e-5, "n \(n) m \(m) (\(i), \(j))")
          }
        }
      }
    }
  }

  /// The register-tiled row product `C += alpha X B` against a float64
  /// triple loop, both builds, with row strides wider than the rows and
  /// shapes that exercise the 16- and 8-column blocks, the scalar column
  /// tail and row groups of 1 to 4.
  func testMultiplyRowsMatchesFloat64Loop() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 12)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for (m, n, kk) in [(1, 1, 1), (3, 8, 5), (8, 128, 128), (7, 29, 17), (6, 64, 3)] {
        let ldx = kk + 2, ldb = n + 3, ldc = n + 1
        let x = (0..<(m * ldx)).map { _ in Float(rng.nextNormal()) }
        let b = (0..<(kk * ldb)).map { _ in Float(rng.nextNormal()) }
        let c0 = (0..<(m * ldc)).map { _ in Float(rng.nextNormal()) }
        var c = c0
        x.withUnsafeBufferPointer { xp in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer {
          Kernels.multiplyRows(m: m, n: n, kk: kk, x: xp.baseAddress!, ldx: ldx, b: bp.baseAddress!, ldb: ldb, c: $0.baseAddress!, ldc: ldc, alpha: -0.5)
        } } }
        for r in 0..<m {
          for j in 0..<ldc {
            var s = Double(c0[r * ldc + j])
            if j < n { for q in 0..<kk { s -= 0.5 * Double(x[r * ldx + q]) * Double(b[q * ldb + j]) } }
            assertClose(Double(c[r * ldc + j]), s, relative: 1e-5, absolute: 1e-4, "m \(m) n \(n) kk \(kk) (\(r), \(j))")
          }
        }
      }
    }
  }

  /// The indexed-row kernels (weighted rank update of any sign, axpys,
  /// dots) against float64 loops, both builds, on rows read with an offset
  /// and stride from a larger matrix, repeated indices included.
  func testGatheredKernelsMatchFloat64Loops() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 21)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      // n = 16 with m <= 256 takes the gathered-copy kernel of the block solver.
      for (n, m, ld, off) in [(5, 3, 9, 2), (32, 40, 1024 / 8, 64), (64, 7, 70, 0), (19, 300, 25, 3), (16, 37, 40, 5),
                              (16, 256, 16, 0), (16, 257, 20, 1), (16, 1, 16, 0)] {
        let rowsCount = 11
        let base = (0..<(rowsCount * ld)).map { _ in Float(rng.nextNormal()) }
        let idx = (0..<m).map { _ in Int32(rng.next() % UInt64(rowsCount)) }
        let w = (0..<m).map { _ in Float(rng.nextNormal()) }
        let a0 = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }
        let y0 = (0..<n).map { _ in Float(rng.nextNormal()) }
        let s0 = (0..<m).map { _ in Float(rng.nextNormal()) }
        var a = a0, y = y0, s = s0
        base.withUnsafeBufferPointer { bp in idx.withUnsafeBufferPointer { ip in w.withUnsafeBufferPointer { wp in
          let h = bp.baseAddress! + off
          a.withUnsafeMutableBufferPointer { Kernels.gatheredRankUpdate(n: n, m: m, indices: ip.baseAddress!, base: h, ld: ld, weights: wp.baseAddress!, into: $0.baseAddress!) }
          y.withUnsafeMutableBufferPointer { Kernels.gatheredAxpys(n: n, m: m, indices: ip.baseAddress!, base: h, ld: ld, coefficients: wp.baseAddress!, into: $0.baseAddress!) }
          y0.withUnsafeBufferPointer { dp in s.withUnsafeMutableBufferPointer { Kernels.gatheredDotsAdd(n: n, m: m, indices: ip.baseAddress!, base: h, ld: ld, d: dp.baseAddress!, into: $0.baseAddress!) } }
        } } }
        func h(_ q: Int, _ j: Int) -> Double { Double(base[Int(idx[q]) * ld + off + j]) }
        for i in 0..<n {
          for j in i..<n {
            var e = Double(a0[i * n + j])
            for q in 0..<m { e += Double(w[q]) * h(q, i) * h(q, j) }
            assertClose(Double(a[i * n + j]), e, relative: 1e-4, absolute: 1e-4, "syrk n \(n) m \(m) (\(i), \(j))")
          }
          var e = Double(y0[i])
          for q in 0..<m { e += Double(w[q]) * h(q, i) }
          assertClose(Double(y[i]), e, relative: 1e-4, absolute: 1e-4, "axpys n \(n) m \(m) \(i)")
        }
        for q in 0..<m {
          var e = Double(s0[q])
          for j in 0..<n { e += h(q, j) * Double(y0[j]) }
          assertClose(Double(s[q]), e, relative: 1e-4, absolute: 1e-4, "dots n \(n) m \(m) \(q)")
        }
      }
    }
  }

  /// Row dots against a float64 loop, both builds, for every group size
  /// 1...8 and lengths with and without a scalar tail.
  func testRowDotsMatchFloat64Loop() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 30)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for count in 1...8 {
        for (m, n) in [(3, 5), (7, 64), (2, 37)] {
          let ldg = n + 2, ldx = n + 1, ldo = m + 3
          let g = (0..<(m * ldg)).map { _ in Float(rng.nextNormal()) }
          let x = (0..<(count * ldx)).map { _ in Float(rng.nextNormal()) }
          var out = [Float](repeating: .nan, count: count * ldo)
          g.withUnsafeBufferPointer { gp in x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer {
            Kernels.rowDots(m: m, n: n, count: count, g: gp.baseAddress!, ldg: ldg, x: xp.baseAddress!, ldx: ldx, out: $0.baseAddress!, ldo: ldo)
          } } }
          for t in 0..<count {
            for j in 0..<m {
              let e = (0..<n).map { Double(g[j * ldg + $0]) * Double(x[t * ldx + $0]) }.reduce(0, +)
              assertClose(Double(out[t * ldo + j]), e, relative: 1e-5, absolute: 1e-5, "count \(count) m \(m) n \(n)")
            }
          }
        }
      }
    }
  }

  /// Panel dots (the service's batched exact scoring) against a float64
  /// loop, both builds: item counts with and without a partial last panel,
  /// more than one 2,048-item tile, every query-group size and a tail group.
  func testPanelDotsMatchFloat64Loop() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 31)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for (n, d, count) in [(1, 3, 1), (13, 8, 5), (2_101, 16, 8), (4_100, 7, 11), (64, 64, 17)] {
        let ldv = d + 1, ldq = d + 2, ldo = n + 3
        let v = (0..<(n * ldv)).map { _ in Float(rng.nextNormal()) }
        let q = (0..<(count * ldq)).map { _ in Float(rng.nextNormal()) }
        var panels = [Float](repeating: .nan, count: (n + 7) / 8 * 8 * d)
        var out = [Float](repeating: .nan, count: count * ldo)
        v.withUnsafeBufferPointer { vp in panels.withUnsafeMutableBufferPointer {
          Kernels.packPanels8(n: n, d: d, v: vp.baseAddress!, ldv: ldv, out: $0.baseAddress!)
        } }
        panels.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { qp in out.withUnsafeMutableBufferPointer {
          Kernels.panelDots(n: n, d: d, panels: pp.baseAddress!, count: count, q: qp.baseAddress!, ldq: ldq, out: $0.baseAddress!, ldo: ldo)
        } } }
        for t in 0..<count {
          for j in 0..<n {
            let e = (0..<d).map { Double(v[j * ldv + $0]) * Double(q[t * ldq + $0]) }.reduce(0, +)
            assertClose(Double(out[t * ldo + j]), e, relative: 1e-5, absolute: 1e-5, "n \(n) d \(d) count \(count) t \(t) j \(j)")
          }
          for j in n..<ldo { XCTAssertTrue(out[t * ldo + j].isNaN, "wrote past row \(n)") }
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
