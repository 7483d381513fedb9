import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The attention tower's hand-written gradients against float64 central
/// finite differences of the same loss, for every parameter family:
/// positions, LayerNorms, the multi-head Q/K/V/O projections (split and
/// merge of heads), the feed-forward, the item table and the history's own
/// table, under each loss (sampled softmax with logQ, accidental-hit
/// removal and extra negatives; full softmax; BCE) and the Gram term,
/// with dropout masks held fixed.
final class SequenceGradientTests: XCTestCase {
  static let items = 11

  /// Three sequences of lengths 5, 1 and 3 (window 5), one repeated item
  /// (an accidental hit), a negative per position and two extra columns.
  static func batch() -> SequenceBatch {
    var b = SequenceBatch()
    let seqs: [[Int32]] = [[1, 4, 2, 7, 3, 9], [5, 2], [8, 3, 0, 6]]
    for s in seqs {
      b.append(s.dropLast(), maxLength: 5)
      b.targets += s.dropFirst()
    }
    b.negatives = b.targets.map { Int32((Int($0) + 5) % items) }
    b.extra = [10, 2]
    return b
  }

  static func config(heads: Int = 2, activation: FeedForwardActivation = .relu, share: Bool = true,
                     layout: BlockLayout = .preLN) -> TwoTowerConfig {
    var c = TwoTowerConfig()
    c.embeddingDim = 8
    c.initScale = 0.5
    var s = SequenceTowerConfig()
    s.maxLength = 5
    s.blocks = 2
    s.heads = heads
    s.innerDim = 12
    s.dropout = 0.3
    s.activation = activation
    s.shareItemTable = share
    s.layout = layout
    c.sequence = s
    c.seed = 7
    return c
  }

  /// A float64 network with perturbed (not freshly initialised) LayerNorm
  /// and bias values, so every parameter matters.
  static func network(_ config: TwoTowerConfig) -> SequenceNetwork<Double> {
    var net = SequenceNetwork<Double>(items: items, config: config)
    var rng = SeededGenerator(seed: 3)
    for p in net.encoder.params.indices {
      for j in net.encoder.params[p].indices { net.encoder.params[p][j] += 0.2 * (2 * rng.nextUnit() - 1) }
    }
    return net
  }

  func check(_ objective: SequenceObjective<Double>, config: TwoTowerConfig, batch: SequenceBatch = batch(),
             file: StaticString = #filePath, line: UInt = #line) {
    let net = Self.network(config)
    let masks = DropoutMasks(rate: 0.3, seed: 11, step: 2)
    var grads = net.zeroGradients()
    _ = net.loss(batch, objective: objective, dropout: masks, into: &grads)
    func value(_ n: SequenceNetwork<Double>) -> Double {
      var g = n.zeroGradients()
      return n.loss(batch, objective: objective, dropout: masks, into: &g).reduce(0) { $0 + $1.value }
    }
    for p in net.encoder.params.indices {
      let numeric = numericGradient(net.encoder.params[p]) { x in
        var n = net; n.encoder.params[p] = x; return value(n)
      }
      assertAllClose(grads.encoder[p], numeric, relative: 1e-5, absolute: 1e-7,
                     "parameter \(net.encoder.names[p])", file: file, line: line)
    }
    let numericItems = numericGradient(net.itemTable) { x in var n = net; n.itemTable = x; return value(n) }
    assertAllClose(dense(grads.items, rows: Self.items), numericItems, relative: 1e-5, absolute: 1e-7, "item table",
                   file: file, line: line)
    if let h = net.historyTable {
      let numeric = numericGradient(h) { x in var n = net; n.historyTable = x; return value(n) }
      assertAllClose(dense(grads.history!, rows: Self.items), numeric, relative: 1e-5, absolute: 1e-7, "history table",
                     file: file, line: line)
    }
  }

  func testSampledSoftmaxWithLogQAndAccidentalHits() {
    var o = SequenceObjective<Double>()
    o.loss = .softmax
    o.temperature = 0.7
    o.logQ = (0..<(Self.batch().targets.count + 2)).map { -1 - 0.1 * Double($0 % 5) }
    o.removeAccidentalHits = true
    check(o, config: Self.config())
  }

  func testFullSoftmaxWithGeluAndOwnHistoryTable() {
    var o = SequenceObjective<Double>()
    o.loss = .fullSoftmax
    o.temperature = 1.3
    check(o, config: Self.config(heads: 4, activation: .gelu, share: false))
  }

  func testBCE() {
    var o = SequenceObjective<Double>()
    o.loss = .bce
    check(o, config: Self.config(heads: 1))
  }

  /// SASRec's wiring: keys and values from the raw input, no output
  /// projection, no second LayerNorm.
  func testSASRecLayout() {
    var o = SequenceObjective<Double>()
    o.loss = .softmax
    check(o, config: Self.config(heads: 2, layout: .sasrec))
    o.loss = .bce
    check(o, config: Self.config(heads: 1, activation: .gelu, share: false, layout: .sasrec))
  }

  func testGramTermOnSequenceStates() {
    var o = SequenceObjective<Double>()
    o.loss = .softmax
    o.gramWeight = 0.4
    o.itemGramWeights = (0..<Self.batch().targets.count).map { 0.5 + 0.1 * Double($0) }
    check(o, config: Self.config())
  }
}
