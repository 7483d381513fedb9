import EASE
import Evaluation
import IALS
import InteractionData
import LinearAlgebra
import TwoTower

/// The state of one comparison run: the two folds, each method's grid
/// results, and the softmax fit the prior reuses.
final class Session {
  let config: ComparisonConfig
  let full: Fold
  let validation: Fold
  let log: ((String) -> Void)?
  /// The K of ``ComparisonConfig/tuneMetric``.
  let tuneK: Int
  /// Test cut-offs: the configured ones plus 20, 50 and 100 (the report's columns).
  let testKs: [Int]
  /// Test users whose per-epoch recall@20 makes the learning curves.
  let curveTest: InteractionMatrix

  struct Tuned {
    var trials: [Trial]
    var chosen: Setting
    var inherited: Setting
    var seconds: Double
    /// softmax only: the validation model of every temperature, which the
    /// prior evaluates for every beta (a tau x beta grid without extra fits).
    var models: [Double: TwoTowerModel] = [:]
    /// What the grid search widened (for the report).
    var notes: [String] = []
    /// two-tower-dims only: the two-tower method whose settings it scales.
    var base: ComparisonMethod? = nil
  }
  var tuned: [ComparisonMethod: Tuned] = [:]

  struct TwoTowerRun {
    var model: TwoTowerModel
    var seconds: Double
    var examplesPerSecond: Double
    /// Per requested beta, recall@20 on `curveTest` after each epoch.
    var curves: [Float: [CurvePoint]]
  }
  /// softmax's final fit, shared with the prior.
  var softmaxFinal: TwoTowerRun?

  init(config: ComparisonConfig, data: ComparisonData, log: ((String) -> Void)?) throws {
    try config.validate()
    if !config.twoTower.layers.isEmpty && config.twoTower.layers.last != config.dimension {
      throw ComparisonError.invalidConfig("the last MLP width (\(config.twoTower.layers.last!)) must equal the dimension (\(config.dimension))")
    }
    let dataset = data.dataset
    guard dataset.train.userCount == dataset.test.userCount, dataset.train.itemCount == dataset.test.itemCount else {
      throw ComparisonError.invalidConfig("train and test must share id maps (use a Split)")
    }
    guard dataset.test.nnz > 0 else { throw ComparisonError.insufficientData("the test split is empty") }
    self.config = config
    self.log = log
    tuneK = ComparisonConfig.cutoff(config.tuneMetric)!
    testKs = Array(Set(config.ks + [20, 50, 100])).sorted()
    full = try Fold(dataset, features: data)
    let split = Splitter.randomHoldout(dataset.split.train, testFraction: config.validationFraction, seed: config.seed &+ 0x9E37)
    validation = try Fold(InteractionDataset(split: split, duplicates: data.duplicates), features: data)
    guard validation.test.nnz > 0 else {
      throw ComparisonError.insufficientData("the validation split (\(config.validationFraction) of each user's training pairs) is empty: users need at least 2 training pairs")
    }
    curveTest = config.curveUsers > 0 ? full.sampledTest(users: config.curveUsers, seed: config.seed) : full.test
  }

  func summary(_ name: String) -> ComparisonDataSummary {
    ComparisonDataSummary(
      name: name, users: full.train.userCount, items: full.train.itemCount, trainPairs: full.train.nnz,
      testPairs: full.test.nnz, testUsers: full.testUsers.count, validationTrainPairs: validation.train.nnz,
      validationPairs: validation.test.nnz, validationUsers: validation.testUsers.count)
  }

  // MARK: Tuning

  /// Runs `method`'s grid on the validation split (its parent's first).
  func tune(_ method: ComparisonMethod) throws {
    if tuned[method] != nil { return }
    if let p = method.parent { try tune(p) }
    let (t, sec) = try wallSeconds { try grid(method) }
    var result = t
    result.seconds = sec
    tuned[method] = result
    if !result.trials.isEmpty || !result.inherited.parameters.isEmpty {
      log?("\(method.rawValue): chose \(result.chosen) \(result.inherited.parameters.isEmpty ? "" : "(inherited \(result.inherited)) ")on validation in \(String(format: "%.1f", sec)) s")
    }
  }

  /// Takes `method`'s choice (and its parents') from another seed's session
  /// without a grid search: no trials, zero tuning time, a note naming the seed.
  func adopt(_ method: ComparisonMethod, from other: Session, seed: UInt64) {
    if tuned[method] != nil { return }
    if let p = method.parent { adopt(p, from: other, seed: seed) }
    guard let t = other.tuned[method] else { return }
    tuned[method] = Tuned(trials: [], chosen: t.chosen, inherited: t.inherited, seconds: 0,
                          notes: ["settings chosen on seed \(seed)'s validation split (--retune first)"]
                            + (t.base.map { [Self.baseNote($0, dimension: config.dimension)] } ?? []),
                          base: t.base)
  }

  private func grid(_ m: ComparisonMethod) throws -> Tuned {
    let g = config.grids
    var trials: [Trial] = []
    var models: [Double: TwoTowerModel] = [:]
    func record(_ s: Setting, _ r: EvaluationResult, _ sec: Double, model: TwoTowerModel? = nil) {
      let metrics = r.metrics.filter { $0.key == "recall@\(tuneK)" || $0.key == "ndcg@\(tuneK)" }
      trials.append(Trial(setting: s, metrics: metrics, fitSeconds: sec))
      let v = r.metrics[config.tuneMetric] ?? 0
      log?(String(format: "  %@ %@: validation %@ %.4f (%.1f s)", m.rawValue, s.description, config.tuneMetric, v, sec))
      if m == .softmax, let model, let tau = s["tau"] { models[tau] = model }
    }
    func fitValidation(_ s: Setting, _ c: TwoTowerConfig) throws {
      let run = try fitTwoTower(c, on: validation, curveBetas: [])
      record(s, validation.evaluate(run.model, ks: [tuneK], threads: config.threads), run.seconds, model: run.model)
    }
    func twoTower(_ s: Setting) throws { try fitValidation(s, twoTowerConfig(m, s, inherited: inherited, fold: validation)) }
    func ials(_ s: Setting) throws {
      let (model, sec) = try wallSeconds { try IALSModel.fit(validation.train, userIds: IdMap(), itemIds: IdMap(), config: ialsConfig(s)) }
      record(s, validation.evaluate(model, ks: [tuneK], threads: config.threads), sec)
    }
    var inherited = Setting()
    if let p = m.parent, m != .prior, let tau = tuned[p]?.chosen["tau"] ?? tuned[p]?.inherited["tau"] {
      inherited = Setting([Parameter("tau", tau)])
    }
    func axis(_ name: String, _ values: [Float], widen: Bool = true, integer: Bool = false) -> GridAxis {
      GridAxis(name: name, values: values.map(Double.init), widen: widen, integer: integer)
    }
    let search = GridSearch(metric: config.tuneMetric, widenings: config.gridWidenings)
    /// The dimension searches' second stage: each of `dims` in turn at the best
    /// setting so far, stopping at the first that does not improve on it.
    func doubleDimension(_ dims: ArraySlice<Int>, fit: (Setting) throws -> Void) throws {
      for d in dims {
        guard let b = Self.best(trials, metric: config.tuneMetric) else { return }
        let previous = trials[b]
        var s = previous.setting
        s.set("d", Double(d))
        try fit(s)
        if (trials.last!.metrics[config.tuneMetric] ?? 0) <= (previous.metrics[config.tuneMetric] ?? 0) {
          log?("  \(m.rawValue): d=\(d) did not improve on d=\(Setting.format(previous.setting["d"] ?? 0)); stopping")
          return
        }
      }
    }
    var notes: [String] = []
    var base: ComparisonMethod? = nil
    switch m {
    case .popularity:
      return Tuned(trials: [], chosen: Setting(), inherited: inherited, seconds: 0)
    case .ials:
      notes = try search.run([axis("alpha0", g.ialsUnobservedWeights), axis("lambda", g.ialsRegularizations)], trials: { trials }, evaluate: ials)
    case .ialsDimensions:
      // The regularisation grid at the starting d, then d doubled with the
      // chosen (alpha0, lambda) while validation improves (Rendle et al. 2022).
      let dims = config.ialsDimensions.isEmpty ? [config.dimension] : config.ialsDimensions
      if dims[0] == config.dimension, let same = tuned[.ials], !same.trials.isEmpty {
        // iALS already searched this grid at this d (same seed, same fits): reuse it.
        trials = same.trials.map { t in
          var t = t
          t.setting = Setting([Parameter("d", Double(dims[0]))] + t.setting.parameters)
          return t
        }
        notes = same.notes + ["the grid at d=\(dims[0]) is iALS's own (same fits)"]
      } else {
        notes = try search.run([axis("d", [Float(dims[0])], widen: false, integer: true), axis("alpha0", g.ialsUnobservedWeights),
                                axis("lambda", g.ialsRegularizations)], trials: { trials }, evaluate: ials)
      }
      try doubleDimension(dims.dropFirst(), fit: ials)
    case .ease:
      notes = try search.run([axis("lambda", g.easeRegularizations)], trials: { trials }) { s in
        let (model, sec) = try wallSeconds { try EASEModel.fit(validation.train, config: easeConfig(s)) }
        record(s, validation.evaluate(model, ks: [tuneK], threads: config.threads), sec)
      }
    case .softmax, .logQExact, .logQCorrected:
      notes = try search.run([axis("tau", g.temperatures)], trials: { trials }, evaluate: twoTower)
    case .prior:
      // tau x beta over softmax's validation models (beta widens; a new tau would need a new softmax fit).
      let taus = tuned[.softmax]!.trials.compactMap { $0.setting["tau"] }.map(Float.init)
      notes = try search.run([axis("tau", taus, widen: false), axis("beta", g.priorExponents)], trials: { trials }) { s in
        guard let base = tuned[.softmax]?.models[s["tau"]!] else { fatalError("softmax is tuned before the prior") }
        record(s, validation.evaluate(base.withPriorExponent(Float(s["beta"]!)), ks: [tuneK], threads: config.threads), 0)
      }
    case .logQStreaming:
      break  // nothing of its own to choose: tau comes from logq-exact
    case .gram, .logQGram:
      notes = try search.run([axis("lambda_g", g.gramWeights)], trials: { trials }, evaluate: twoTower)
    case .mseGram:
      notes = try search.run([axis("alpha0", g.mseUnobservedWeights)], trials: { trials }, evaluate: twoTower)
    case .mixed:
      // Uniform extra negatives beyond the catalogue's size add nothing but cost.
      var negatives = axis("negatives", g.mixedNegatives.map(Float.init), integer: true)
      negatives.maximum = Double(validation.train.itemCount)
      notes = try search.run([negatives], trials: { trials }, evaluate: twoTower)
    case .twoTowerDimensions:
      // The best compared two-tower method at --dim (a method's value: its best
      // validation point), then d doubled with its settings while validation improves.
      let b = try dimensionSearchBase()
      base = b
      notes = [Self.baseNote(b, dimension: config.dimension)]
      let bt = tuned[b]!
      let baseTrial = bt.trials[Self.best(bt.trials, metric: config.tuneMetric)!]
      let settings = Setting(bt.inherited.parameters + baseTrial.setting.parameters)
      func fitAt(_ s: Setting) throws {
        let run = try fitTwoTower(twoTowerConfig(b, s, inherited: Setting(), fold: validation), on: validation, curveBetas: [])
        let model: any Recommender = b == .prior ? run.model.withPriorExponent(Float(s["beta"] ?? 0)) : run.model
        record(s, validation.evaluate(model, ks: [tuneK], threads: config.threads), run.seconds)
      }
      let dims = config.twoTowerDimensions.isEmpty ? [config.dimension] : config.twoTowerDimensions
      let first = Setting([Parameter("d", Double(dims[0]))] + settings.parameters)
      if dims[0] == config.dimension {
        // The base's own validation fit at this d (same seed, same settings): reused.
        trials = [Trial(setting: first, metrics: baseTrial.metrics, fitSeconds: baseTrial.fitSeconds)]
        notes.append("d=\(dims[0]) is \(b.rawValue)'s own validation fit")
      } else {
        try fitAt(first)
      }
      try doubleDimension(dims.dropFirst(), fit: fitAt)
    }
    let best = Self.best(trials, metric: config.tuneMetric)
    return Tuned(trials: trials, chosen: best.map { trials[$0].setting } ?? Setting(), inherited: inherited,
                 seconds: 0, models: models, notes: notes, base: base)
  }

  /// The two-tower method `two-tower-dims` scales: of the compared two-tower
  /// methods tuned at ``ComparisonConfig/dimension`` with a grid of their own,
  /// the one whose best validation point is highest (the first in
  /// ``ComparisonMethod/allCases`` order among ties); softmax, tuned here,
  /// when none was compared.
  func dimensionSearchBase() throws -> ComparisonMethod {
    let metric = config.tuneMetric
    func value(_ m: ComparisonMethod) -> Double? {
      guard let t = tuned[m], let b = Self.best(t.trials, metric: metric) else { return nil }
      return t.trials[b].metrics[metric] ?? 0
    }
    let candidates = ComparisonMethod.allCases.filter { $0.isTwoTowerAtFixedDimension && config.methods.contains($0) && value($0) != nil }
    guard let first = candidates.first else {
      try tune(.softmax)
      return .softmax
    }
    return candidates.dropFirst().reduce(first) { value($1)! > value($0)! ? $1 : $0 }
  }

  static func baseNote(_ base: ComparisonMethod, dimension: Int) -> String {
    "scales \(base.rawValue) (\(base.title)), the two-tower method with the best validation point at d=\(dimension); its other settings are kept at every d"
  }

  /// Index of the trial with the highest `metric` (the first among ties).
  static func best(_ trials: [Trial], metric: String) -> Int? {
    var best: Int? = nil
    for (i, t) in trials.enumerated() where best == nil || (t.metrics[metric] ?? -1) > (trials[best!].metrics[metric] ?? -1) {
      best = i
    }
    return best
  }

  // MARK: Configurations

  func ialsConfig(_ s: Setting) -> IALSConfig {
    var c = config.ials
    c.factors = Int(s["d"] ?? Double(config.dimension))
    // Large d: the block solver (iALS++, Rendle et al. 2021), whose cost grows
    // as d^2 per row instead of the exact solve's d^3.
    if c.factors > config.blockSolverAbove { c.solver = .block }
    c.unobservedWeight = Float(s["alpha0"] ?? Double(c.unobservedWeight))
    c.regularization = Float(s["lambda"] ?? Double(c.regularization))
    c.threads = config.threads
    c.seed = config.seed
    return c
  }

  func easeConfig(_ s: Setting) -> EASEConfig {
    var c = config.ease
    c.regularization = Float(s["lambda"] ?? Double(c.regularization))
    c.threads = config.threads
    return c
  }

  /// `lambda_g = alpha0 |U| |I| / N` on `fold`'s training matrix (see ``ComparisonGrids/mseUnobservedWeights``).
  static func mseGramWeight(alpha0: Double, train: InteractionMatrix) -> Float {
    Float(alpha0 * Double(train.userCount) * Double(train.itemCount) / Double(max(1, train.nnz)))
  }

  func twoTowerConfig(_ m: ComparisonMethod, _ s: Setting, inherited: Setting, fold: Fold) -> TwoTowerConfig {
    var c = config.twoTower
    let d = s["d"].map { Int($0) } ?? config.dimension
    if c.layers.isEmpty { c.embeddingDim = d } else { c.layers[c.layers.count - 1] = d }
    c.threads = config.threads
    c.seed = config.seed
    c.loss = .softmax
    c.logQ = .none
    c.logQForm = nil
    c.gramWeight = 0
    c.mixedNegatives = 0
    c.temperature = Float(s["tau"] ?? inherited["tau"] ?? Double(c.temperature))
    switch m {
    case .logQExact, .logQGram: c.logQ = .exact
    case .logQStreaming: c.logQ = .streaming
    case .logQCorrected:
      c.logQ = .exact
      c.logQForm = .corrected
    default: break
    }
    if m == .gram || m == .logQGram {
      c.gramWeight = Float(s["lambda_g"]!)
      c.gramEstimator = .sogram
    }
    if m == .mixed {
      c.mixedNegatives = Int(s["negatives"]!)
      c.removeAccidentalHits = true
    }
    if m == .mseGram {
      c.loss = .mse
      c.temperature = 1
      c.gramEstimator = .exact
      c.gramWeight = Self.mseGramWeight(alpha0: s["alpha0"]!, train: fold.train)
      c.optimizer = config.mseOptimizer
      c.learningRate = config.mseLearningRate
      c.l2 = config.mseL2
      c.removeAccidentalHits = false
    }
    return c
  }

  // MARK: Fitting

  /// Fits on `fold`, recording recall@20 on ``curveTest`` after every epoch
  /// for each beta of `curveBetas` (that time is excluded from `seconds`).
  func fitTwoTower(_ c: TwoTowerConfig, on fold: Fold, curveBetas: [Float]) throws -> TwoTowerRun {
    var curves: [Float: [CurvePoint]] = [:]
    var epoch = 0
    var curveSeconds = 0.0
    var examples = 0.0, stepSeconds = 0.0
    var callbacks = TwoTowerCallbacks()
    callbacks.onEpoch = { r in
      epoch = r.epoch
      examples += r.examplesPerSecond * r.seconds
      stepSeconds += r.seconds
    }
    if !curveBetas.isEmpty {
      callbacks.earlyStopping = EarlyStopping(every: 1, patience: Int.max, restoreBest: false) { [self] model in
        let (_, sec) = wallSeconds {
          for b in curveBetas {
            let r = fold.evaluate(model.withPriorExponent(b), ks: [20], threads: config.threads, test: curveTest)
            curves[b, default: []].append(CurvePoint(epoch: epoch + 1, value: r.metrics["recall@20"] ?? 0))
          }
        }
        curveSeconds += sec
        return 0
      }
    }
    let (model, sec) = try wallSeconds {
      try TwoTowerModel.fit(fold.twoTowerData(c), userIds: fold.events.userIds, itemIds: fold.events.itemIds, config: c,
                            callbacks: callbacks)
    }
    return TwoTowerRun(model: model, seconds: sec - curveSeconds,
                       examplesPerSecond: stepSeconds > 0 ? examples / stepSeconds : 0, curves: curves)
  }
}
