@testable import Comparison
import Evaluation
import GramianTestSupport
import IALS
import InteractionData
import TwoTower
import XCTest

/// The comparison protocol against independent paths: the validation split
/// comes from training only, every choice is the validation argmax, and each
/// reported test number equals a fit + evaluation done directly.
final class ComparisonTests: XCTestCase {
  /// Synthetic low-rank x popularity data split 80/20.
  static let data: ComparisonData = {
    var c = SyntheticConfig()
    c.users = 120; c.items = 80; c.interactions = 2400; c.rank = 4; c.seed = 3
    let events = SyntheticData.generate(c)
    let split = Splitter.randomHoldout(events, testFraction: 0.2, seed: 1)
    return ComparisonData(name: "synthetic", train: split.train, test: split.test)
  }()

  func smallConfig(_ methods: [ComparisonMethod]) -> ComparisonConfig {
    var c = ComparisonConfig()
    c.methods = methods
    c.dimension = 8
    c.twoTower.batchSize = 64
    c.twoTower.epochs = 2
    c.ials.epochs = 3
    c.grids.temperatures = [0.2, 1]
    c.grids.priorExponents = [0, 0.5, 1]
    c.grids.ialsUnobservedWeights = [0.01, 0.1]
    c.grids.ialsRegularizations = [0.01, 0.1]
    c.curveUsers = 50
    c.threads = 2
    c.gridWidenings = 0
    return c
  }

  func evaluate(_ s: some Scorer, _ train: InteractionMatrix, _ test: InteractionMatrix) -> [String: Double] {
    var o = EvaluationOptions()
    o.ks = [20, 50, 100]
    o.threads = 1
    return Evaluator.evaluate(s, train: train, test: test, options: o).metrics
  }

  func pairs(_ x: Interactions) -> Set<String> {
    Set((0..<x.count).map { "\(x.userIds.name(of: x.users[$0]))\t\(x.itemIds.name(of: x.items[$0]))" })
  }

  func testValidationSplitIsCarvedFromTrainingOnly() throws {
    let d = Self.data
    let s = try Session(config: smallConfig([.popularity]), data: d, log: nil)
    let fit = pairs(s.validation.events)
    let held = try XCTUnwrap(heldOut(s))
    XCTAssertTrue(fit.isDisjoint(with: held))
    XCTAssertEqual(fit.union(held), pairs(d.dataset.split.train))
    XCTAssertTrue(fit.union(held).isDisjoint(with: pairs(d.dataset.split.test)))
    XCTAssertEqual(s.summary("x").validationPairs, held.count)
  }

  /// The validation fold's held-out pairs as external-id strings.
  func heldOut(_ s: Session) -> Set<String>? {
    let t = s.validation.test, e = s.validation.events
    var out = Set<String>()
    for u in 0..<t.userCount {
      for i in t.items(ofUser: u) { out.insert("\(e.userIds.name(of: Int32(u)))\t\(e.itemIds.name(of: i))") }
    }
    return out
  }

  func testChoicesAreValidationArgmaxAndTestNumbersMatchDirectFits() throws {
    let d = Self.data
    let config = smallConfig([.popularity, .ials])
    let r = try Comparison(config: config).run(d)
    XCTAssertEqual(r.methods.map(\.method), [.popularity, .ials])
    let train = InteractionMatrix(d.dataset.split.train), test = InteractionMatrix(d.dataset.split.test)

    // Popularity: the evaluator on PopularityModel, directly.
    let pop = try XCTUnwrap(r[.popularity])
    assertClose(pop.test["recall@20"]!, evaluate(PopularityModel(train: train), train, test)["recall@20"]!)

    // iALS: 4 grid points, the chosen one is the best on validation, and the
    // refit equals a direct fit of that setting on the whole training split.
    let ials = try XCTUnwrap(r[.ials])
    XCTAssertEqual(ials.trials.count, 4)
    let bestValue = ials.trials.map { $0.metrics["recall@20"]! }.max()!
    XCTAssertEqual(ials.trials.first { $0.metrics["recall@20"]! == bestValue }!.setting, ials.chosen)
    var c = config.ials
    c.factors = 8; c.threads = 2; c.seed = config.seed
    c.unobservedWeight = Float(ials.chosen["alpha0"]!); c.regularization = Float(ials.chosen["lambda"]!)
    let direct = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)
    let m = evaluate(direct, train, test)
    for key in ["recall@20", "ndcg@20", "recall@50", "ndcg@100"] { assertClose(ials.test[key]!, m[key]!, relative: 1e-9) }
    XCTAssertEqual(ials.curve.count, 3)
    XCTAssertEqual(ials.popularityBuckets.count, 10)
    XCTAssertEqual(ials.popularityBuckets.reduce(0) { $0 + $1.testPairs }, test.nnz)
  }

  /// The dimension search fits the regularisation grid at the first d, then
  /// each larger d at the chosen setting until one does not improve; the
  /// choice is the argmax of the validation values it recorded, and the
  /// refit uses that d.
  func testDimensionSearchChoosesTheArgmaxOfWhatItPrinted() throws {
    var config = smallConfig([.ialsDimensions])
    config.ialsDimensions = [2, 4, 8, 16]
    config.blockSolverAbove = 4
    var lines: [String] = []
    let r = try Comparison(config: config, log: { lines.append($0) }).run(Self.data)
    let m = try XCTUnwrap(r[.ialsDimensions])
    // The printed validation values, parsed back from the log.
    var printed: [(d: Double, value: Double)] = []
    for line in lines where line.contains("ials-dims d=") && line.contains("validation recall@20") {
      let d = Double(line.split(separator: "d=")[1].split(separator: " ")[0])!
      let v = Double(line.split(separator: "recall@20 ")[1].split(separator: " ")[0])!
      printed.append((d, v))
    }
    XCTAssertEqual(printed.count, m.trials.count)
    XCTAssertEqual(m.trials.filter { $0.setting["d"] == 2 }.count, 4, "the alpha0 x lambda grid at the first d")
    let best = printed.max { $0.value < $1.value }!
    XCTAssertEqual(m.chosen["d"], best.d)
    // Each larger d was tried only while the previous one improved.
    let dims = m.trials.compactMap { $0.setting["d"] }.filter { $0 > 2 }
    var previous = m.trials.filter { $0.setting["d"] == 2 }.map { $0.metrics["recall@20"]! }.max()!
    for (k, d) in dims.enumerated() {
      let v = m.trials.first { $0.setting["d"] == d }!.metrics["recall@20"]!
      if k < dims.count - 1 { XCTAssertGreaterThan(v, previous, "d=\(d) did not improve, yet the search went on") }
      if k == dims.count - 1 && dims.count < 3 { XCTAssertLessThanOrEqual(v, previous, "the search stopped after an improvement") }
      previous = v
    }
    // The refit's model has the chosen dimension (the test numbers equal a direct fit of it).
    let train = InteractionMatrix(Self.data.dataset.split.train), test = InteractionMatrix(Self.data.dataset.split.test)
    var c = config.ials
    c.factors = Int(m.chosen["d"]!); c.threads = 2; c.seed = config.seed
    if c.factors > 4 { c.solver = .block }
    c.unobservedWeight = Float(m.chosen["alpha0"]!); c.regularization = Float(m.chosen["lambda"]!)
    let direct = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)
    assertClose(m.test["recall@20"]!, evaluate(direct, train, test)["recall@20"]!, relative: 1e-9)
  }

  /// The two-tower dimension search scales the compared two-tower method
  /// whose best validation point is highest: its first d reuses that fit,
  /// each larger d is tried only while validation improves, the choice is
  /// the argmax of what it printed, and the refit equals a direct fit.
  func testTwoTowerDimensionSearchScalesTheBestTwoTowerMethod() throws {
    var config = smallConfig([.ials, .softmax, .logQExact, .twoTowerDimensions])
    config.twoTowerDimensions = [8, 16, 32]
    var lines: [String] = []
    let r = try Comparison(config: config, log: { lines.append($0) }).run(Self.data)
    let m = try XCTUnwrap(r[.twoTowerDimensions])
    let bestOf = { (x: MethodResult) in x.trials.map { $0.metrics["recall@20"]! }.max()! }
    let softmax = try XCTUnwrap(r[.softmax]), logq = try XCTUnwrap(r[.logQExact])
    let base = bestOf(logq) > bestOf(softmax) ? logq : softmax
    XCTAssertTrue(m.notes.contains { $0.hasPrefix("scales \(base.method.rawValue) ") }, "\(m.notes)")
    XCTAssertEqual(m.trials[0].setting, Setting([Parameter("d", 8), Parameter("tau", base.chosen["tau"]!)]))
    assertClose(m.trials[0].metrics["recall@20"]!, bestOf(base))
    var printed: [(d: Double, value: Double)] = []
    for line in lines where line.contains("two-tower-dims d=") && line.contains("validation recall@20") {
      let d = Double(line.split(separator: "d=")[1].split(separator: " ")[0])!
      printed.append((d, Double(line.split(separator: "recall@20 ")[1].split(separator: " ")[0])!))
    }
    XCTAssertEqual(printed.count, m.trials.count - 1, "every d after the first is fitted and printed")
    let values = [(8.0, m.trials[0].metrics["recall@20"]!)] + printed.map { ($0.d, $0.value) }
    for k in 1..<values.count where k < values.count - 1 {
      XCTAssertGreaterThan(values[k].1, values[k - 1].1, "d=\(values[k].0) did not improve, yet the search went on")
    }
    XCTAssertEqual(m.chosen["d"], values.max { $0.1 < $1.1 }!.0)
    // The refit: the base's loss at the chosen d, fitted directly.
    let d = Self.data
    let train = InteractionMatrix(d.dataset.split.train), test = InteractionMatrix(d.dataset.split.test)
    var c = config.twoTower
    c.embeddingDim = Int(m.chosen["d"]!); c.threads = 2; c.seed = config.seed; c.temperature = Float(m.chosen["tau"]!)
    if base.method == .logQExact { c.logQ = .exact }
    let direct = try TwoTowerModel.fit(TwoTowerData(train: train), userIds: d.dataset.userIds, itemIds: d.dataset.itemIds, config: c)
    assertClose(m.test["recall@20"]!, evaluate(direct, train, test)["recall@20"]!, relative: 1e-9)
    // The equal-d question names a fixed-d method, never the searched one.
    let equal = try XCTUnwrap(r.differences.first { $0.question.hasPrefix("best two-tower (") })
    XCTAssertNotEqual(equal.a, ComparisonMethod.twoTowerDimensions.rawValue)
  }

  /// With the prior as the only compared two-tower method, the search scales
  /// softmax at the prior's tau and serves it with the prior's beta; with
  /// `--retune first`, seed 2 refits seed 1's choice (base included) without a grid.
  func testTwoTowerDimensionSearchKeepsThePriorsBetaAcrossSeeds() throws {
    var config = smallConfig([.prior, .twoTowerDimensions])
    config.twoTowerDimensions = [8, 16]
    config.seeds = [1, 2]
    config.retune = .firstSeed
    var lines: [String] = []
    let r = try Comparison(config: config, log: { lines.append($0) }).run(Self.data)
    let m = try XCTUnwrap(r[.twoTowerDimensions]), prior = try XCTUnwrap(r[.prior])
    XCTAssertEqual(m.chosen["beta"], prior.chosen["beta"])
    XCTAssertEqual(m.chosen["tau"], prior.chosen["tau"])
    let seed2 = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("seed 2") })
    XCTAssertFalse(lines[seed2...].contains { $0.contains(": validation recall@20") }, "seed 2 ran a grid")
    let summary = try XCTUnwrap(r.summary.first { $0.method == .twoTowerDimensions })
    XCTAssertEqual(summary.choices[0], summary.choices[1])
    let d = Self.data
    let train = InteractionMatrix(d.dataset.split.train), test = InteractionMatrix(d.dataset.split.test)
    for (n, seed) in [UInt64(1), 2].enumerated() {
      var c = config.twoTower
      c.embeddingDim = Int(m.chosen["d"]!); c.threads = 2; c.seed = seed; c.temperature = Float(m.chosen["tau"]!)
      let direct = try TwoTowerModel.fit(TwoTowerData(train: train), userIds: d.dataset.userIds, itemIds: d.dataset.itemIds, config: c)
      let served = direct.withPriorExponent(Float(m.chosen["beta"]!))
      assertClose(summary.values["recall@20"]![n], evaluate(served, train, test)["recall@20"]!, relative: 1e-9)
    }
  }

  /// A grid whose best point is on its edge extends itself one step past
  /// it (geometrically for positive grids), a bounded number of times.
  func testGridsWidenPastTheirEdges() throws {
    var axis = GridAxis(name: "tau", values: [0.2, 1])
    XCTAssertEqual(axis.step(past: 1, upward: true)!, 5, accuracy: 1e-12)
    XCTAssertEqual(axis.step(past: 0.2, upward: false)!, 0.04, accuracy: 1e-12)
    XCTAssertNil(axis.step(past: 0.5, upward: true), "not an edge")
    axis = GridAxis(name: "beta", values: [0, 0.5, 1])
    XCTAssertEqual(axis.step(past: 1, upward: true)!, 1.5, accuracy: 1e-12)
    XCTAssertNil(axis.step(past: 0, upward: false), "0 is the floor of a non-negative grid")
    XCTAssertNil(GridAxis(name: "tau", values: [1], widen: true).step(past: 1, upward: true), "one value gives no step")
    var capped = GridAxis(name: "negatives", values: [256, 1024], integer: true)
    capped.maximum = 3000
    XCTAssertNil(capped.step(past: 1024, upward: true), "4096 is past the maximum")
    XCTAssertEqual(capped.step(past: 256, upward: false), 64)

    // A synthetic objective that peaks at x = 8: from the grid {1, 2} the
    // search walks up 4, 8, 16 and stops (16 is worse than 8), within its budget.
    var trials: [Trial] = []
    let notes = try GridSearch(metric: "recall@20", widenings: 5).run([GridAxis(name: "x", values: [1, 2])], trials: { trials }) { s in
      let x = s["x"]!
      trials.append(Trial(setting: s, metrics: ["recall@20": -abs(log2(x) - 3)], fitSeconds: 0))
    }
    XCTAssertEqual(trials.map { $0.setting["x"]! }, [1, 2, 4, 8, 16])
    XCTAssertEqual(notes.count, 3)
    // With a budget of one widening, it stops at 4.
    trials = []
    _ = try GridSearch(metric: "recall@20", widenings: 1).run([GridAxis(name: "x", values: [1, 2])], trials: { trials }) { s in
      trials.append(Trial(setting: s, metrics: ["recall@20": -abs(log2(s["x"]!) - 3)], fitSeconds: 0))
    }
    XCTAssertEqual(trials.map { $0.setting["x"]! }, [1, 2, 4])
  }

  func testPriorServesTheSoftmaxModelWithTheChosenBeta() throws {
    let d = Self.data
    let config = smallConfig([.softmax, .prior])
    let r = try Comparison(config: config).run(d)
    let softmax = try XCTUnwrap(r[.softmax]), prior = try XCTUnwrap(r[.prior])
    // The prior's grid is tau x beta over softmax's validation models, without refits.
    XCTAssertEqual(prior.trials.count, config.grids.temperatures.count * config.grids.priorExponents.count)
    XCTAssertTrue(prior.trials.allSatisfy { $0.fitSeconds == 0 })
    XCTAssertTrue(prior.inherited.parameters.isEmpty)
    // beta = 0 on validation is the softmax model itself, at each tau.
    for t in softmax.trials {
      let p0 = prior.trials.first { $0.setting["beta"] == 0 && $0.setting["tau"] == t.setting["tau"] }!
      assertClose(p0.metrics["recall@20"]!, t.metrics["recall@20"]!)
    }
    // The chosen (tau, beta) is the best of the grid.
    let best = prior.trials.map { $0.metrics["recall@20"]! }.max()!
    XCTAssertEqual(prior.trials.first { $0.metrics["recall@20"]! == best }!.setting, prior.chosen)
    // Test numbers: direct softmax fits served with + beta log P(d).
    let train = InteractionMatrix(d.dataset.split.train), test = InteractionMatrix(d.dataset.split.test)
    func direct(tau: Double) throws -> TwoTowerModel {
      var c = config.twoTower
      c.embeddingDim = 8; c.threads = 2; c.seed = config.seed; c.temperature = Float(tau)
      return try TwoTowerModel.fit(TwoTowerData(train: train), userIds: d.dataset.userIds, itemIds: d.dataset.itemIds, config: c)
    }
    assertClose(softmax.test["recall@20"]!, evaluate(try direct(tau: softmax.chosen["tau"]!), train, test)["recall@20"]!,
                relative: 1e-9)
    let beta = Float(prior.chosen["beta"]!)
    let served = try direct(tau: prior.chosen["tau"]!).withPriorExponent(beta)
    assertClose(prior.test["recall@20"]!, evaluate(served, train, test)["recall@20"]!, relative: 1e-9)
    XCTAssertEqual(softmax.curve.count, 2)
    XCTAssertEqual(prior.curve.count, 2)
  }

  /// `--retune first`: later seeds run no grid (no validation fits in the
  /// log), carry the first seed's choices (the child's inherited tau too),
  /// and their test numbers equal a direct fit of that choice at their seed.
  func testRetuneFirstRefitsTheFirstSeedsChoices() throws {
    var config = smallConfig([.ials, .gram])
    config.grids.gramWeights = [0.5, 5]
    config.seeds = [1, 2]
    config.retune = .firstSeed
    var lines: [String] = []
    let r = try Comparison(config: config, log: { lines.append($0) }).run(Self.data)
    let seed2 = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("seed 2") })
    XCTAssertFalse(lines[seed2...].contains { $0.contains(": validation recall@20") }, "seed 2 ran a grid")
    XCTAssertEqual(lines[..<seed2].filter { $0.contains("  ials ") && $0.contains(": validation recall@20") }.count, 4)
    for m in r.summary {
      XCTAssertEqual(m.choices.count, 2)
      XCTAssertEqual(m.choices[0], m.choices[1], "\(m.method) changed its choice on seed 2")
    }
    XCTAssertTrue(r.notes.contains { $0.contains("--retune first") })
    // Seed 2's iALS number is a direct fit of seed 1's choice with seed 2's initialisation.
    let d = Self.data
    let ials = try XCTUnwrap(r[.ials])
    let train = InteractionMatrix(d.dataset.split.train), test = InteractionMatrix(d.dataset.split.test)
    var c = config.ials
    c.factors = 8; c.threads = 2; c.seed = 2
    c.unobservedWeight = Float(ials.chosen["alpha0"]!); c.regularization = Float(ials.chosen["lambda"]!)
    let direct = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)
    let summary = try XCTUnwrap(r.summary.first { $0.method == .ials })
    assertClose(summary.values["recall@20"]![1], evaluate(direct, train, test)["recall@20"]!, relative: 1e-9)

    // The default tunes on every seed: seed 2 logs its own grid.
    config.retune = .everySeed
    lines = []
    _ = try Comparison(config: config, log: { lines.append($0) }).run(Self.data)
    let again = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("seed 2") })
    XCTAssertEqual(lines[again...].filter { $0.contains("  ials ") && $0.contains(": validation recall@20") }.count, 4)
  }

  func testChildrenInheritTheParentsTemperatureEvenWhenItIsNotCompared() throws {
    var config = smallConfig([.gram])
    config.grids.gramWeights = [0.5, 5]
    let r = try Comparison(config: config).run(Self.data)
    XCTAssertEqual(r.methods.map(\.method), [.gram])
    let gram = r.methods[0]
    XCTAssertNotNil(gram.inherited["tau"])
    XCTAssertEqual(gram.trials.map { $0.setting["lambda_g"]! }, [0.5, 5])
  }

  func testMSEGramWeightIsAlpha0InIALSUnits() {
    // 3 users x 4 items, 5 pairs: lambda_g = alpha0 * 12 / 5.
    let m = InteractionMatrix(userCount: 3, itemCount: 4, users: [0, 0, 1, 2, 2], items: [0, 1, 2, 3, 0], weights: [1, 1, 1, 1, 1])
    XCTAssertEqual(Session.mseGramWeight(alpha0: 0.5, train: m), 1.2, accuracy: 1e-6)
  }

  func testBestIsTheFirstAmongTies() {
    let t = { (v: Double, s: Double) in Trial(setting: Setting([Parameter("x", s)]), metrics: ["m": v], fitSeconds: 0) }
    XCTAssertEqual(Session.best([t(0.1, 1), t(0.3, 2), t(0.3, 3), t(0.2, 4)], metric: "m"), 1)
    XCTAssertNil(Session.best([], metric: "m"))
  }

  func testEveryParentPrecedesItsChildren() {
    let order = ComparisonMethod.allCases
    for m in order { if let p = m.parent { XCTAssertLessThan(order.firstIndex(of: p)!, order.firstIndex(of: m)!, "\(m)") } }
  }

  func testMethodListParsing() throws {
    XCTAssertEqual(try ComparisonMethod.parseList("gram, ials"), [.ials, .gram])
    XCTAssertEqual(try ComparisonMethod.parseList("all"), ComparisonMethod.allCases)
    XCTAssertThrowsError(try ComparisonMethod.parseList("ials,svd")) { e in
      XCTAssertTrue("\(e)".contains("unknown method 'svd'"), "\(e)")
    }
  }

  func testInvalidSettingsAreNamed() {
    var c = ComparisonConfig()
    c.tuneMetric = "mrr"
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("tune metric"), "\($0)") }
    c = ComparisonConfig()
    c.grids.temperatures = []
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("temperatures"), "\($0)") }
  }
}

/// The Markdown report on a hand-made result.
final class ComparisonReportTests: XCTestCase {
  func result() -> ComparisonResults {
    let trial = { (tau: Double, v: Double) in Trial(setting: Setting([Parameter("tau", tau)]), metrics: ["recall@20": v], fitSeconds: 1) }
    let m = { (method: ComparisonMethod, trials: [Trial], chosen: Setting, r20: Double) in
      MethodResult(method: method, title: method.title, trials: trials, chosen: chosen, inherited: Setting(),
                   test: ["recall@20": r20, "recall@50": r20 + 0.1, "ndcg@20": r20 / 2, "ndcg@100": r20 / 2 + 0.1,
                          "coverage@20": 0.5, "mean_log_popularity@20": -6.25],
                   popularityBuckets: [], curve: [], fitSeconds: 2.5, totalSeconds: 9, examplesPerSecond: nil, notes: [])
    }
    let data = ComparisonDataSummary(name: "toy", users: 3, items: 4, trainPairs: 10, testPairs: 2, testUsers: 2,
                                     validationTrainPairs: 9, validationPairs: 1, validationUsers: 1)
    return ComparisonResults(data: data, config: ComparisonConfig(), methods: [
      m(.popularity, [], Setting(), 0.1),
      m(.softmax, [trial(0.05, 0.1), trial(0.2, 0.3), trial(1, 0.2)], Setting([Parameter("tau", 0.2)]), 0.25),
      m(.logQExact, [trial(0.05, 0.1), trial(0.2, 0.2), trial(1, 0.3)], Setting([Parameter("tau", 1)]), 0.3),
    ], seconds: 12)
  }

  func testTableRowsBoldBestAndEdgeWarnings() {
    let md = ComparisonReport.markdown(result(), command: "gramian compare --train x")
    XCTAssertTrue(md.contains("| popularity | - | 0.1000 | 0.2000 | 0.0500 | 0.1500 | **0.5000** | -6.25 | 2.5 |"), md)
    XCTAssertTrue(md.contains("| softmax + logQ (exact) | tau=1 | **0.3000** | **0.4000** | **0.1500** | **0.2500** |"), md)
    XCTAssertTrue(md.contains("tau=0.05 0.1000, **tau=0.2 0.3000**, tau=1 0.2000"), md)
    // logq-exact chose the largest tau: flagged; softmax chose the middle one: not.
    let lines = md.split(separator: "\n")
    XCTAssertTrue(lines.first { $0.hasPrefix("- **softmax + logQ (exact)**") }!.contains("edge of the grid in tau"))
    XCTAssertFalse(lines.first { $0.hasPrefix("- **softmax**") }!.contains("edge"))
    XCTAssertTrue(md.contains("```\ngramian compare --train x\n```"))
  }

  func testJSONRoundTrips() throws {
    let r = result()
    let decoded = try JSONDecoder().decode(ComparisonResults.self, from: try ComparisonReport.json(r))
    XCTAssertEqual(decoded, r)
  }
}
