import Evaluation
import GramianTestSupport
import IALS
import InteractionData
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Training behaviour: MF special case, agreement with the iALS closed
/// form, determinism, divergence guard, early stopping.
final class TrainingTests: XCTestCase {
  /// A seeded random matrix in which every user and item has a pair.
  static func tinyData(users: Int = 12, items: Int = 10, density: Double = 0.35, seed: UInt64 = 4) -> Interactions {
    var rng = SeededGenerator(seed: seed)
    var us: [Int32] = [], its: [Int32] = []
    for u in 0..<users {
      for i in 0..<items where rng.nextUnit() < density || i == u % items || u == i % users {
        us.append(Int32(u)); its.append(Int32(i))
      }
    }
    return Interactions(users: us, items: its, weights: us.map { _ in 1 },
                        userIds: IdMap(names: (0..<users).map { "u\($0)" }), itemIds: IdMap(names: (0..<items).map { "i\($0)" }))
  }

  func fit(_ events: Interactions, _ config: TwoTowerConfig, callbacks: TwoTowerCallbacks = TwoTowerCallbacks()) throws -> TwoTowerModel {
    try TwoTowerModel.fit(TwoTowerData(train: InteractionMatrix(events)), userIds: events.userIds, itemIds: events.itemIds,
                          config: config, callbacks: callbacks)
  }

  /// Pure id towers are matrix factorisation: the served embeddings are the
  /// id tables, scores are their dot products, and a table row's gradient
  /// is the loss gradient of that user's (item's) output.
  func testPureIdTowersAreMatrixFactorisation() throws {
    let events = Self.tinyData()
    var config = TwoTowerConfig()
    config.embeddingDim = 4
    config.batchSize = 8
    config.epochs = 2
    config.threads = 1
    var trainer = TwoTowerTrainer(data: TwoTowerData(train: InteractionMatrix(events)), config: config)
    trainer.totalSteps = 10
    var rng = SeededGenerator(seed: 1)
    for s in 0..<5 {
      trainer.step += 1
      _ = try trainer.train(trainer.makeBatch(Array(0..<trainer.exampleCount)[(s * 8)..<(s * 8 + 8)], rng: &rng), epoch: 1)
    }
    let model = trainer.model(userIds: events.userIds, itemIds: events.itemIds)
    XCTAssertEqual(model.userEmbeddings.storage, trainer.network.tables[trainer.network.layout.userId!])
    XCTAssertEqual(model.itemEmbeddings.storage, trainer.network.tables[trainer.network.layout.itemId])
    let w = model.userEmbeddings, h = model.itemEmbeddings
    assertClose(Double(model.score(user: 3, item: 5)), Double((0..<4).reduce(Float(0)) { $0 + w[3, $1] * h[5, $1] }), relative: 1e-6)
    // Gradient of the user table = dU of the softmax on the gathered rows.
    let batch = trainer.makeBatch(Array(0..<8)[...], rng: &rng)
    var grads = trainer.network.zeroGradients()
    var obj = Objective<Float>(); obj.threads = 1
    _ = trainer.network.loss(batch, objective: obj, into: &grads)
    let u = batch.queries.gather(trainer.network.tables, width: 4), v = batch.candidates.gather(trainer.network.tables, width: 4)
    var du = [Float](repeating: 0, count: u.count), dv = [Float](repeating: 0, count: v.count)
    _ = SampledSoftmax.apply(u: u, v: v, rows: 8, columns: 8, dim: 4, temperature: 1, logQ: nil, positives: nil, candidates: nil,
                             threads: 1, dU: &du, dV: &dv)
    var expected = [Float](repeating: 0, count: 4)
    for r in 0..<8 where batch.queries.rows[r] == batch.queries.rows[0] { for j in 0..<4 { expected[j] += du[r * 4 + j] } }
    assertAllClose(grads.tables[0].gradient(ofRow: Int(batch.queries.rows[0])), expected, relative: 1e-5, absolute: 1e-7)
  }

  /// MSE + exact Gram + output L2 with id towers is the iALS objective
  /// `sum_S (s-1)² + alpha0 sum_{U x I} s² + lambda (|W|² + |H|²)`
  /// (gram weight `alpha0 |U||I| / N`); full-batch Adam reaches the loss of
  /// the closed-form ALS solution within 1%.
  func testMSEWithExactGramMatchesIALSClosedForm() throws {
    let events = Self.tinyData()
    let train = InteractionMatrix(events)
    var ials = IALSConfig()
    ials.factors = 3
    ials.epochs = 60
    ials.regularization = 0.1
    ials.unobservedWeight = 0.2
    ials.threads = 1
    let reference = try IALSModel.fit(train, userIds: events.userIds, itemIds: events.itemIds, config: ials)
    let target = reference.loss(train)

    var config = TwoTowerConfig()
    config.embeddingDim = 3
    config.loss = .mse
    config.gramWeight = ials.unobservedWeight * Float(train.userCount * train.itemCount) / Float(train.nnz)
    config.gramEstimator = .exact
    config.l2 = ials.regularization
    config.batchSize = train.nnz
    config.epochs = 1500
    config.optimizer = .adam
    config.learningRate = 0.03
    config.decay = .cosine
    config.initScale = 0.3
    config.threads = 1
    let model = try fit(events, config)
    let achieved = IALSModel(config: ials, userFactors: model.userEmbeddings, itemFactors: model.itemEmbeddings,
                             userIds: events.userIds, itemIds: events.itemIds).loss(train)
    XCTAssertLessThan(abs(achieved - target) / target, 0.01, "two-tower \(achieved) vs iALS \(target)")
  }

  func testSeedAndThreadCountFixTheResult() throws {
    let events = Self.tinyData(users: 30, items: 20, density: 0.3)
    var config = TwoTowerConfig()
    config.embeddingDim = 6
    config.layers = [8, 4]
    config.batchSize = 16
    config.epochs = 2
    config.mixedNegatives = 4
    config.gramWeight = 0.1
    config.gramEstimator = .sogram
    config.logQ = .streaming
    config.optimizer = .adam
    config.learningRate = 0.01
    config.threads = 2
    let a = try fit(events, config), b = try fit(events, config)
    XCTAssertEqual(a.userEmbeddings, b.userEmbeddings)
    XCTAssertEqual(a.itemEmbeddings, b.itemEmbeddings)
    config.seed = 2
    let c = try fit(events, config)
    XCTAssertNotEqual(a.userEmbeddings, c.userEmbeddings)
  }

  func testDivergenceStopsWithTheStepAndTerm() {
    let events = Self.tinyData()
    var config = TwoTowerConfig()
    config.embeddingDim = 4
    config.batchSize = 8
    config.epochs = 50
    config.learningRate = 1e30
    config.temperature = 1e-3
    config.threads = 1
    XCTAssertThrowsError(try fit(events, config)) { error in
      guard case .nonFinite(let step, _, let term)? = error as? TwoTowerError else { return XCTFail("\(error)") }
      XCTAssertGreaterThan(step, 1)
      XCTAssertTrue(["softmax loss", "gradient"].contains(term), term)
      XCTAssertTrue("\(error)".contains("step \(step)"))
    }
  }

  func testEarlyStoppingReturnsTheBestEvaluatedModel() throws {
    let events = Self.tinyData()
    var config = TwoTowerConfig()
    config.embeddingDim = 4
    config.batchSize = 8
    config.epochs = 10
    config.threads = 1
    var scores = [0.5, 0.9, 0.4, 0.3, 0.2, 0.1]
    var seen: [TwoTowerModel] = []
    var reports: [TwoTowerEpochReport] = []
    let model = try fit(events, config, callbacks: TwoTowerCallbacks(
      onEpoch: { reports.append($0) },
      earlyStopping: EarlyStopping(every: 1, patience: 3) { m in seen.append(m); return scores.removeFirst() }))
    XCTAssertEqual(reports.count, 5, "best at epoch 2, three evaluations without improvement")
    XCTAssertEqual(reports.compactMap(\.validation), [0.5, 0.9, 0.4, 0.3, 0.2])
    XCTAssertEqual(model.userEmbeddings, seen[1].userEmbeddings)
    XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite && $0.examplesPerSecond > 0 })
  }

  func testInvalidConfigIsRejected() {
    var config = TwoTowerConfig()
    config.temperature = 0
    XCTAssertThrowsError(try config.validate())
    config = TwoTowerConfig(); config.loss = .mse; config.logQ = .exact
    XCTAssertThrowsError(try config.validate())
  }

  func testLearningRateSchedule() {
    var c = TwoTowerConfig()
    c.learningRate = 1; c.warmupSteps = 4; c.decay = .linear
    XCTAssertEqual(Optimizer.learningRate(step: 2, total: 14, config: c), 0.5)
    XCTAssertEqual(Optimizer.learningRate(step: 4, total: 14, config: c), 1)
    XCTAssertEqual(Optimizer.learningRate(step: 9, total: 14, config: c), 0.5)
    c.decay = .cosine
    assertClose(Double(Optimizer.learningRate(step: 9, total: 14, config: c)), 0.5, relative: 1e-6)
  }
}
