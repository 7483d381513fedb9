import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Loss terms against float64 central differences and naive references.
final class LossGradientTests: XCTestCase {
  let b = 4, c = 6, d = 3

  /// The softmax loss written out entry by entry (no GEMM, no masking trick):
  /// the independent reference for the value.
  func naiveSoftmax(_ u: [Double], _ v: [Double], tau: Double, logQ: [Double]?, mask: (Int, Int) -> Bool) -> Double {
    var total = 0.0
    for i in 0..<b {
      var logits: [Double] = []
      var pos = 0.0
      for j in 0..<c {
        var s = 0.0
        for k in 0..<d { s += u[i * d + k] * v[j * d + k] }
        s = s / tau - (logQ?[j] ?? 0)
        if j == i { pos = s }
        if !mask(i, j) { logits.append(s) }
      }
      total += log(logits.map { exp($0) }.reduce(0, +)) - pos
    }
    return total
  }

  func checkSoftmax(tau: Double, logQ: [Double]?, positives: [Int32]?, candidates: [Int32]?,
                    file: StaticString = #filePath, line: UInt = #line) {
    let u = randomValues(b * d, seed: 11), v = randomValues(c * d, seed: 12)
    func loss(_ u: [Double], _ v: [Double]) -> Double {
      var du = [Double](repeating: 0, count: b * d), dv = [Double](repeating: 0, count: c * d)
      return SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: tau, logQ: logQ,
                                  positives: positives, candidates: candidates, threads: 2, block: 3, dU: &du, dV: &dv)
    }
    var du = [Double](repeating: 0, count: b * d), dv = [Double](repeating: 0, count: c * d)
    let value = SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: tau, logQ: logQ,
                                     positives: positives, candidates: candidates, threads: 2, block: 3, dU: &du, dV: &dv)
    let mask = { (i: Int, j: Int) -> Bool in
      guard let positives, let candidates else { return false }
      return j != i && candidates[j] == positives[i]
    }
    assertClose(value, naiveSoftmax(u, v, tau: tau, logQ: logQ, mask: mask), relative: 1e-12, file: file, line: line)
    assertAllClose(du, numericGradient(u) { loss($0, v) }, relative: 1e-6, absolute: 1e-9, "dU", file: file, line: line)
    assertAllClose(dv, numericGradient(v) { loss(u, $0) }, relative: 1e-6, absolute: 1e-9, "dV", file: file, line: line)
  }

  func testSoftmaxWithTemperatureAndMixedColumns() {
    checkSoftmax(tau: 0.3, logQ: nil, positives: nil, candidates: nil)
  }

  func testAccidentalHitMask() {
    // Row 0's positive (item 7) also sits in columns 2 and 5; row 1's (item 8) in column 3.
    let candidates: [Int32] = [7, 8, 7, 8, 9, 7]
    let positives = Array(candidates.prefix(b))
    checkSoftmax(tau: 0.5, logQ: nil, positives: positives, candidates: candidates)
    // The mask changes the loss (it is not a no-op on this fixture).
    let u = randomValues(b * d, seed: 11), v = randomValues(c * d, seed: 12)
    var g1 = [Double](repeating: 0, count: b * d), g2 = [Double](repeating: 0, count: c * d)
    let masked = SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: 0.5, logQ: nil,
                                      positives: positives, candidates: candidates, threads: 1, dU: &g1, dV: &g2)
    let plain = SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: 0.5, logQ: nil,
                                     positives: nil, candidates: nil, threads: 1, dU: &g1, dV: &g2)
    XCTAssertLessThan(masked, plain)
  }

  func testLogQCorrection() {
    let q = [0.5, 0.1, 0.02, 0.3, 0.05, 0.03]
    checkSoftmax(tau: 0.7, logQ: q.map { log($0) }, positives: nil, candidates: nil)
    checkSoftmax(tau: 0.7, logQ: q.map { log($0) }, positives: [1, 2, 3, 4], candidates: [1, 2, 3, 4, 1, 9])
  }

  /// The corrected logQ (Khrylchenko et al. 2025) written out from its
  /// definition: row i's loss is `-s_ii + log(exp(s_ii) + N_i)` with
  /// `N_i = (1/m) sum_{j != i, item_j != item_i} exp(s_ij) / q_j`, m = C - 1;
  /// checked for value and (central differences) both gradients, and its
  /// gradient against the full softmax's form `-(1 - P_ii)(...)`.
  func testCorrectedLogQAgainstItsDefinitionAndFiniteDifferences() {
    let q = [0.5, 0.1, 0.02, 0.3, 0.05, 0.03]
    let candidates: [Int32] = [1, 2, 3, 4, 1, 9]  // column 4 repeats row 0's item
    let positives = Array(candidates.prefix(b))
    let tau = 0.6
    let u = randomValues(b * d, seed: 31), v = randomValues(c * d, seed: 32)
    func reference(_ u: [Double], _ v: [Double]) -> Double {
      var total = 0.0
      for i in 0..<b {
        func s(_ j: Int) -> Double { (0..<d).reduce(0.0) { $0 + u[i * d + $1] * v[j * d + $1] } / tau }
        var n = 0.0
        for j in 0..<c where j != i && candidates[j] != positives[i] { n += exp(s(j)) / q[j] }
        n /= Double(c - 1)
        total += -s(i) + log(exp(s(i)) + n)
      }
      return total
    }
    func loss(_ u: [Double], _ v: [Double], _ du: inout [Double], _ dv: inout [Double]) -> Double {
      SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: tau, logQ: q.map { log($0) },
                           positives: positives, candidates: candidates, correctedLogQ: true, threads: 2, block: 3,
                           dU: &du, dV: &dv)
    }
    var du = [Double](repeating: 0, count: b * d), dv = [Double](repeating: 0, count: c * d)
    let value = loss(u, v, &du, &dv)
    assertClose(value, reference(u, v), relative: 1e-12)
    assertAllClose(du, numericGradient(u) { reference($0, v) }, relative: 1e-6, absolute: 1e-9, "dU")
    assertAllClose(dv, numericGradient(v) { reference(u, $0) }, relative: 1e-6, absolute: 1e-9, "dV")
    // It differs from the standard correction on the same batch.
    var du2 = du.map { _ in 0.0 }, dv2 = dv.map { _ in 0.0 }
    let standard = SampledSoftmax.apply(u: u, v: v, rows: b, columns: c, dim: d, temperature: tau, logQ: q.map { log($0) },
                                        positives: positives, candidates: candidates, threads: 1, dU: &du2, dV: &dv2)
    XCTAssertGreaterThan(abs(standard - value), 1e-3)
  }

  func testMSEGradientAndValue() {
    let u = randomValues(b * d, seed: 21), v = randomValues(b * d, seed: 22)
    func loss(_ u: [Double], _ v: [Double]) -> Double {
      var du = u.map { _ in 0.0 }, dv = v.map { _ in 0.0 }
      return PointwiseTerms.mse(u: u, v: v, rows: b, dim: d, dU: &du, dV: &dv)
    }
    var du = u.map { _ in 0.0 }, dv = v.map { _ in 0.0 }
    let value = PointwiseTerms.mse(u: u, v: v, rows: b, dim: d, dU: &du, dV: &dv)
    var naive = 0.0
    for i in 0..<b {
      let s = (0..<d).reduce(0.0) { $0 + u[i * d + $1] * v[i * d + $1] }
      naive += (s - 1) * (s - 1)
    }
    assertClose(value, naive, relative: 1e-12)
    assertAllClose(du, numericGradient(u) { loss($0, v) }, relative: 1e-6, absolute: 1e-9)
    assertAllClose(dv, numericGradient(v) { loss(u, $0) }, relative: 1e-6, absolute: 1e-9)
  }

  func testWeightedL2Gradient() {
    let x = randomValues(b * d, seed: 23), a = [1.0, 0.5, 0.25, 2]
    var dx = x.map { _ in 0.0 }
    _ = PointwiseTerms.l2(x, rows: b, dim: d, weights: a, lambda: 0.3, dx: &dx)
    let f = { (x: [Double]) -> Double in var g = x.map { _ in 0.0 }; return PointwiseTerms.l2(x, rows: self.b, dim: self.d, weights: a, lambda: 0.3, dx: &g) }
    assertAllClose(dx, numericGradient(x, f), relative: 1e-6, absolute: 1e-9)
  }

  // MARK: Gram term

  /// `lambda <G_u, G_v>` over full tables equals `lambda/(|U||I|) sum_{u,i} <u,v>²`.
  func testGramValueEqualsBruteForceSumOverAllPairs() {
    let users = 5, items = 7
    let w = randomValues(users * d, seed: 31), h = randomValues(items * d, seed: 32)
    let gu = GramTerm.gram(w, rows: users, dim: d, weights: nil)
    let gv = GramTerm.gram(h, rows: items, dim: d, weights: nil)
    var brute = 0.0
    for u in 0..<users {
      for i in 0..<items {
        let s = (0..<d).reduce(0.0) { $0 + w[u * d + $1] * h[i * d + $1] }
        brute += s * s
      }
    }
    assertClose(0.7 * GramTerm.inner(gu, gv), 0.7 * brute / Double(users * items), relative: 1e-12)
  }

  /// The importance weights make the batch Gram unbiased: over every pair
  /// once, `(1/N) sum_pairs N/(|U| deg u) u uᵀ = (1/|U|) sum_u u uᵀ`.
  func testImportanceWeightedBatchGramIsTheUniformGramOverAnEpoch() {
    let pairs: [(Int, Int)] = [(0, 0), (0, 1), (0, 2), (1, 1), (2, 0), (2, 2)]
    let users = 3, n = pairs.count
    let w = randomValues(users * d, seed: 33)
    let deg = (0..<users).map { u in pairs.filter { $0.0 == u }.count }
    let rows = pairs.flatMap { Array(w[($0.0 * d)..<($0.0 * d + d)]) }
    let weights = pairs.map { Double(n) / (Double(users) * Double(deg[$0.0])) }
    assertAllClose(GramTerm.gram(rows, rows: n, dim: d, weights: weights),
                   GramTerm.gram(w, rows: users, dim: d, weights: nil), relative: 1e-12, absolute: 1e-15)
  }

  /// Gradients of the Gram term through the network's loss, for each
  /// estimator: batch (the exact gradient of `lambda B <Ĝ_u, Ĝ_v>`), and
  /// SOGram / exact (the estimate held constant, i.e. the gradient of
  /// `lambda B (<Ĝ_u^batch, E_v> + <E_u, Ĝ_v^batch>)`).
  func testGramTermGradientUnderEachEstimator() {
    let u = randomValues(b * d, seed: 41), v = randomValues(b * d, seed: 42)
    let wu = [1.0, 2, 0.5, 1.5], wv = [0.8, 1.2, 3, 1]
    let lambda = 0.4
    let eu0 = GramTerm.gram(randomValues(5 * d, seed: 43), rows: 5, dim: d, weights: nil)
    let ev0 = GramTerm.gram(randomValues(6 * d, seed: 44), rows: 6, dim: d, weights: nil)
    for mode in GramEstimator.allCases {
      // The estimates each estimator returns for this batch.
      let bu = GramTerm.gram(u, rows: b, dim: d, weights: wu), bv = GramTerm.gram(v, rows: b, dim: d, weights: wv)
      let (eu, ev): ([Double], [Double])
      switch mode {
      case .batch: (eu, ev) = (bu, bv)
      case .sogram: (eu, ev) = (zip(eu0, bu).map { 0.9 * $0 + 0.1 * $1 }, zip(ev0, bv).map { 0.9 * $0 + 0.1 * $1 })
      case .exact: (eu, ev) = (eu0, ev0)
      }
      var du = u.map { _ in 0.0 }, dv = v.map { _ in 0.0 }
      GramTerm.addGradient(u, rows: b, dim: d, weights: wu, other: ev, scale: lambda, into: &du)
      GramTerm.addGradient(v, rows: b, dim: d, weights: wv, other: eu, scale: lambda, into: &dv)
      let f: ([Double], [Double]) -> Double
      switch mode {
      case .batch:
        f = { u, v in lambda * Double(self.b) * GramTerm.inner(GramTerm.gram(u, rows: self.b, dim: self.d, weights: wu),
                                                               GramTerm.gram(v, rows: self.b, dim: self.d, weights: wv)) }
      case .sogram, .exact:
        f = { u, v in lambda * Double(self.b) * (GramTerm.inner(GramTerm.gram(u, rows: self.b, dim: self.d, weights: wu), ev)
                                                 + GramTerm.inner(eu, GramTerm.gram(v, rows: self.b, dim: self.d, weights: wv))) }
      }
      assertAllClose(du, numericGradient(u) { f($0, v) }, relative: 1e-6, absolute: 1e-9, "dU \(mode)")
      assertAllClose(dv, numericGradient(v) { f(u, $0) }, relative: 1e-6, absolute: 1e-9, "dV \(mode)")
    }
  }

  func testSOGramIsAMovingAverage() {
    var e = GramEstimate(mode: .sogram, rate: 0.25)
    let first = e.step(batchUser: [4], batchItem: [8])
    XCTAssertEqual(first.user, [4]); XCTAssertEqual(first.item, [8])
    let second = e.step(batchUser: [0], batchItem: [0])
    XCTAssertEqual(second.user, [3]); XCTAssertEqual(second.item, [6])
    var exact = GramEstimate(mode: .exact, rate: 0.1)
    exact.user = [1]; exact.item = [2]
    XCTAssertEqual(exact.step(batchUser: [9], batchItem: [9]).user, [1])
  }
}
