import GramianKernels
import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The vectorised float32 softmax row (portable, AVX2/FMA and AVX-512 builds)
/// against the float64 reference row.
final class SoftmaxKernelTests: XCTestCase {
  override func tearDown() { Kernels.force(nil) }

  func testExpMatchesFloat64Exp() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      var x = -87.0
      while x < 88 {
        assertClose(Double(gk_exp(Float(x))), exp(Double(Float(x))), relative: 5e-7, "x = \(x), build \(build)")
        x += 0.37
      }
      XCTAssertEqual(gk_exp(-.infinity), 0)
      XCTAssertEqual(gk_exp(-100), 0)
    }
  }

  func testFloatRowAgreesWithReference() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for n in [1, 7, 8, 37, 200] {
        var logits = randomValues(n, seed: UInt64(n), scale: 20)
        if n > 3 { logits[2] = -.infinity }  // a masked column
        let diag = n / 2
        var f = logits.map(Float.init), d = logits.map { Double(Float($0)) }
        let lf = f.withUnsafeMutableBufferPointer { Float.softmaxRow($0.baseAddress!, n, diagonal: diag, scale: 0.5) }
        let ld = d.withUnsafeMutableBufferPointer { Double.referenceSoftmaxRow($0.baseAddress!, n, diagonal: diag, scale: 0.5) }
        assertClose(Double(lf), ld, relative: 1e-5, absolute: 1e-5, "n = \(n)")
        assertAllClose(f, d, relative: 1e-5, absolute: 1e-7, "n = \(n)")
        if n > 3 { XCTAssertEqual(f[2], 0) }
      }
    }
  }
}
