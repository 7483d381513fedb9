import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import IALS

/// The Woodbury path of the exact solver (``ShortRows``) against a float64
/// Cholesky of the same k x k row system, in both kernel builds; and the
/// rows it must leave to the direct path.
final class ShortRowsTests: XCTestCase {
  /// A random side of `rows` rows with 0...`maxLength` observations over 40
  /// fixed rows, one lambda, a > 0 except where `negativeRow` puts one a < 0.
  func side(rows: Int, k: Int, maxLength: Int, negativeRow: Int? = nil, seed: UInt64) -> (SideData, Matrix) {
    var rng = SeededGenerator(seed: seed)
    var offsets = [0], indices: [Int32] = [], a: [Float] = [], b: [Float] = []
    for r in 0..<rows {
      let drawn = Int(rng.next() % UInt64(maxLength + 1))
      let n = r == 0 ? 0 : (r == negativeRow ? max(1, drawn) : drawn)
      for q in 0..<n {
        indices.append(Int32(rng.next() % 40))
        a.append(r == negativeRow && q == 0 ? -0.5 : Float(0.2 + rng.nextUnit() * 9))
        b.append(Float(1 + rng.nextUnit() * 9))
      }
      offsets.append(indices.count)
    }
    let fixed = Fixture.random(rows: 40, k: k, seed: seed + 1)
    let lambda = [Float](repeating: 0.05, count: rows)
    return (SideData(rows: rows, offsets: offsets, indices: indices, a: a, b: b, lambda: lambda), fixed)
  }

  /// Row `r`'s exact solution in float64.
  func reference(_ s: SideData, fixed: Matrix, gram: Matrix, row r: Int) -> [Double] {
    let k = fixed.columns
    var m = (0..<(k * k)).map { Double(gram.storage[$0]) }
    var rhs = [Double](repeating: 0, count: k)
    for i in 0..<k { m[i * k + i] += Double(s.lambda[r]) }
    for q in s.offsets[r]..<s.offsets[r + 1] {
      let h = fixed.row(Int(s.indices[q])).map(Double.init)
      for i in 0..<k {
        rhs[i] += Double(s.b[q]) * h[i]
        for j in 0..<k { m[i * k + j] += Double(s.a[q]) * h[i] * h[j] }
      }
    }
    return Cholesky.solveReference(m, rhs, n: k)!
  }

  func testWoodburyRowsMatchFloat64Cholesky() throws {
    defer { Kernels.force(nil) }
    for k in [8, 13, 64] {
      let (s, fixed) = side(rows: 30, k: k, maxLength: k / 2, seed: UInt64(k))
      var config = IALSConfig()
      config.unobservedWeight = 0.3
      let gram = IALSModel.scaledGram(IALSModel.gram(fixed, threads: 1), config: config)
      for build in Kernels.availableBuilds {
        Kernels.force(build)
        var target = Matrix(rows: 30, columns: k)
        var solvedByShortPath = 0
        withHalfStep(s, fixed: fixed, gram: gram, target: &target) { step in
          let short = try! XCTUnwrap(ShortRows(step))
          defer { short.free() }
          let scratch = UnsafeMutablePointer<Float>.allocate(capacity: ExactSolver.scratchFloats(k: k, chunk: 256))
          defer { scratch.deallocate() }
          for r in 0..<30 where short.solve(step, r, scratch: scratch) { solvedByShortPath += 1 }
        }
        XCTAssertEqual(solvedByShortPath, 30, "every row has n <= k/2 and a > 0")
        // The direct float32 solve of the same rows, for scale: the Woodbury
        // rows must be as close to float64 as it is (the systems have
        // condition numbers up to about 1e4: 40 fixed rows for k = 64).
        var direct = Matrix(rows: 30, columns: k)
        withHalfStep(s, fixed: fixed, gram: gram, target: &direct) { step in
          let scratch = UnsafeMutablePointer<Float>.allocate(capacity: ExactSolver.scratchFloats(k: k, chunk: 256))
          defer { scratch.deallocate() }
          for r in 0..<30 { ExactSolver.solveRow(step, r, scratch: scratch, chunk: 256) }
        }
        var worst = (woodbury: 0.0, direct: 0.0)
        for r in 0..<30 {
          let ref = reference(s, fixed: fixed, gram: gram, row: r)
          let scale = max(1e-3, ref.map(abs).max() ?? 0)
          worst.woodbury = max(worst.woodbury, zip(target.row(r), ref).map { abs(Double($0) - $1) / scale }.max() ?? 0)
          worst.direct = max(worst.direct, zip(direct.row(r), ref).map { abs(Double($0) - $1) / scale }.max() ?? 0)
        }
        print("k \(k) build \(build): worst error relative to the row's largest entry: woodbury \(worst.woodbury), direct \(worst.direct)")
        XCTAssertLessThan(worst.woodbury, max(1e-4, 3 * worst.direct), "k \(k) build \(build)")
      }
    }
  }

  /// Rows longer than k/2 or with an a <= 0 are left to the direct path,
  /// which the exact solver then takes: the whole half-step still matches
  /// float64.
  func testOtherRowsFallBackToTheDirectSolve() throws {
    let k = 8
    let (s, fixed) = side(rows: 80, k: k, maxLength: 12, negativeRow: 3, seed: 9)
    var config = IALSConfig()
    config.factors = k
    config.solver = .exact
    let gram = IALSModel.scaledGram(IALSModel.gram(fixed, threads: 1), config: config)
    var target = Matrix(rows: 80, columns: k)
    var declined: [Int] = []
    withHalfStep(s, fixed: fixed, gram: gram, target: &target) { step in
      let short = try! XCTUnwrap(ShortRows(step))
      defer { short.free() }
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: ExactSolver.scratchFloats(k: k, chunk: 256))
      defer { scratch.deallocate() }
      for r in 0..<80 where !short.solve(step, r, scratch: scratch) { declined.append(r) }
      XCTAssertNil(step.solve(.exact, threads: 2))
    }
    XCTAssertTrue(declined.contains(3), "the row with a negative a")
    for r in declined where r != 3 { XCTAssertGreaterThan(s.offsets[r + 1] - s.offsets[r], k / 2) }
    XCTAssertGreaterThan(declined.count, 5)
    for r in 0..<80 {
      assertAllClose(target.row(r), reference(s, fixed: fixed, gram: gram, row: r), relative: 1e-3, absolute: 1e-4, "row \(r)")
    }
  }

  /// Different lambdas per row (regularisation exponent != 0): no plan.
  func testNoPlanForPerRowLambda() {
    let (s0, fixed) = side(rows: 5, k: 4, maxLength: 2, seed: 2)
    let s = SideData(rows: 5, offsets: s0.offsets, indices: s0.indices, a: s0.a, b: s0.b, lambda: [0.1, 0.1, 0.2, 0.1, 0.1])
    let gram = IALSModel.gram(fixed, threads: 1)
    var target = Matrix(rows: 5, columns: 4)
    withHalfStep(s, fixed: fixed, gram: gram, target: &target) { step in XCTAssertNil(ShortRows(step)) }
  }
}
