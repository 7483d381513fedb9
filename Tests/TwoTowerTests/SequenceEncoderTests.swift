import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The packed attention tower against an independent padded reference,
/// the float32 kernels against float64, and batch invariance.
final class SequenceEncoderTests: XCTestCase {
  /// A plain-loop, padded SASRec-style forward (float64): the window of
  /// `maxLength` rows with the history at its end and zero rows before it,
  /// causal attention whose keys exclude padding, pre-LN blocks. Returns
  /// the states of the history's rows.
  static func naiveStates(_ enc: SequenceEncoder<Double>, table: [Double], history: [Int32]) -> [[Double]] {
    let L = enc.maxLength, d = enc.d, n = history.count, dh = enc.d / enc.heads, f = enc.inner
    let p = enc.params
    func row(_ a: [Double], _ r: Int, _ w: Int) -> [Double] { Array(a[(r * w)..<((r + 1) * w)]) }
    func ln(_ x: [Double], _ g: [Double], _ b: [Double]) -> [Double] {
      let mean = x.reduce(0, +) / Double(x.count)
      let v = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
      return x.indices.map { g[$0] * (x[$0] - mean) / (v + Double(enc.epsilon)).squareRoot() + b[$0] }
    }
    func affine(_ x: [Double], _ w: [Double], _ b: [Double], _ out: Int) -> [Double] {
      (0..<out).map { j in b[j] + x.indices.reduce(0) { $0 + x[$1] * w[$1 * out + j] } }
    }
    func act(_ x: Double) -> Double {
      enc.activation == .relu ? max(0, x) : 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
    }
    var x = [[Double]](repeating: [Double](repeating: 0, count: d), count: L)
    let valid = (L - n)..<L
    for (j, item) in history.enumerated() {
      let t = L - n + j
      x[t] = (0..<d).map { table[Int(item) * d + $0] * Double(d).squareRoot() + p[0][t * d + $0] }
    }
    for b in 0..<enc.blockCount {
      let i = { (s: SequenceEncoder<Double>.Slot) in enc.index(b, s) }
      let sasrec = enc.layout == .sasrec
      let a = x.map { ln($0, p[i(.ln1Gamma)], p[i(.ln1Beta)]) }
      let q = a.map { affine($0, p[i(.wq)], p[i(.bq)], d) }
      let k = (sasrec ? x : a).map { affine($0, p[i(.wk)], p[i(.bk)], d) }
      let v = (sasrec ? x : a).map { affine($0, p[i(.wv)], p[i(.bv)], d) }
      var o = [[Double]](repeating: [Double](repeating: 0, count: d), count: L)
      for t in 0..<L {
        for h in 0..<enc.heads {
          let cols = (h * dh)..<((h + 1) * dh)
          // Causal mask (keys <= t) and padding mask (keys in the history).
          let keys = (0...t).filter { valid.contains($0) }
          if keys.isEmpty { continue }
          let s = keys.map { kk in cols.reduce(0) { $0 + q[t][$1] * k[kk][$1] } / Double(dh).squareRoot() }
          let m = s.max()!
          let e = s.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
          for (w, kk) in keys.enumerated() { for c in cols { o[t][c] += e[w] / z * v[kk][c] } }
        }
      }
      let x1 = (0..<L).map { t in
        sasrec ? zip(a[t], o[t]).map { $0 + $1 } : zip(x[t], affine(o[t], p[i(.wo)], p[i(.bo)], d)).map { $0 + $1 }
      }
      let c = sasrec ? x1 : x1.map { ln($0, p[i(.ln2Gamma)], p[i(.ln2Beta)]) }
      x = (0..<L).map { t in
        let h = affine(c[t], p[i(.w1)], p[i(.b1)], f).map(act)
        return zip(x1[t], affine(h, p[i(.w2)], p[i(.b2)], d)).map { $0 + $1 }
      }
    }
    _ = row
    return valid.map { ln(x[$0], p[1], p[2]) }
  }

  func testPackedForwardMatchesPaddedReference() {
    for (heads, activation, layout) in [(1, FeedForwardActivation.relu, BlockLayout.preLN), (4, .gelu, .preLN), (2, .relu, .sasrec)] {
      var config = SequenceGradientTests.config(heads: heads, activation: activation, layout: layout)
      config.sequence!.maxLength = 6
      let net = SequenceGradientTests.network(config)
      let histories: [[Int32]] = [[3, 1, 4, 1, 5, 9], [2], [6, 5, 3], [10, 0, 7, 7]]
      var batch = SequenceBatch()
      for h in histories { batch.append(h[...], maxLength: 6) }
      let out = net.encoder.forward(batch, table: net.itemTable, dropout: nil, threads: 2).output
      for (s, h) in histories.enumerated() {
        let expected = Self.naiveStates(net.encoder, table: net.itemTable, history: h)
        for (j, e) in expected.enumerated() {
          let r = batch.offsets[s] + j
          assertAllClose(Array(out[(r * 8)..<((r + 1) * 8)]), e, relative: 1e-9, absolute: 1e-10,
                         "heads \(heads), sequence \(s), position \(j)")
        }
      }
    }
  }

  /// A hand-computed fixture: d = 2, one block, one head, identity
  /// projections, zero feed-forward, history [item 0 = (1, 0), item 1 =
  /// (0, 1)], no positional signal. sqrt(2)-scaled inputs (sqrt2, 0) and
  /// (0, sqrt2) normalise to (1, -1) and (-1, 1); position 1's scores are
  /// (-2, 2) / sqrt2, so its weights are w0 = 1 / (1 + e^(2 sqrt2)) and
  /// 1 - w0, its attention output (2 w0 - 1)(1, -1); the residual adds the
  /// input. The final LayerNorm of a 2-vector (a, b) is (±1, ∓1) by the
  /// sign of a - b.
  func testHandComputedOneBlockFixture() {
    var s = SequenceTowerConfig()
    s.maxLength = 2; s.blocks = 1; s.heads = 1; s.dropout = 0; s.layerNormEpsilon = 1e-12
    var rng = SeededGenerator(seed: 1)
    var enc = SequenceEncoder<Double>(config: s, embeddingDim: 2, initScale: 0, rng: &rng)
    let identity: [Double] = [1, 0, 0, 1]
    for slot in [SequenceEncoder<Double>.Slot.wq, .wk, .wv, .wo] { enc.params[enc.index(0, slot)] = identity }
    for slot in [SequenceEncoder<Double>.Slot.w1, .w2] { enc.params[enc.index(0, slot)] = [0, 0, 0, 0] }
    enc.params[0] = [0, 0, 0, 0]
    var batch = SequenceBatch()
    batch.append([0, 1][...], maxLength: 2)
    let pass = enc.forward(batch, table: [1, 0, 0, 1], dropout: nil, threads: 1)
    let r2 = 2.0.squareRoot(), w0 = 1 / (1 + Foundation.exp(2 * r2))
    assertAllClose(pass.blocks[0].probs, [1, 0, w0, 1 - w0], relative: 1e-10, absolute: 1e-11)
    assertAllClose(pass.blocks[0].o, [1, -1, 2 * w0 - 1, 1 - 2 * w0], relative: 1e-10, absolute: 1e-11)
    assertAllClose(pass.blocks[0].x1, [r2 + 1, -1, 2 * w0 - 1, r2 + 1 - 2 * w0], relative: 1e-10, absolute: 1e-11)
    assertAllClose(pass.output, [1, -1, -1, 1], relative: 1e-9, absolute: 1e-9)
  }

  /// With a window of one item, attention sees only the item itself: the
  /// query depends on the last item alone (an id-embedding lookup).
  func testWindowOfOneIsAnItemLookup() {
    var config = SequenceGradientTests.config()
    config.sequence!.maxLength = 1
    let net = SequenceGradientTests.network(config)
    var batch = SequenceBatch()
    for h: [Int32] in [[3], [7, 3], [1, 2, 3], [4]] { batch.append(h.suffix(1)[...], maxLength: 1) }
    let q = net.queries(batch, threads: 1)
    XCTAssertEqual(Array(q[0..<8]), Array(q[8..<16]))
    XCTAssertEqual(Array(q[0..<8]), Array(q[16..<24]))
    XCTAssertNotEqual(Array(q[0..<8]), Array(q[24..<32]))
  }

  /// A sequence's states do not depend on the rest of the batch or the
  /// thread count (up to rounding: GEMM blocking differs), and one batch
  /// at one thread count gives the same bits every time.
  func testBatchAndThreadInvariance() {
    let net = SequenceGradientTests.network(SequenceGradientTests.config())
    var alone = SequenceBatch()
    alone.append([4, 2, 7][...], maxLength: 5)
    var batch = SequenceBatch()
    batch.append([1, 1, 1, 1, 1][...], maxLength: 5)
    batch.append([4, 2, 7][...], maxLength: 5)
    let a = net.encoder.forward(alone, table: net.itemTable, dropout: nil, threads: 1).output
    let b = net.encoder.forward(batch, table: net.itemTable, dropout: nil, threads: 2).output
    assertAllClose(a, Array(b[(5 * 8)...]), relative: 1e-12, absolute: 1e-13)
    let again = net.encoder.forward(batch, table: net.itemTable, dropout: nil, threads: 2).output
    XCTAssertEqual(b, again)
  }

  /// float32 (vectorised kernels, sgemm) against float64 on the same
  /// parameters: states within 1e-5 relative (plus 1e-5 absolute), and the
  /// loss gradients within 1e-3 of the largest entry.
  func testFloat32AgainstFloat64() {
    for loss in [TwoTowerLoss.softmax, .fullSoftmax, .bce] {
      let config = SequenceGradientTests.config(heads: 2, activation: .gelu)
      let net64 = SequenceGradientTests.network(config)
      let net32 = SequenceNetwork<Float>(d: net64.d, itemCount: net64.itemCount, itemTable: net64.itemTable.map { Float($0) },
                                         historyTable: nil, encoder: net64.encoder.converted(to: Float.self, config: config.sequence!))
      let batch = SequenceGradientTests.batch()
      let masks = DropoutMasks(rate: 0.3, seed: 5, step: 1)
      let y64 = net64.encoder.forward(batch, table: net64.itemTable, dropout: masks, threads: 1).output
      let y32 = net32.encoder.forward(batch, table: net32.itemTable, dropout: masks, threads: 2).output
      assertAllClose(y32.map(Double.init), y64, relative: 1e-5, absolute: 1e-5)
      var o64 = SequenceObjective<Double>(), o32 = SequenceObjective<Float>()
      o64.loss = loss; o32.loss = loss
      var g64 = net64.zeroGradients(), g32 = net32.zeroGradients()
      let l64 = net64.loss(batch, objective: o64, dropout: masks, into: &g64).reduce(0) { $0 + $1.value }
      let l32 = net32.loss(batch, objective: o32, dropout: masks, into: &g32).reduce(0) { $0 + $1.value }
      assertClose(Double(l32), l64, relative: 1e-5)
      // One scale for all: the key bias's gradient is 0 in exact arithmetic
      // (a softmax ignores a constant per row), so float32 leaves only rounding there.
      let scale = g64.encoder.joined().map(abs).max() ?? 0
      for p in g64.encoder.indices {
        assertAllClose(g32.encoder[p].map(Double.init), g64.encoder[p], relative: 1e-3, absolute: 1e-3 * scale,
                       "\(loss) \(net64.encoder.names[p])")
      }
    }
  }

  /// The LayerNorm and causal-softmax kernels against the float64 loops,
  /// on widths that exercise the 8-lane bodies and the tails.
  func testRowKernelsAgainstFloat64() {
    for d in [1, 7, 8, 13, 64] {
      let rows = 5
      let x = randomValues(rows * d, seed: UInt64(d), scale: 3), g = randomValues(d, seed: 9), b = randomValues(d, seed: 10)
      let dy = randomValues(rows * d, seed: 11)
      var y64 = [Double](repeating: 0, count: rows * d), h64 = y64, r64 = [Double](repeating: 0, count: rows)
      var y32 = [Float](repeating: 0, count: rows * d), h32 = y32, r32 = [Float](repeating: 0, count: rows)
      Double.layerNormForward(rows: rows, d: d, x: x, gamma: g, beta: b, epsilon: 1e-6, y: &y64, xhat: &h64, rstd: &r64)
      Float.layerNormForward(rows: rows, d: d, x: x.map(Float.init), gamma: g.map(Float.init), beta: b.map(Float.init),
                             epsilon: 1e-6, y: &y32, xhat: &h32, rstd: &r32)
      assertAllClose(y32.map(Double.init), y64, relative: 1e-5, absolute: 1e-5, "LayerNorm forward, d = \(d)")
      var dx64 = [Double](repeating: 0.5, count: rows * d), dg64 = [Double](repeating: 0, count: d), db64 = dg64
      var dx32 = [Float](repeating: 0.5, count: rows * d), dg32 = [Float](repeating: 0, count: d), db32 = dg32
      Double.layerNormBackward(rows: rows, d: d, dy: dy, xhat: h64, rstd: r64, gamma: g, dx: &dx64, dgamma: &dg64, dbeta: &db64)
      Float.layerNormBackward(rows: rows, d: d, dy: dy.map(Float.init), xhat: h32, rstd: r32, gamma: g.map(Float.init),
                              dx: &dx32, dgamma: &dg32, dbeta: &db32)
      assertAllClose(dx32.map(Double.init), dx64, relative: 1e-4, absolute: 1e-4, "LayerNorm dx, d = \(d)")
      assertAllClose(dg32.map(Double.init), dg64, relative: 1e-5, absolute: 1e-5, "LayerNorm dgamma, d = \(d)")
      assertAllClose(db32.map(Double.init), db64, relative: 1e-5, absolute: 1e-5, "LayerNorm dbeta, d = \(d)")
      // Causal softmax of a d x d block with a wider row stride, and its backward.
      let ld = d + 3
      var s64 = randomValues(d * ld, seed: 12, scale: 20), s32 = s64.map(Float.init)
      Double.causalSoftmax(n: d, &s64, ld: ld)
      Float.causalSoftmax(n: d, &s32, ld: ld)
      for i in 0..<d {
        XCTAssertEqual(s64[(i * ld)..<(i * ld + i + 1)].reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertTrue(s32[(i * ld + i + 1)..<(i * ld + d)].allSatisfy { $0 == 0 }, "entries past the diagonal are 0")
      }
      assertAllClose(s32.map(Double.init), s64, relative: 1e-5, absolute: 1e-7, "causal softmax, n = \(d)")
      var g64 = randomValues(d * ld, seed: 13), g32 = g64.map(Float.init)
      Double.causalSoftmaxBackward(n: d, s64, lda: ld, &g64, ldg: ld)
      Float.causalSoftmaxBackward(n: d, s32, lda: ld, &g32, ldg: ld)
      assertAllClose(g32.map(Double.init), g64, relative: 1e-4, absolute: 1e-6, "causal softmax backward, n = \(d)")
    }
  }

  /// The causal softmax's backward against finite differences of <g, softmax(s)>.
  func testCausalSoftmaxBackwardByFiniteDifferences() {
    let n = 5
    let s = randomValues(n * n, seed: 21, scale: 2), probe0 = randomValues(n * n, seed: 22)
    func f(_ x: [Double]) -> Double {
      var a = x
      Double.causalSoftmax(n: n, &a, ld: n)
      return probe(a, probe0)
    }
    var a = s
    Double.causalSoftmax(n: n, &a, ld: n)
    var g = probe0
    Double.causalSoftmaxBackward(n: n, a, lda: n, &g, ldg: n)
    assertAllClose(g, numericGradient(s, f), relative: 1e-6, absolute: 1e-9)
  }
}
