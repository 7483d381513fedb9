import GramianKernels
import GramianTestSupport
import LinearAlgebra
import XCTest

/// The AVX-512 build of the hand kernels against the AVX2 build, bit for
/// bit. The AVX-512 build widens only loops where each output keeps the AVX2
/// build's fused multiply-adds in the same order, so every output must have
/// the same bit pattern; the float64 references of the other kernel tests
/// (which loop over every build) check the values themselves. Sizes cover the
/// 32-, 16- and 8-lane blocks and the scalar tails. Skipped on CPUs without
/// AVX-512 (the other tests still cover the builds they have).
final class KernelBuildTests: XCTestCase {
  override func tearDown() { Kernels.force(nil) }

  private static let sizes = [1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 48, 63, 64, 65, 100, 128, 129, 200]

  private func requireAVX512() throws {
    guard Kernels.availableBuilds.contains(.avx512) else {
      throw XCTSkip("this CPU has no AVX-512 F/VL/BW/DQ (or GRAMIAN_KERNELS caps the build); builds: \(Kernels.availableBuilds)")
    }
  }

  /// Runs `body` under the AVX2 and the AVX-512 build and asserts that the
  /// floats it returns have the same bit patterns.
  private func assertSameBits(_ label: String, _ body: () -> [Float], file: StaticString = #filePath, line: UInt = #line) {
    Kernels.force(.avx2)
    XCTAssertEqual(Kernels.build, .avx2)
    let narrow = body()
    Kernels.force(.avx512)
    XCTAssertEqual(Kernels.build, .avx512)
    let wide = body()
    Kernels.force(nil)
    XCTAssertEqual(narrow.count, wide.count, label, file: file, line: line)
    if let j = narrow.indices.first(where: { j in j < wide.count && narrow[j].bitPattern != wide[j].bitPattern }) {
      XCTFail("\(label): element \(j) of \(narrow.count): avx2 \(narrow[j]) avx512 \(wide[j])", file: file, line: line)
    }
  }

  private func normals(_ count: Int, _ rng: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float(rng.nextNormal()) }
  }

  func testVectorKernels() throws {
    try requireAVX512()
    var rng = SeededGenerator(seed: 41)
    for n in Self.sizes {
      let x = normals(n, &rng), y = normals(n, &rng)
      assertSameBits("dot n \(n)") { [gk_dot(n, x, y), -gk_neg_dot(n, x, y), gk_l2sq(n, x, y)] }
      assertSameBits("axpy n \(n)") {
        var out = y
        gk_axpy(n, 0.37, x, &out)
        return out
      }
      assertSameBits("relu n \(n)") {
        var out = x
        gk_relu(n, &out)
        return out
      }
      assertSameBits("softmax row n \(n)") {
        var row = x.map { 3 * $0 }
        let loss = gk_softmax_xent_row(n, &row, n / 2, 0.5)
        return row + [loss]
      }
    }
  }

  func testMatrixKernels() throws {
    try requireAVX512()
    var rng = SeededGenerator(seed: 42)
    for n in Self.sizes {
      let m = 1 + n % 7
      // C += s X B with row strides wider than the rows.
      let x = normals(m * (n + 3), &rng), b = normals(n * (n + 5), &rng), c0 = normals(m * (n + 2), &rng)
      assertSameBits("gemm rows n \(n)") {
        var c = c0
        gk_gemm_rows(m, n, n, x, n + 3, b, n + 5, &c, n + 2, -0.75)
        return c
      }
      // Rank update, Cholesky solve (upper triangle of an SPD matrix).
      let g = normals((n + 4) * n, &rng)
      assertSameBits("syrk + cholesky n \(n)") {
        var a = [Float](repeating: 0, count: n * n)
        gk_syrk_upper(n, n + 4, g, &a, 1)
        for i in 0..<n { a[i * n + i] += 0.5 }
        var rhs = (0..<n).map { Float($0 % 5) - 2 }
        XCTAssertEqual(gk_spd_solve_upper(n, &a, &rhs), 0)
        return a + rhs
      }
      let relu = normals(m * n, &rng), dz = normals(m * n, &rng)
      assertSameBits("relu mask n \(n)") {
        var d = dz
        var db = [Float](repeating: 0.25, count: n)
        gk_relu_mask_column_sums(m, n, relu, &d, &db)
        return d + db
      }
    }
  }

  func testGatheredKernels() throws {
    try requireAVX512()
    var rng = SeededGenerator(seed: 43)
    let rows = 300
    for n in [8, 16, 24, 33, 64, 128] {
      let base = normals(rows * n, &rng)
      for m in [1, 5, 37, 256, 257] {
        let idx = (0..<m).map { _ in Int32.random(in: 0..<Int32(rows), using: &rng) }
        let w = (0..<m).map { _ in Float.random(in: 0.1...2, using: &rng) }
        let d = normals(n, &rng)
        assertSameBits("gathered syrk n \(n) m \(m)") {
          var a = [Float](repeating: 1, count: n * n)
          gk_gathered_syrk_upper(n, m, idx, base, n, w, &a)
          // Upper triangle only: the kernels may write scratch below it.
          return (0..<n).flatMap { i in (i..<n).map { a[i * n + $0] } }
        }
        assertSameBits("gathered axpys/dots n \(n) m \(m)") {
          var y = d
          gk_gathered_axpys(n, m, idx, base, n, w, &y)
          var s = w
          gk_gathered_dots_add(n, m, idx, base, n, d, &s)
          var t = w
          gk_block_dots_add(n, m, idx, base, n, d, &t)
          var r = d
          gk_block_rhs(n, m, idx, base, n, w, d.count >= m ? Array(d.prefix(m)) : w, w, &r)
          return y + s + t + r
        }
        let users = (0..<m).map { _ in Int32.random(in: 0..<Int32(rows), using: &rng) }
        assertSameBits("pair dots n \(n) m \(m)") {
          var out = [Float](repeating: 0, count: m)
          gk_pair_dots(m, n, users, idx, base, base, nil, &out)
          var ranked = [Float](repeating: 0, count: m)
          gk_neg_dot_rows(n, d, base, idx, m, &ranked)
          return out + ranked
        }
      }
    }
  }

  /// The lockstep conjugate gradient over a small CSR side, and the Woodbury
  /// short-row solve: the solvers whose inner loops are the kernels above.
  func testSolvers() throws {
    try requireAVX512()
    var rng = SeededGenerator(seed: 44)
    for k in [16, 24, 64, 128] {
      let users = 11, items = 60
      var offsets = [0]
      var indices: [Int32] = []
      for u in 0..<users {
        let length = 1 + (u * 7) % 23
        indices += (0..<length).map { _ in Int32.random(in: 0..<Int32(items), using: &rng) }
        offsets.append(indices.count)
      }
      let nnz = indices.count
      let a = (0..<nnz).map { _ in Float.random(in: 0.5...3, using: &rng) }
      let b = a.map { $0 + 1 }
      let lambda = [Float](repeating: 0.1, count: users)
      let fixed = normals(items * k, &rng)
      var gram = [Float](repeating: 0, count: k * k)
      gk_syrk_upper(k, items, fixed, &gram, 1)
      for i in 0..<k { for j in 0..<i { gram[i * k + j] = gram[j * k + i] } }
      let start = normals(users * k, &rng)
      assertSameBits("cg rows k \(k)") {
        var target = start
        var scratch = [Float](repeating: 0, count: 4 * 8 * k + 8 * 23 * k)
        for first in stride(from: 0, to: users, by: 8) {
          gk_cg_rows(k, min(8, users - first), nil, first, offsets, indices, a, b, lambda, gram, fixed, &target, 3,
                     &scratch, 8 * 23 * k)
        }
        return target
      }
      // Woodbury: uinv = inverse of the Cholesky factor of gram + I, by columns.
      var u = gram
      for i in 0..<k { u[i * k + i] += 1 }
      var e = [Float](repeating: 0, count: k)
      XCTAssertEqual(gk_spd_solve_upper(k, &u, &e), 0)
      var uinv = [Float](repeating: 0, count: k * k)
      for i in 0..<k {
        uinv[i * k + i] = 1 / u[i * k + i]
        for j in (i + 1)..<max(i + 1, k) {
          var s: Float = 0
          for l in i..<j { s += uinv[i * k + l] * u[l * k + j] }
          uinv[i * k + j] = -s / u[j * k + j]
        }
      }
      let n = 9
      assertSameBits("short row k \(k)") {
        var scratch = [Float](repeating: 0, count: 2 * n * k + n * n + 3 * k + n)
        var x = [Float](repeating: 0, count: k)
        XCTAssertEqual(gk_short_row_solve(k, n, Array(indices.prefix(n)), fixed, Array(a.prefix(n)), Array(b.prefix(n)),
                                          uinv, &scratch, &x), 0)
        return x
      }
    }
  }
}
