import Evaluation
import IALS
import InteractionData
import LinearAlgebra
import TwoTower

/// The comparison under the leave-one-out protocol of sequential
/// recommendation (SASRec, Kang & McAuley 2018; S3-Rec): the self-attention
/// history tower under each loss and correction (``SequenceMethod``) against
/// popularity and iALS, with seeds, means, standard errors and paired
/// bootstrap intervals as in ``Comparison``.
///
/// Protocol: per user the last item is the test item, the one before it the
/// validation item, the rest training (``LeaveOneOutSplit``); metrics rank
/// the target among all items with the user's history excluded (HR@10,
/// NDCG@10, HR@20, NDCG@20; ``LeaveOneOutRanking``). Every choice is made on
/// the validation items by NDCG@10:
/// - attention methods train on the training items, are evaluated on the
///   validation item every ``SequenceComparisonConfig/evaluateEvery``
///   epochs, and keep the best network (early stopping, which chooses the
///   epoch count); the Gram weight is chosen the same way. The kept network
///   is tested with the validation item appended to the history it reads
///   (no refit: the standard protocol of SASRec);
/// - attention-prior serves attention-softmax's kept network with
///   `+ beta log P(d)`, beta chosen on validation (P(d) from the training
///   items; for the test, from the training and validation items);
/// - iALS's alpha0 x lambda grid is fitted on the training items and scored
///   on the validation items, then refitted with the validation items
///   (training + validation) and tested, its user factors as queries;
/// - popularity counts the training (+ validation, for the test) items.
///
/// With several seeds each repeats the whole protocol (initialisations,
/// shuffles, sampled negatives; the split is the data's own) and, with
/// ``ComparisonConfig/Retune/firstSeed``, later seeds refit the first seed's
/// choices, the attention tower for exactly its kept epoch count.
public struct SequenceComparison {
  public var config: SequenceComparisonConfig
  public var log: ((String) -> Void)?

  public init(config: SequenceComparisonConfig, log: ((String) -> Void)? = nil) {
    self.config = config
    self.log = log
  }

  /// The questions of the discussion `(title, a, b)`; the difference is `a - b`.
  /// ``run(_:name:userIds:itemIds:)`` adds "best attention vs iALS".
  public static let questions: [(String, SequenceMethod, SequenceMethod)] = [
    ("logQ on the attention tower", .logQ, .softmax),
    ("prior vs logQ", .prior, .logQ),
    ("Gram on softmax", .gram, .softmax),
    ("Gram on logQ", .logQGram, .logQ),
    ("full softmax vs logQ", .full, .logQ),
    ("in-batch softmax vs BCE", .softmax, .bce),
  ]

  /// Runs every selected method for each seed and returns the first seed's
  /// details, the means over seeds and the paired differences.
  public func run(_ split: LeaveOneOutSplit, name: String, userIds: IdMap = IdMap(), itemIds: IdMap = IdMap())
    throws -> SequenceComparisonResults
  {
    try config.validate()
    guard split.evaluatedUsers > 0 else {
      throw ComparisonError.insufficientData("no user has 3 or more items, so leave-one-out has nothing to evaluate")
    }
    let clock = ContinuousClock(), start = clock.now
    let methods = config.methods
    let seeds = config.runSeeds
    var runs: [[SequenceMethodResult]] = []
    var first: SequenceSession?
    var notes: [String] = []
    for (n, seed) in seeds.enumerated() {
      var c = config
      c.seed = seed
      c.seeds = []
      c.twoTower.seed = seed
      c.ials.seed = seed
      if seeds.count > 1 { log?("seed \(seed) (\(n + 1) of \(seeds.count))") }
      let session = try SequenceSession(config: c, split: split, userIds: userIds, itemIds: itemIds, log: log)
      if n > 0, config.retune == .firstSeed, let chooser = first {
        for m in methods { try session.adopt(m, from: chooser, seed: seeds[0]) }
      } else {
        for m in methods { try session.tune(m) }
      }
      runs.append(try methods.map { try session.finish($0) })
      if first == nil { first = session }
    }
    if seeds.count > 1, config.retune == .firstSeed {
      notes.append("settings (and the attention tower's epoch counts) were chosen on seed \(seeds[0])'s validation items only; seeds \(seeds.dropFirst().map(String.init).joined(separator: ", ")) refit them (--retune first), so the intervals measure initialisation and sampling noise, not tuning noise")
    }
    var config = self.config
    config.seed = seeds[0]
    var result = SequenceComparisonResults(
      data: first!.summary(name), config: config, methods: runs[0], seeds: seeds,
      seconds: seconds(start.duration(to: clock.now)), notes: notes)
    result.summary = methods.indices.map { i in
      SequenceMethodSummary(method: methods[i], perSeed: runs.map { $0[i] })
    }
    result.differences = Self.differences(runs: runs, methods: methods, replicates: config.bootstrapReplicates)
    return result
  }

  /// Paired differences of NDCG@10 and HR@10 for each question whose two
  /// methods both ran, plus the best attention method (by mean NDCG@10) vs iALS.
  static func differences(runs: [[SequenceMethodResult]], methods: [SequenceMethod], replicates: Int) -> [PairedDifference] {
    func index(_ m: SequenceMethod) -> Int? { methods.firstIndex(of: m) }
    var pairs = questions.compactMap { q -> (String, Int, Int)? in
      guard let a = index(q.1), let b = index(q.2) else { return nil }
      return (q.0, a, b)
    }
    let mean = { (i: Int) in runs.reduce(0) { $0 + ($1[i].test["ndcg@10"] ?? 0) } / Double(runs.count) }
    if let ials = index(.ials), let best = methods.indices.filter({ methods[$0].isAttention }).max(by: { mean($0) < mean($1) }) {
      pairs.append(("best attention (\(methods[best].rawValue)) vs iALS", best, ials))
    }
    var out: [PairedDifference] = []
    for (q, a, b) in pairs {
      for metric in ["ndcg@10", "hr@10"] {
        let va = runs.map { $0[a].perUser[metric] ?? [] }, vb = runs.map { $0[b].perUser[metric] ?? [] }
        guard zip(va, vb).allSatisfy({ !$0.isEmpty && $0.count == $1.count }) else { continue }
        out.append(PairedDifference.estimate(question: q, a: methods[a].rawValue, b: methods[b].rawValue, metric: metric,
                                             valuesA: va, valuesB: vb, replicates: replicates))
      }
    }
    return out
  }
}

/// One seed of the leave-one-out comparison: the split's histories and
/// targets, each method's choice and the attention networks it keeps.
final class SequenceSession {
  let config: SequenceComparisonConfig
  let split: LeaveOneOutSplit
  let userIds: IdMap, itemIds: IdMap
  let log: ((String) -> Void)?
  /// Users with a validation and a test item, in user order.
  let evaluated: [Int32]
  let validationHistories: [[Int32]], testHistories: [[Int32]]
  let validationTargets: [Int32], testTargets: [Int32]

  struct Tuned {
    var trials: [Trial] = []
    var chosen = Setting()
    var inherited = Setting()
    var seconds = 0.0
    var notes: [String] = []
  }
  var tuned: [SequenceMethod: Tuned] = [:]

  /// An attention method's kept network and how it was trained.
  struct AttentionRun {
    var model: TwoTowerModel
    var seconds: Double
    var sequencesPerSecond: Double
    var validation: SequenceMetrics
    /// The fit's own test metrics (the same protocol, computed by the trainer).
    var test: SequenceMetrics
    /// The epoch whose network was kept.
    var epoch: Int
  }
  var attention: [SequenceMethod: AttentionRun] = [:]

  init(config: SequenceComparisonConfig, split: LeaveOneOutSplit, userIds: IdMap, itemIds: IdMap,
       log: ((String) -> Void)?) throws {
    self.config = config
    self.split = split
    self.userIds = userIds
    self.itemIds = itemIds
    self.log = log
    let users = (0..<split.userCount).filter { split.test[$0] >= 0 }
    evaluated = users.map { Int32($0) }
    validationHistories = users.map { split.train[$0] }
    testHistories = users.map { split.train[$0] + [split.validation[$0]] }
    validationTargets = users.map { split.validation[$0] }
    testTargets = users.map { split.test[$0] }
  }

  func summary(_ name: String) -> SequenceDataSummary {
    SequenceDataSummary(
      name: name, users: split.userCount, items: split.itemCount, evaluatedUsers: evaluated.count,
      interactions: (0..<split.userCount).reduce(0) { $0 + split.sequence(of: $1).count },
      trainingPositions: split.train.reduce(0) { $0 + max(0, $1.count - 1) })
  }

  // MARK: Data views

  /// The training items (with the validation items when `withValidation`) as a binary user x item matrix.
  func matrix(withValidation: Bool) -> InteractionMatrix {
    var users: [Int32] = [], items: [Int32] = []
    for u in 0..<split.userCount {
      var list = split.train[u]
      if withValidation, split.validation[u] >= 0 { list.append(split.validation[u]) }
      users += [Int32](repeating: Int32(u), count: list.count)
      items += list
    }
    return InteractionMatrix(userCount: split.userCount, itemCount: split.itemCount, users: users, items: items,
                             weights: [Float](repeating: 1, count: items.count), duplicates: .max)
  }

  /// Occurrences of each item among the training items (and the validation items).
  func counts(withValidation: Bool) -> [Int] {
    var c = [Int](repeating: 0, count: split.itemCount)
    for u in 0..<split.userCount {
      for i in split.train[u] { c[Int(i)] += 1 }
      if withValidation, split.validation[u] >= 0 { c[Int(split.validation[u])] += 1 }
    }
    return c
  }

  /// Ranks of the validation (or test) targets under `scorer`, whose rows are `rows`.
  func ranks(_ scorer: some Scorer, rows: [Int32], test: Bool) -> [TiedRank] {
    LeaveOneOutRanking.ranks(scorer, rows: rows, histories: test ? testHistories : validationHistories,
                             targets: test ? testTargets : validationTargets, threads: config.threads)
  }

  /// The attention network's queries for the evaluated users' validation or test histories, as a scorer.
  func attentionScorer(_ model: TwoTowerModel, test: Bool, bias: [Float]? = nil) -> FactorScorer {
    let q = model.sequenceQueries(histories: test ? testHistories : validationHistories, threads: config.threads)!
    return FactorScorer(userFactors: Matrix(rows: evaluated.count, columns: model.dimension, storage: q),
                        itemFactors: model.itemFactors, itemBias: bias)
  }

  /// `log P(d)` from the training items (validation) or training + validation items (test), computed once each.
  lazy var validationLogPrior = TwoTowerModel.logPrior(counts: counts(withValidation: false))
  lazy var testLogPrior = TwoTowerModel.logPrior(counts: counts(withValidation: true))

  func priorBias(beta: Double, test: Bool) -> [Float]? {
    beta == 0 ? nil : (test ? testLogPrior : validationLogPrior).map { Float(beta) * $0 }
  }

  // MARK: Tuning

  /// Takes `method`'s choice from the first seed's session (no grid).
  func adopt(_ method: SequenceMethod, from other: SequenceSession, seed: UInt64) throws {
    if tuned[method] != nil { return }
    if let p = method.parent { try adopt(p, from: other, seed: seed) }
    guard let t = other.tuned[method] else { return }
    tuned[method] = Tuned(chosen: t.chosen, inherited: t.inherited,
                          notes: ["settings chosen on seed \(seed)'s validation items (--retune first)"])
    if method.isAttention && method.parent == nil {
      // Train for exactly the kept epoch count; no early stopping.
      attention[method] = try fitAttention(method, t.chosen, earlyStopping: false)
    }
  }

  func tune(_ method: SequenceMethod) throws {
    if tuned[method] != nil { return }
    if let p = method.parent { try tune(p) }
    let (t, sec) = try wallSeconds { try grid(method) }
    var result = t
    result.seconds = sec
    tuned[method] = result
    if !result.trials.isEmpty {
      log?("\(method.rawValue): chose \(result.chosen) on validation in \(String(format: "%.1f", sec)) s")
    }
  }

  private func grid(_ m: SequenceMethod) throws -> Tuned {
    var trials: [Trial] = []
    let metric = SequenceComparisonConfig.tuneMetric
    func record(_ s: Setting, _ v: SequenceMetrics, _ sec: Double) {
      trials.append(Trial(setting: s, metrics: v.dictionary, fitSeconds: sec))
      log?(String(format: "  %@ %@: validation ndcg@10 %.4f  hr@10 %.4f (%.1f s)", m.rawValue, s.description, v.ndcg10, v.hr10, sec))
    }
    let search = GridSearch(metric: metric, widenings: config.gridWidenings)
    var notes: [String] = []
    var inherited = Setting()
    switch m {
    case .popularity:
      return Tuned()
    case .ials:
      let train = matrix(withValidation: false)
      let axes = [GridAxis(name: "alpha0", values: config.ialsUnobservedWeights.map(Double.init)),
                  GridAxis(name: "lambda", values: config.ialsRegularizations.map(Double.init))]
      notes = try search.run(axes, trials: { trials }) { s in
        let (model, sec) = try wallSeconds { try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: ialsConfig(s)) }
        record(s, SequenceMetrics(ranks: ranks(model, rows: evaluated, test: false)), sec)
      }
    case .prior:
      guard let base = attention[.softmax] else { fatalError("attention-softmax is tuned before the prior") }
      inherited = Setting([Parameter("epochs", tuned[.softmax]!.chosen["epochs"]!)])
      let q = base.model.sequenceQueries(histories: validationHistories, threads: config.threads)!
      let queries = Matrix(rows: evaluated.count, columns: base.model.dimension, storage: q)
      let axes = [GridAxis(name: "beta", values: config.priorExponents.map(Double.init))]
      notes = try search.run(axes, trials: { trials }) { s in
        let scorer = FactorScorer(userFactors: queries, itemFactors: base.model.itemFactors,
                                  itemBias: priorBias(beta: s["beta"]!, test: false))
        record(s, SequenceMetrics(ranks: ranks(scorer, rows: Array(0..<Int32(evaluated.count)), test: false)), 0)
      }
    case .softmax, .logQ, .full, .bce, .gram, .logQGram:
      // Each grid point is one early-stopped fit; only the best network is kept.
      var bestRun: AttentionRun?
      let gram = m == .gram || m == .logQGram
      let axes = gram ? [GridAxis(name: "lambda_g", values: config.gramWeights.map(Double.init), widen: false)] : []
      let evaluate = { [self] (s: Setting) throws in
        let run = try fitAttention(m, s, earlyStopping: true)
        var setting = s
        setting.set("epochs", Double(run.epoch))
        record(setting, run.validation, run.seconds)
        if bestRun == nil || run.validation.ndcg10 > bestRun!.validation.ndcg10 { bestRun = run }
      }
      if axes.isEmpty { try evaluate(Setting()) } else { notes = try search.run(axes, trials: { trials }, evaluate: evaluate) }
      attention[m] = bestRun
    }
    let best = Session.best(trials, metric: metric)
    return Tuned(trials: trials, chosen: best.map { trials[$0].setting } ?? Setting(), inherited: inherited, notes: notes)
  }

  // MARK: Configurations and fits

  func ialsConfig(_ s: Setting) -> IALSConfig {
    var c = config.ials
    c.factors = config.dimension
    c.unobservedWeight = Float(s["alpha0"] ?? Double(c.unobservedWeight))
    c.regularization = Float(s["lambda"] ?? Double(c.regularization))
    c.threads = config.threads
    c.seed = config.seed
    return c
  }

  func attentionConfig(_ m: SequenceMethod, _ s: Setting) -> TwoTowerConfig {
    var c = config.twoTower
    c.threads = config.threads
    c.seed = config.seed
    c.logQ = .none
    c.logQForm = nil
    c.gramWeight = 0
    c.mixedNegatives = 0
    switch m {
    case .full: c.loss = .fullSoftmax
    case .bce: c.loss = .bce
    default: c.loss = .softmax
    }
    if m == .logQ || m == .logQGram { c.logQ = .exact }
    if let g = s["lambda_g"] {
      c.gramWeight = Float(g)
      c.gramEstimator = .sogram
    }
    if let e = s["epochs"] { c.epochs = Int(e) }
    return c
  }

  /// One attention fit: early-stopped on validation NDCG@10, or (a refit of
  /// a chosen setting) exactly `s["epochs"]` epochs keeping the last network.
  func fitAttention(_ m: SequenceMethod, _ s: Setting, earlyStopping: Bool) throws -> AttentionRun {
    let c = attentionConfig(m, s)
    let options = earlyStopping ? SequenceFitOptions(evaluateEvery: config.evaluateEvery, patience: config.patience)
                                : SequenceFitOptions()
    let fit = try TwoTowerModel.fitSequences(split, userIds: userIds, itemIds: itemIds, config: c, options: options)
    // Training time: the epochs' steps (the validation evaluations excluded).
    let trained = fit.epochs.reduce(0.0) { $0 + $1.seconds }
    let sequences = fit.epochs.reduce(0) { $0 + $1.sequences }
    return AttentionRun(model: fit.model, seconds: trained, sequencesPerSecond: Double(sequences) / max(trained, 1e-9),
                        validation: fit.validation, test: fit.test, epoch: fit.epoch)
  }

  // MARK: Final

  /// The test measurement of `method`'s choice.
  func finish(_ method: SequenceMethod) throws -> SequenceMethodResult {
    guard let t = tuned[method] else { fatalError("\(method) finished before it was tuned") }
    let everyone = Array(0..<Int32(evaluated.count))
    var fitSeconds = 0.0, sequencesPerSecond: Double? = nil
    var validation: [String: Double] = t.trials.isEmpty ? [:] : t.trials[Session.best(t.trials, metric: SequenceComparisonConfig.tuneMetric)!].metrics
    let (r, sec) = try wallSeconds { () throws -> [TiedRank] in
      switch method {
      case .popularity:
        let c = counts(withValidation: true).map(Float.init)
        let scorer = FactorScorer(userFactors: Matrix(rows: evaluated.count, columns: 1, storage: [Float](repeating: 1, count: evaluated.count)),
                                  itemFactors: Matrix(rows: split.itemCount, columns: 1, storage: c))
        return ranks(scorer, rows: everyone, test: true)
      case .ials:
        let full = matrix(withValidation: true)
        let (model, s) = try wallSeconds { try IALSModel.fit(full, userIds: IdMap(), itemIds: IdMap(), config: ialsConfig(t.chosen)) }
        fitSeconds = s
        return ranks(model, rows: evaluated, test: true)
      case .prior:
        let run = attention[.softmax]!
        fitSeconds = run.seconds
        sequencesPerSecond = run.sequencesPerSecond
        return ranks(attentionScorer(run.model, test: true, bias: priorBias(beta: t.chosen["beta"] ?? 0, test: true)), rows: everyone, test: true)
      default:
        guard let run = attention[method] else { throw ComparisonError.insufficientData("\(method.rawValue) has no fitted network") }
        fitSeconds = run.seconds
        sequencesPerSecond = run.sequencesPerSecond
        if validation.isEmpty { validation = run.validation.dictionary }
        return ranks(attentionScorer(run.model, test: true), rows: everyone, test: true)
      }
    }
    let metrics = SequenceMetrics(ranks: r)
    log?(String(format: "%@: test hr@10 %.4f  ndcg@10 %.4f  hr@20 %.4f  ndcg@20 %.4f  (fit %.1f s)", method.rawValue,
                metrics.hr10, metrics.ndcg10, metrics.hr20, metrics.ndcg20, fitSeconds))
    return SequenceMethodResult(
      method: method, trials: t.trials, chosen: t.chosen, inherited: t.inherited, validation: validation,
      test: metrics.dictionary, fitSeconds: fitSeconds, totalSeconds: t.seconds + sec,
      sequencesPerSecond: sequencesPerSecond, notes: t.notes, perUser: LeaveOneOutRanking.perUser(r))
  }
}
