import GramianKernels
import LinearAlgebra
import XCTest

/// The retrieval kernels against float64 scalar references, in every build
/// the CPU runs (portable, AVX2+FMA, AVX-512). Tolerance: float32 accumulation over n
/// terms of unit size, 1e-5 relative to the sum of |terms| (a bound on the
/// rounding error of any summation order for n <= 200).
final class RetrievalKernelTests: XCTestCase {
  override func tearDown() { Kernels.force(nil) }

  func testDistancesMatchFloat64Reference() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      var g = SeededGenerator(seed: 7)
      for n in [1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 65, 128, 129] {
        let x = (0..<n).map { _ in Float(g.nextNormal()) }, y = (0..<n).map { _ in Float(g.nextNormal()) }
        var dot = 0.0, l2 = 0.0, mass = 0.0, l2mass = 0.0
        for i in 0..<n {
          dot += Double(x[i]) * Double(y[i]); mass += abs(Double(x[i]) * Double(y[i]))
          let d = Double(x[i]) - Double(y[i]); l2 += d * d; l2mass += d * d
        }
        XCTAssertEqual(Double(gk_neg_dot(n, x, y)), -dot, accuracy: 1e-5 * mass + 1e-7, "n=\(n) build=\(build)")
        XCTAssertEqual(Double(gk_l2sq(n, x, y)), l2, accuracy: 1e-5 * l2mass + 1e-7, "n=\(n) build=\(build)")
      }
    }
  }

  func testRowKernelsGatherTheRightRows() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      let d = 24, rows = 50
      let base = TestData.gaussian(rows: rows, columns: d, seed: 3)
      let q = TestData.gaussian(rows: 1, columns: d, seed: 4).row(0)
      let ids: [Int32] = [49, 0, 7, 7, 23]
      var dots = [Float](repeating: 0, count: ids.count), l2 = dots
      gk_neg_dot_rows(d, q, base.storage, ids, ids.count, &dots)
      gk_l2sq_rows(d, q, base.storage, ids, ids.count, &l2)
      for (j, id) in ids.enumerated() {
        let row = base.row(Int(id))
        let refDot = zip(q, row).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let refL2 = zip(q, row).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        XCTAssertEqual(Double(dots[j]), -refDot, accuracy: 1e-4)
        XCTAssertEqual(Double(l2[j]), refL2, accuracy: 1e-4 * refL2)
      }
    }
  }

  func testScanAboveFindsExactlyTheScoresAboveThreshold() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      var g = SeededGenerator(seed: 11)
      for n in [0, 1, 7, 8, 9, 100, 1000] {
        var s = (0..<n).map { _ in Float(g.nextNormal()) }
        if n > 5 { s[3] = .nan; s[4] = 1; s[5] = .infinity }
        let bias = (0..<n).map { _ in Float(g.nextNormal()) * 0.1 }
        for t: Float in [-.infinity, 0, 1, 2] {
          for b in [nil, bias] {
            var out = [Int32](repeating: -1, count: max(1, n))
            let found = b == nil ? gk_scan_above(s, nil, n, t, &out) : gk_scan_above(s, b!, n, t, &out)
            let expected = (0..<n).filter { (b == nil ? s[$0] : s[$0] + b![$0]) > t }.map { Int32($0) }
            XCTAssertEqual(Array(out.prefix(found)), expected, "n=\(n) t=\(t) bias=\(b != nil) build=\(build)")
          }
        }
      }
    }
  }
}
