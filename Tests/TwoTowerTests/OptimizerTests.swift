import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// The optimiser's update rules against float64 values computed by hand
/// from `tf_keras.optimizers.Adagrad` (0.1 initial accumulator, epsilon 1e-7
/// under the square root, duplicate `IndexedSlices` rows summed before the
/// update), and the parallel gather / scatter / table update against one worker.
final class OptimizerTests: XCTestCase {
  func adagradConfig(lr: Float = 0.1) -> TwoTowerConfig {
    var c = TwoTowerConfig()
    c.optimizer = .adagrad
    c.learningRate = lr
    return c
  }

  /// Two dense Adagrad steps: `a = 0.1 + g²`, `p -= lr g / sqrt(a + 1e-7)`.
  func testDenseAdagradMatchesKerasRule() {
    var opt = Optimizer(sizes: [3], config: adagradConfig())
    var p: [Float] = [0.5, -0.25, 1]
    let g1: [Float] = [2, -0.5, 0], g2: [Float] = [1, 3, -0.001]
    opt.update(dense: 0, &p, g1, lr: 0.1, scale: 1)
    opt.update(dense: 0, &p, g2, lr: 0.1, scale: 1)
    // By hand, element 0: a1 = 0.1 + 4 = 4.1, p1 = 0.5 - 0.2/sqrt(4.1000001);
    // a2 = 4.1 + 1 = 5.1, p2 = p1 - 0.1/sqrt(5.1000001).
    let p0 = 0.5 - 0.2 / (4.1 + 1e-7).squareRoot() - 0.1 / (5.1 + 1e-7).squareRoot()
    // Element 1: a1 = 0.35, a2 = 9.35. Element 2: a1 = 0.1 (g = 0, no move), a2 = 0.100001.
    let p1 = -0.25 + 0.05 / (0.35 + 1e-7).squareRoot() - 0.3 / (9.35 + 1e-7).squareRoot()
    let p2 = 1 + 0.0001 / (0.100001 + 1e-7).squareRoot()
    assertAllClose(p, [p0, p1, p2], relative: 1e-6)
    assertAllClose(opt.first[0], [5.1, 9.35, 0.100001], relative: 1e-6)
    // The epsilon sits under the square root: with a zero initial
    // accumulator and a tiny gradient the step is lr · g / sqrt(g² + eps), not lr · sign(g).
    var c = adagradConfig(); c.adagradInitial = 0
    var tiny = Optimizer(sizes: [1], config: c)
    var q: [Float] = [0]
    tiny.update(dense: 0, &q, [1e-4], lr: 1, scale: 1)
    assertClose(Double(q[0]), -1e-4 / (1e-8 + 1e-7).squareRoot(), relative: 1e-5)
  }

  /// A row that two examples of a batch use gets one update with the summed
  /// gradient (accumulator += (g1 + g2)², not g1² + g2²); rows outside the
  /// batch keep their values and accumulators.
  func testSparseAdagradSumsDuplicateRowsBeforeSquaring() {
    var bags = EmbeddingBags<Float>()
    for row: Int32 in [1, 3, 1] { bags.add(table: 0, row: row, weight: 1); bags.close() }
    let dx: [Float] = [0.5, -1, 2, 0.25, 1.5, 3]  // 3 examples x width 2
    var grads = [SparseRows<Float>(rows: 4, width: 2)]
    bags.scatter(dx, width: 2, into: &grads)
    var table: [Float] = [0, 0, 1, 1, 2, 2, 3, 3]
    var opt = Optimizer(sizes: [8], config: adagradConfig())
    opt.update(table: 0, &table, grads[0], lr: 0.1, scale: 1)
    // Row 1: g = (0.5 + 1.5, -1 + 3) = (2, 2): a = 4.1, p = 1 - 0.2/sqrt(4.1000001).
    let moved1 = 1 - 0.2 / (4.1 + 1e-7).squareRoot()
    // Row 3: g = (2, 0.25): a = (4.1, 0.1625).
    let moved3a = 3 - 0.2 / (4.1 + 1e-7).squareRoot(), moved3b = 3 - 0.025 / (0.1625 + 1e-7).squareRoot()
    assertAllClose(table, [0, 0, moved1, moved1, 2, 2, moved3a, moved3b], relative: 1e-6)
    assertAllClose(opt.first[0], [0.1, 0.1, 4.1, 4.1, 0.1, 0.1, 4.1, 0.1625], relative: 1e-6)
  }

  /// Gather, scatter and the table update split over two workers give the
  /// same bits as one worker (sizes above the parallel thresholds, rows repeated).
  func testParallelGatherScatterAndUpdateMatchOneWorker() {
    let rows = 300, width = 5, examples = 700
    var rng = SeededGenerator(seed: 3)
    var bags = EmbeddingBags<Float>()
    for _ in 0..<examples {
      bags.add(table: 0, row: Int32(rng.next() % UInt64(rows)), weight: 1)
      bags.add(table: 1, row: Int32(rng.next() % 40), weight: 0.5)
      bags.add(table: 1, row: Int32(rng.next() % 40), weight: 0.5)
      bags.close()
    }
    let tables: [[Float]] = [(0..<(rows * width)).map { _ in Float(rng.nextNormal()) },
                             (0..<(40 * width)).map { _ in Float(rng.nextNormal()) }]
    XCTAssertEqual(bags.gather(tables, width: width, threads: 2), bags.gather(tables, width: width, threads: 1))
    let dx = (0..<(examples * width)).map { _ in Float(rng.nextNormal()) }
    func scattered(_ threads: Int) -> [SparseRows<Float>] {
      var g = [SparseRows<Float>(rows: rows, width: width), SparseRows<Float>(rows: 40, width: width)]
      bags.scatter(dx, width: width, into: &g, threads: threads)
      return g
    }
    let one = scattered(1), two = scattered(2)
    for t in 0..<2 {
      XCTAssertEqual(one[t].rows, two[t].rows)
      XCTAssertEqual(one[t].values, two[t].values)
    }
    // The scatter's sums against a plain float64 loop.
    var reference = [Double](repeating: 0, count: rows * width)
    for e in 0..<examples {
      let q = bags.offsets[e]
      for j in 0..<width { reference[Int(bags.rows[q]) * width + j] += Double(dx[e * width + j]) }
    }
    for r in 0..<rows { assertAllClose(one[0].gradient(ofRow: r), reference[(r * width)..<((r + 1) * width)],
                                               relative: 1e-6, absolute: 1e-5) }
    XCTAssertGreaterThanOrEqual(one[0].rows.count, 256)
    var a = tables[0], b = tables[0]
    var optA = Optimizer(sizes: [a.count], config: adagradConfig()), optB = optA
    optA.update(table: 0, &a, one[0], lr: 0.1, scale: 0.5, threads: 1)
    optB.update(table: 0, &b, one[0], lr: 0.1, scale: 0.5, threads: 2)
    XCTAssertEqual(a, b)
    XCTAssertEqual(optA.first[0], optB.first[0])

    // Every table in one parallel loop (the trainer's path) equals table by
    // table, for both optimisers, with an untouched table in between and a
    // dense parameter after the tables.
    var empty = SparseRows<Float>(rows: 7, width: width)
    empty.reset()
    let grads = [one[0], empty, one[1]]
    let start: [[Float]] = [tables[0], [Float](repeating: 1, count: 7 * width), tables[1]]
    for kind in [TwoTowerOptimizer.adagrad, .adam] {
      var config = adagradConfig()
      config.optimizer = kind
      var byTable = start, sizes = start.map(\.count)
      sizes.append(3)
      var optT = Optimizer(sizes: sizes, config: config)
      optT.step = 1
      for t in 0..<3 { optT.update(table: t, &byTable[t], grads[t], lr: 0.1, scale: 0.5, threads: 1) }
      for threads in [1, 2] {
        var together = start
        var optU = Optimizer(sizes: sizes, config: config)
        optU.step = 1
        optU.update(tables: &together, grads, lr: 0.1, scale: 0.5, threads: threads)
        XCTAssertEqual(together, byTable, "\(kind), \(threads) threads")
        XCTAssertEqual(optU.first, optT.first, "\(kind), \(threads) threads")
        XCTAssertEqual(optU.second, optT.second, "\(kind), \(threads) threads")
      }
    }
  }

  func testFiniteCheckFindsNaNAndInfinityAnywhere() {
    var g = [Float](repeating: 1e30, count: 19)
    XCTAssertTrue(OptimizerKernels.allFinite(g, count: g.count))
    for bad in [Float.nan, .infinity, -.infinity] {
      for at in [0, 7, 8, 18] {
        g[at] = bad
        XCTAssertFalse(OptimizerKernels.allFinite(g, count: g.count), "\(bad) at \(at)")
        g[at] = 1e30
      }
    }
  }
}
