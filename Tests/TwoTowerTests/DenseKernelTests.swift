import GramianKernels
import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The vectorised MLP loops (portable, AVX2/FMA and AVX-512 builds) against the
/// plain Swift reference loops: bit for bit, since both add in row order.
final class DenseKernelTests: XCTestCase {
  override func tearDown() { Kernels.force(nil) }

  func testReluMatchesReference() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for count in [0, 1, 7, 8, 9, 130] {
        var x = randomValues(count, seed: UInt64(count)).map(Float.init)
        if count > 3 { x[1] = 0; x[2] = -0.0; x[3] = .nan }
        var expected = x, got = x
        expected.withUnsafeMutableBufferPointer { Float.referenceRelu($0.baseAddress!, count: count) }
        got.withUnsafeMutableBufferPointer { p in if count > 0 { Float.relu(p.baseAddress!, count: count) } }
        XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "count \(count), build \(build)")
        XCTAssertTrue(got.allSatisfy { $0.isNaN || $0 >= 0 })
      }
    }
  }

  func testMaskAndColumnSumsMatchReference() {
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for (rows, n) in [(1, 1), (3, 8), (5, 13), (17, 64), (4, 130)] {
        let act = randomValues(rows * n, seed: 1).map { Float(max($0, 0)) }  // post-ReLU: about half are 0
        for masked in [true, false] {
          var dz1 = randomValues(rows * n, seed: 2).map(Float.init), dz2 = dz1
          var db1 = randomValues(n, seed: 3).map(Float.init), db2 = db1
          act.withUnsafeBufferPointer { a in
            let ap = masked ? a.baseAddress! : nil
            Float.referenceReluMaskColumnSums(rows: rows, n: n, activations: ap, dz: &dz1, db: &db1)
            Float.reluMaskColumnSums(rows: rows, n: n, activations: ap, dz: &dz2, db: &db2)
          }
          let label = "\(rows)x\(n), masked \(masked), build \(build)"
          XCTAssertEqual(dz2, dz1, label)
          XCTAssertEqual(db2.map(\.bitPattern), db1.map(\.bitPattern), label)
          if masked { for j in 0..<(rows * n) where act[j] == 0 { XCTAssertEqual(dz2[j], 0, label) } }
        }
      }
    }
  }
}
