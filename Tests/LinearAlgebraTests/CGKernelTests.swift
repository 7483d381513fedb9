import GramianTestSupport
import LinearAlgebra
import XCTest

/// The lockstep CG kernel (`conjugateGradientRows`) against a float64
/// transcription of the same CG steps, in every build, with the gathered
/// copy off, partial (some rows of a group fit, the rest are read in place)
/// and large; the copy must not change a single bit.
final class CGKernelTests: XCTestCase {
  /// A random CSR side: `rows` rows with lengths from 0 to `maxLength` over
  /// `others` fixed rows of width k, positive a, b.
  struct Side {
    var offsets: [Int] = [0]
    var indices: [Int32] = []
    var a: [Float] = []
    var b: [Float] = []
    var lambda: [Float] = []
    var fixed: [Float] = []
    var gram: [Float] = []
    var start: [Float] = []
    let k: Int
    let rows: Int

    init(rows: Int, others: Int, k: Int, maxLength: Int, seed: UInt64) {
      self.k = k
      self.rows = rows
      var rng = SeededGenerator(seed: seed)
      fixed = (0..<(others * k)).map { _ in Float(rng.nextNormal() * 0.3) }
      for r in 0..<rows {
        let n = r == 1 ? 0 : Int(rng.next() % UInt64(maxLength + 1))
        for _ in 0..<n {
          indices.append(Int32(rng.next() % UInt64(others)))
          // Some a = 0 (pairs whose confidence equals the unobserved weight).
          a.append(rng.nextUnit() < 0.1 ? 0 : Float(rng.nextUnit() * 4))
          b.append(Float(1 + rng.nextUnit() * 3))
        }
        offsets.append(indices.count)
        lambda.append(Float(0.05 + rng.nextUnit()))
      }
      // gram = HᵀH / others (both triangles), a valid SPD Gram term.
      gram = [Float](repeating: 0, count: k * k)
      for i in 0..<k {
        for j in 0..<k {
          var s = 0.0
          for o in 0..<others { s += Double(fixed[o * k + i]) * Double(fixed[o * k + j]) }
          gram[i * k + j] = Float(s / Double(others))
        }
      }
      start = (0..<(rows * k)).map { _ in Float(rng.nextNormal() * 0.1) }
    }

    /// Runs the kernel over all rows in groups of up to 8, listed in reverse
    /// order (so rows come from the list, not from `first`).
    func solve(steps: Int, cap: Int) -> [Float] {
      var target = start
      let list = (0..<rows).reversed().map(Int32.init)
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * 8 * k + cap + 1)
      defer { scratch.deallocate() }
      offsets.withUnsafeBufferPointer { off in indices.withUnsafeBufferPointer { idx in
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in lambda.withUnsafeBufferPointer { lp in
          gram.withUnsafeBufferPointer { gp in fixed.withUnsafeBufferPointer { fp in list.withUnsafeBufferPointer { rl in
            target.withUnsafeMutableBufferPointer { tp in
              var first = 0
              while first < rows {
                let n = min(8, rows - first)
                Kernels.conjugateGradientRows(
                  k: k, count: n, rows: rl.baseAddress!, first: first, offsets: off.baseAddress!,
                  indices: idx.baseAddress!, a: ap.baseAddress!, b: bp.baseAddress!, lambda: lp.baseAddress!,
                  gram: gp.baseAddress!, fixed: fp.baseAddress!, target: tp.baseAddress!, steps: steps,
                  scratch: scratch, gatherCapacity: cap)
                first += n
              }
            }
          } } }
        } } }
      } }
      return target
    }

    /// The same CG steps in float64: r = b - A x, p = r; each step
    /// alpha = r·r / p·Ap, x += alpha p, r -= alpha Ap, stop below 1e-20,
    /// p = r + beta p.
    func reference(steps: Int) -> [Double] {
      var out = [Double](repeating: 0, count: rows * k)
      for r in 0..<rows {
        func times(_ v: [Double]) -> [Double] {
          var y = [Double](repeating: 0, count: k)
          for i in 0..<k {
            var s = Double(lambda[r]) * v[i]
            for j in 0..<k { s += Double(gram[i * k + j]) * v[j] }
            y[i] = s
          }
          for q in offsets[r]..<offsets[r + 1] {
            let h = (0..<k).map { Double(fixed[Int(indices[q]) * k + $0]) }
            let t = Double(a[q]) * zip(h, v).map(*).reduce(0, +)
            for i in 0..<k { y[i] += t * h[i] }
          }
          return y
        }
        var x = (0..<k).map { Double(start[r * k + $0]) }
        var rhs = [Double](repeating: 0, count: k)
        for q in offsets[r]..<offsets[r + 1] {
          for i in 0..<k { rhs[i] += Double(b[q]) * Double(fixed[Int(indices[q]) * k + i]) }
        }
        var res = zip(rhs, times(x)).map(-)
        var p = res
        var rs = res.map { $0 * $0 }.reduce(0, +)
        if rs >= 1e-20 {
          for _ in 0..<steps {
            let ap = times(p)
            let alpha = rs / zip(p, ap).map(*).reduce(0, +)
            for i in 0..<k { x[i] += alpha * p[i]; res[i] -= alpha * ap[i] }
            let rsNew = res.map { $0 * $0 }.reduce(0, +)
            if rsNew < 1e-20 { break }
            for i in 0..<k { p[i] = res[i] + rsNew / rs * p[i] }
            rs = rsNew
          }
        }
        for i in 0..<k { out[r * k + i] = x[i] }
      }
      return out
    }
  }

  func testMatchesFloat64AndGatherDoesNotChangeBits() {
    defer { Kernels.force(nil) }
    // Rows longer than 256 take the register path in several chunks.
    for (k, maxLength) in [(16, 30), (19, 12), (64, 40), (32, 600), (48, 300)] {
      let side = Side(rows: 21, others: 50, k: k, maxLength: maxLength, seed: UInt64(k))
      let ref = side.reference(steps: 3)
      for build in Kernels.availableBuilds {
        Kernels.force(build)
        let inPlace = side.solve(steps: 3, cap: 0)
        assertAllClose(inPlace, ref, relative: 2e-3, absolute: 2e-4, "k \(k) build \(build)")
        // Partial: about two rows of a group fit; large: every row fits.
        for cap in [2 * maxLength / 2 * k, 8 * maxLength * k] {
          XCTAssertEqual(side.solve(steps: 3, cap: cap), inPlace, "k \(k) cap \(cap) build \(build)")
        }
      }
    }
  }

  /// The huge-page copy holds the same floats, above and below the size
  /// where huge pages are requested.
  func testHugePageBufferCopies() {
    for count in [1000, HugePageBuffer.minimumBytes / 4 + 123] {
      let source = (0..<count).map { Float($0 % 9973) * 0.5 }
      let buffer = source.withUnsafeBufferPointer { HugePageBuffer(copying: $0.baseAddress!, count: count) }
      defer { buffer.free() }
      XCTAssertEqual(buffer.count, count)
      XCTAssertTrue(Array(UnsafeBufferPointer(start: buffer.base, count: count)) == source, "count \(count)")
    }
  }
}
