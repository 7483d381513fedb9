import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The whole network (bags -> MLP -> normalisation -> every loss term ->
/// back into the tables) against float64 central differences, and the
/// float32 instantiation against the float64 one.
final class NetworkGradientTests: XCTestCase {
  func makeConfig() -> TwoTowerConfig {
    var c = TwoTowerConfig()
    c.embeddingDim = 4
    c.layers = [5, 3]
    c.normalize = true
    c.history = 2
    c.initScale = 0.5
    c.seed = 3
    return c
  }

  /// 3 users, 6 items, user and item feature tables, history sharing the item table.
  func makeNetwork<T: TowerScalar>(_ config: TwoTowerConfig, as: T.Type) -> TwoTowerNetwork<T> {
    let layout = TableLayout(users: 3, items: 6, userFeatureValues: 2, itemFeatureValues: 4, config: config)
    var net = TwoTowerNetwork<T>(layout: layout, config: config)
    for l in 0..<net.query.layerCount { net.query.biases[l] = randomValues(net.query.biases[l].count, seed: 60 + UInt64(l), scale: 0.2).map { T($0) } }
    return net
  }

  func makeBatch<T: TowerScalar>(_ layout: TableLayout, as: T.Type) -> TowerBatch<T> {
    var batch = TowerBatch<T>()
    let users: [Int32] = [0, 1, 2, 1], items: [Int32] = [1, 2, 2, 5], extra: [Int32] = [0, 1]
    let history: [[Int32]] = [[3, 4], [0, 2], [5]]
    for (u, i) in zip(users, items) {
      batch.queries.add(table: layout.userId!, row: u, weight: 1)
      batch.queries.add(table: layout.userFeatures!, row: u % 2, weight: 1)
      let h = history[Int(u)].filter { $0 != i }
      for x in h { batch.queries.add(table: layout.history!, row: x, weight: T(1) / T(h.count)) }
      batch.queries.close()
    }
    for i in items + extra {
      batch.candidates.add(table: layout.itemId, row: i, weight: 1)
      batch.candidates.add(table: layout.itemFeatures!, row: i % 4, weight: 0.5)
      batch.candidates.add(table: layout.itemFeatures!, row: (i + 1) % 4, weight: 0.5)
      batch.candidates.close()
      batch.candidateItems.append(i)
    }
    batch.logQ = [-1.0, -2, -0.5, -3, -1.5, -2.5].map { T($0) }
    batch.userGramWeights = [1, 2, 0.5, 1].map { T($0) }
    batch.itemGramWeights = [0.7, 1.1, 1.3, 0.9].map { T($0) }
    batch.userL2Weights = [1, 0.5, 1, 0.5].map { T($0) }
    batch.itemL2Weights = [1, 0.5, 0.5, 1].map { T($0) }
    return batch
  }

  func objective<T: TowerScalar>(_ loss: TwoTowerLoss, as: T.Type) -> Objective<T> {
    var o = Objective<T>()
    o.loss = loss
    o.temperature = 0.4
    o.removeAccidentalHits = loss == .softmax
    o.gramWeight = 0.3
    o.l2 = 0.05
    return o
  }

  /// Both table layouts: history sharing the item table (the towers then
  /// scatter one after the other) and history in its own table (the towers
  /// share no table and scatter at the same time).
  func testWholeNetworkGradientForEveryTableAndLayer() {
    // The pair-based losses (full-softmax and bce train the attention tower: SequenceGradientTests).
    for (loss, shared) in [TwoTowerLoss.softmax, .mse].flatMap({ l in [(l, true), (l, false)] }) {
      var config = makeConfig()
      config.shareHistoryTable = shared
      let net = makeNetwork(config, as: Double.self)
      var batch = makeBatch(net.layout, as: Double.self)
      if loss == .mse { batch.logQ = nil }
      let obj = objective(loss, as: Double.self)
      var grads = net.zeroGradients()
      _ = net.loss(batch, objective: obj, into: &grads)
      func total(_ n: TwoTowerNetwork<Double>) -> Double {
        var g = n.zeroGradients()
        return n.loss(batch, objective: obj, into: &g).reduce(0) { $0 + $1.value }
      }
      for t in 0..<net.tables.count {
        let fd = numericGradient(net.tables[t]) { x in var n = net; n.tables[t] = x; return total(n) }
        assertAllClose(dense(grads.tables[t], rows: net.layout.rows[t]), fd, relative: 1e-5, absolute: 1e-8,
                       "\(loss) table \(t), history table shared: \(shared)")
      }
      for l in 0..<net.query.layerCount {
        let fq = numericGradient(net.query.weights[l]) { x in var n = net; n.query.weights[l] = x; return total(n) }
        assertAllClose(grads.query.dW[l], fq, relative: 1e-5, absolute: 1e-8, "\(loss) query layer \(l)")
        let fi = numericGradient(net.item.biases[l]) { x in var n = net; n.item.biases[l] = x; return total(n) }
        assertAllClose(grads.item.db[l], fi, relative: 1e-5, absolute: 1e-8, "\(loss) item bias \(l)")
      }
    }
  }

  /// float32 (sgemm) and float64 (dgemm) instantiations of the same code
  /// agree to float32 rounding: loss terms within 1e-4 relative.
  func testFloat32AgreesWithFloat64Reference() {
    let config = makeConfig()
    let n64 = makeNetwork(config, as: Double.self)
    let n32 = TwoTowerNetwork<Float>(layout: n64.layout, embeddingDim: n64.embeddingDim,
                                     tables: n64.tables.map { $0.map(Float.init) },
                                     query: DenseStack(widths: n64.query.widths, normalize: true, weights: n64.query.weights.map { $0.map(Float.init) }, biases: n64.query.biases.map { $0.map(Float.init) }),
                                     item: DenseStack(widths: n64.item.widths, normalize: true, weights: n64.item.weights.map { $0.map(Float.init) }, biases: n64.item.biases.map { $0.map(Float.init) }))
    var g64 = n64.zeroGradients(), g32 = n32.zeroGradients()
    let t64 = n64.loss(makeBatch(n64.layout, as: Double.self), objective: objective(.softmax, as: Double.self), into: &g64)
    let t32 = n32.loss(makeBatch(n32.layout, as: Float.self), objective: objective(.softmax, as: Float.self), into: &g32)
    XCTAssertEqual(t64.map(\.name), ["softmax", "gram", "l2"])
    for (a, b) in zip(t64, t32) { assertClose(a.value, Double(b.value), relative: 1e-4, absolute: 1e-6, a.name) }
    for t in 0..<n64.tables.count {
      assertAllClose(dense(g64.tables[t], rows: n64.layout.rows[t]),
                     (0..<n32.layout.rows[t]).flatMap { g32.tables[t].gradient(ofRow: $0) }, relative: 1e-3, absolute: 1e-5)
    }
  }

  /// With two or more threads the towers run side by side (and the softmax
  /// in row and column phases): loss and every gradient equal one worker's.
  func testTowersSideBySideMatchOneWorker() {
    for shared in [true, false] { checkSideBySide(sharedHistoryTable: shared) }
  }

  func checkSideBySide(sharedHistoryTable: Bool) {
    var config = makeConfig()
    config.shareHistoryTable = sharedHistoryTable
    let net = makeNetwork(config, as: Double.self)
    let batch = makeBatch(net.layout, as: Double.self)
    var one = objective(.softmax, as: Double.self), two = one, three = one
    one.threads = 1; two.threads = 2; three.threads = 3
    var g1 = net.zeroGradients(), g2 = net.zeroGradients(), g3 = net.zeroGradients()
    let t1 = net.loss(batch, objective: one, into: &g1)
    for (objective, g) in [(two, 2), (three, 3)] {
      var grads = net.zeroGradients()
      let t = net.loss(batch, objective: objective, into: &grads)
      if g == 2 { g2 = grads } else { g3 = grads }
      for (a, b) in zip(t1, t) { assertClose(b.value, a.value, relative: 1e-12, "\(a.name), \(g) threads") }
    }
    for g in [g2, g3] {
      for t in 0..<net.tables.count {
        assertAllClose(dense(g.tables[t], rows: net.layout.rows[t]), dense(g1.tables[t], rows: net.layout.rows[t]),
                       relative: 1e-12, absolute: 1e-14, "table \(t)")
      }
      for l in 0..<net.query.layerCount {
        assertAllClose(g.query.dW[l], g1.query.dW[l], relative: 1e-12, absolute: 1e-14, "query layer \(l)")
        assertAllClose(g.item.db[l], g1.item.db[l], relative: 1e-12, absolute: 1e-14, "item bias \(l)")
      }
    }
  }
}
