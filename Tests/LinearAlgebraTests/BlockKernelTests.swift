import GramianTestSupport
import LinearAlgebra
import XCTest

/// The iALS++ block kernels (`blockRightHandSide`, `blockDotsAdd`) against
/// float64 loops, in both builds, for the register-resident widths (8...64)
/// and the generic fallback (5, 20, 72), with gathered rows at an offset
/// inside a wider matrix.
final class BlockKernelTests: XCTestCase {
  func testBlockKernelsMatchFloat64() {
    defer { Kernels.force(nil) }
    var rng = SeededGenerator(seed: 21)
    for build in Kernels.availableBuilds {
      Kernels.force(build)
      for n in [8, 16, 24, 32, 64, 5, 20, 72] {
        for m in [0, 1, 7, 8, 13, 33] {
          let ld = n + 11, off = 3, rowsCount = 17
          let base = (0..<(rowsCount * ld)).map { _ in Float(rng.nextNormal()) }
          let idx = (0..<m).map { _ in Int32(rng.next() % UInt64(rowsCount)) }
          let a = (0..<m).map { _ in Float(rng.nextUnit() * 3) }
          let b = (0..<m).map { _ in Float(rng.nextUnit() * 3) }
          let s0 = (0..<m).map { _ in Float(rng.nextNormal()) }
          let y0 = (0..<n).map { _ in Float(rng.nextNormal()) }
          var y = y0, s = s0
          base.withUnsafeBufferPointer { bp in idx.withUnsafeBufferPointer { ip in
            let h = bp.baseAddress! + off, i = ip.baseAddress ?? UnsafePointer(bitPattern: 8)!
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bq in s0.withUnsafeBufferPointer { sp in
              y.withUnsafeMutableBufferPointer {
                Kernels.blockRightHandSide(n: n, m: m, indices: i, base: h, ld: ld, a: ap.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                           b: bq.baseAddress ?? UnsafePointer(bitPattern: 8)!, s: sp.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                           into: $0.baseAddress!)
              }
            } } }
            y0.withUnsafeBufferPointer { dp in s.withUnsafeMutableBufferPointer {
              Kernels.blockDotsAdd(n: n, m: m, indices: i, base: h, ld: ld, d: dp.baseAddress!,
                                   into: $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
            } }
          } }
          func h(_ q: Int, _ j: Int) -> Double { Double(base[Int(idx[q]) * ld + off + j]) }
          for j in 0..<n {
            var e = Double(y0[j])
            for q in 0..<m { e += (Double(b[q]) - Double(a[q]) * Double(s0[q])) * h(q, j) }
            assertClose(Double(y[j]), e, relative: 1e-4, absolute: 1e-4, "rhs n \(n) m \(m) \(j) build \(build)")
          }
          for q in 0..<m {
            var e = Double(s0[q])
            for j in 0..<n { e += h(q, j) * Double(y0[j]) }
            assertClose(Double(s[q]), e, relative: 1e-4, absolute: 1e-4, "dots n \(n) m \(m) \(q) build \(build)")
          }
        }
      }
    }
  }

  /// A dot's value does not depend on whether its row falls in a group of
  /// eight or in the remainder: the same rows at shifted positions agree bit for bit.
  func testBlockDotsDoNotDependOnPosition() {
    var rng = SeededGenerator(seed: 5)
    let n = 32, rowsCount = 9
    let base = (0..<(rowsCount * n)).map { _ in Float(rng.nextNormal()) }
    let d = (0..<n).map { _ in Float(rng.nextNormal()) }
    let idx: [Int32] = (0..<11).map { Int32($0 % rowsCount) }
    func dots(_ list: [Int32]) -> [Float] {
      var s = [Float](repeating: 0, count: list.count)
      base.withUnsafeBufferPointer { bp in list.withUnsafeBufferPointer { ip in d.withUnsafeBufferPointer { dp in
        s.withUnsafeMutableBufferPointer {
          Kernels.blockDotsAdd(n: n, m: list.count, indices: ip.baseAddress!, base: bp.baseAddress!, ld: n, d: dp.baseAddress!, into: $0.baseAddress!)
        }
      } } }
      return s
    }
    let all = dots(idx), shifted = dots(Array(idx[3...]))
    XCTAssertEqual(Array(all[3...]), shifted)
  }
}
