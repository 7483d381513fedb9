import GramianTestSupport
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Hand-written backward passes against float64 central differences, one
/// layer at a time: bags (lookup + mean pooling), MLP with ReLU, L2
/// normalisation.
final class LayerGradientTests: XCTestCase {
  /// Bags mixing an id entry (weight 1), a mean over 3 feature values and a
  /// history mean that reuses a row twice across examples.
  func makeBags() -> EmbeddingBags<Double> {
    var bags = EmbeddingBags<Double>()
    bags.add(table: 0, row: 2, weight: 1)
    for r: Int32 in [0, 3, 4] { bags.add(table: 1, row: r, weight: 1.0 / 3) }
    bags.close()
    bags.add(table: 0, row: 0, weight: 1)
    bags.add(table: 1, row: 3, weight: 0.5); bags.add(table: 1, row: 1, weight: 0.5)
    bags.close()
    bags.add(table: 1, row: 4, weight: 1)
    bags.close()
    return bags
  }

  func testEmbeddingLookupAndPoolingGradient() {
    let d = 3, rows = [4, 5]
    let bags = makeBags()
    let flat = randomValues((rows[0] + rows[1]) * d, seed: 1)
    let r = randomValues(bags.count * d, seed: 2)
    func split(_ x: [Double]) -> [[Double]] { [Array(x[0..<(rows[0] * d)]), Array(x[(rows[0] * d)...])] }
    let f = { (x: [Double]) in probe(r, bags.gather(split(x), width: d)) }
    var grads = rows.map { SparseRows<Double>(rows: $0, width: d) }
    bags.scatter(r, width: d, into: &grads)
    let analytic = dense(grads[0], rows: rows[0]) + dense(grads[1], rows: rows[1])
    assertAllClose(analytic, numericGradient(flat, f), relative: 1e-7, absolute: 1e-9)
    // The forward pass itself: example 0 is E0[2] + mean(E1[0], E1[3], E1[4]).
    let x = bags.gather(split(flat), width: d)
    let t = split(flat)
    for j in 0..<d {
      let expected = t[0][2 * d + j] + (t[1][0 * d + j] + t[1][3 * d + j] + t[1][4 * d + j]) / 3
      assertClose(x[j], expected, relative: 1e-12)
    }
  }

  func checkStack(layers: [Int], normalize: Bool, file: StaticString = #filePath, line: UInt = #line) {
    var rng = SeededGenerator(seed: 7)
    let rows = 4, input = 5
    let stack0 = DenseStack<Double>(input: input, layers: layers, normalize: normalize, rng: &rng)
    // Non-zero biases so the bias gradient is exercised away from the init.
    var stack = stack0
    for l in 0..<stack.layerCount { stack.biases[l] = randomValues(stack.biases[l].count, seed: 30 + UInt64(l), scale: 0.1) }
    let x = randomValues(rows * input, seed: 3)
    let r = randomValues(rows * stack.outputDim, seed: 4)
    var grads = stack.zeroGradients()
    let pass = stack.forward(x, rows: rows)
    let dx = stack.backward(pass, r, into: &grads)
    assertAllClose(dx, numericGradient(x) { probe(r, stack.forward($0, rows: rows).output) },
                   relative: 1e-6, absolute: 1e-8, "input gradient", file: file, line: line)
    for l in 0..<stack.layerCount {
      let fw = { (w: [Double]) -> Double in var s = stack; s.weights[l] = w; return probe(r, s.forward(x, rows: rows).output) }
      assertAllClose(grads.dW[l], numericGradient(stack.weights[l], fw), relative: 1e-6, absolute: 1e-8,
                     "weights of layer \(l)", file: file, line: line)
      let fb = { (b: [Double]) -> Double in var s = stack; s.biases[l] = b; return probe(r, s.forward(x, rows: rows).output) }
      assertAllClose(grads.db[l], numericGradient(stack.biases[l], fb), relative: 1e-6, absolute: 1e-8,
                     "biases of layer \(l)", file: file, line: line)
    }
  }

  func testMLPWithReLUGradient() { checkStack(layers: [6, 4, 3], normalize: false) }
  func testSingleLinearLayerGradient() { checkStack(layers: [3], normalize: false) }
  func testL2NormalisationGradient() { checkStack(layers: [], normalize: true) }
  func testMLPThenNormalisationGradient() { checkStack(layers: [6, 3], normalize: true) }

  /// Row chunks on several workers (per-chunk dW and db partials, the ReLU
  /// mask applied per chunk) give the one-worker result up to summation order.
  func testRowParallelStackAgreesWithOneWorker() {
    var rng = SeededGenerator(seed: 8)
    let stack = DenseStack<Double>(input: 5, layers: [7, 3], normalize: true, rng: &rng)
    let x = randomValues(9 * 5, seed: 6), r = randomValues(9 * 3, seed: 7)
    var g1 = stack.zeroGradients(), g3 = stack.zeroGradients()
    let p1 = stack.forward(x, rows: 9, threads: 1), p3 = stack.forward(x, rows: 9, threads: 3)
    assertAllClose(p3.output, p1.output, relative: 1e-12, absolute: 1e-14)
    assertAllClose(stack.backward(p3, r, into: &g3, threads: 3), stack.backward(p1, r, into: &g1, threads: 1), relative: 1e-12, absolute: 1e-14)
    for l in 0..<2 {
      assertAllClose(g3.dW[l], g1.dW[l], relative: 1e-12, absolute: 1e-14)
      assertAllClose(g3.db[l], g1.db[l], relative: 1e-12, absolute: 1e-14)
    }
  }

  func testReLUZeroesNegativePreActivationsAndNormalisedRowsHaveUnitLength() {
    var rng = SeededGenerator(seed: 9)
    let stack = DenseStack<Double>(input: 3, layers: [8, 2], normalize: true, rng: &rng)
    let x = randomValues(5 * 3, seed: 5)
    let pass = stack.forward(x, rows: 5)
    XCTAssertTrue(pass.x[1].allSatisfy { $0 >= 0 })
    XCTAssertTrue(pass.x[1].contains(0), "some hidden unit is cut by ReLU on this fixture")
    for r in 0..<5 {
      assertClose(pass.output[(2 * r)] * pass.output[2 * r] + pass.output[2 * r + 1] * pass.output[2 * r + 1], 1, relative: 1e-12)
    }
  }
}
