import Dispatch
import EASE
import Evaluation
import IALS
import InteractionData
import LinearAlgebra
import TwoTower

/// The comparison of issue 6: iALS against in-batch softmax, logQ
/// correction, the serving-time popularity prior and the Gram regulariser,
/// on one dataset and protocol.
///
/// Protocol: a validation split is carved from the training split (a random
/// ``ComparisonConfig/validationFraction`` of each user's pairs, seeded);
/// each method fits every point of its grid on the validation training part
/// and is scored by ``ComparisonConfig/tuneMetric`` on the validation
/// pairs; the best point is refitted on the whole training split and
/// evaluated once on the test split. The test split never chooses anything.
/// Children reuse their parent's chosen temperature
/// (``ComparisonMethod/parent``); the prior evaluates softmax's chosen model
/// for every beta without refitting.
///
/// Cost: one fit per grid point plus one refit per method, one evaluation
/// per fit (O(|U_test| |I| d) each) and `epochs` small evaluations for the
/// learning curves.
public struct Comparison {
  public var config: ComparisonConfig
  /// Receives one line per grid point and per final fit.
  public var log: ((String) -> Void)?

  public init(config: ComparisonConfig, log: ((String) -> Void)? = nil) {
    self.config = config
    self.log = log
  }

  /// Runs every method of ``ComparisonConfig/methods`` for each seed of
  /// ``ComparisonConfig/runSeeds``: tuning first (in dependency order), then
  /// the final fits. Each seed re-draws the split (``ComparisonData/resplit``,
  /// when given), the validation split and the initialisations, and tunes
  /// afresh, so the seeds are independent repetitions of the whole protocol
  /// (with ``ComparisonConfig/Retune/firstSeed``, later seeds refit the first
  /// seed's choices instead of tuning).
  /// Returns the first seed's details, the means and standard errors over
  /// seeds, and the paired differences of ``questions``.
  public func run(_ data: ComparisonData) throws -> ComparisonResults {
    let clock = ContinuousClock(), start = clock.now
    var methods = ComparisonMethod.allCases.filter(config.methods.contains)
    var notes: [String] = []
    let items = data.dataset.train.itemCount
    if methods.contains(.ease), items > config.ease.maxItems {
      methods.removeAll { $0 == .ease }
      let note = "EASE not run: \(EASEError.tooManyItems(items: items, limit: config.ease.maxItems))"
      notes.append(note)
      log?(note)
    }
    let seeds = config.runSeeds
    var runs: [[MethodResult]] = []
    var firstSession: Session?
    for (n, seed) in seeds.enumerated() {
      var c = config
      c.seed = seed
      c.seeds = []
      let dataset = n == 0 || data.resplit == nil ? data.dataset : try data.resplit!(seed)
      var seedData = data
      seedData.dataset = dataset
      if seeds.count > 1 { log?("seed \(seed) (\(n + 1) of \(seeds.count))\(n > 0 && data.resplit != nil ? ": split re-drawn" : "")") }
      let session = try Session(config: c, data: seedData, log: log)
      if n > 0, config.retune == .firstSeed, let chooser = firstSession {
        for m in methods { session.adopt(m, from: chooser, seed: seeds[0]) }
      } else {
        for m in methods { try session.tune(m) }
      }
      runs.append(try methods.map { try session.finish($0).result })
      if firstSession == nil { firstSession = session }
    }
    if seeds.count > 1, config.retune == .firstSeed {
      notes.append("hyperparameters were tuned on seed \(seeds[0])'s validation split only; seeds \(seeds.dropFirst().map(String.init).joined(separator: ", ")) refit those choices on their own split and initialisation (--retune first), so the intervals measure split and initialisation noise, not tuning noise")
    }
    var config = self.config
    config.seed = seeds[0]
    var result = ComparisonResults(data: firstSession!.summary(data.name), config: config, methods: runs[0],
                                   seconds: seconds(start.duration(to: clock.now)), notes: notes)
    result.seeds = seeds
    result.summary = methods.indices.map { i in
      MethodSummary(method: methods[i], title: methods[i].title, perSeed: runs.map { $0[i] })
    }
    result.differences = Self.differences(runs: runs, methods: methods, replicates: config.bootstrapReplicates)
    return result
  }

  /// The questions of the discussion, `(title, a, b)`: the difference is
  /// `a - b`. ``differences(runs:methods:replicates:)`` adds "best two-tower
  /// vs iALS" at equal d (the fixed-d two-tower method with the highest mean recall@20).
  public static let questions: [(String, ComparisonMethod, ComparisonMethod)] = [
    ("prior vs logQ (exact)", .prior, .logQExact),
    ("streaming vs exact logQ", .logQStreaming, .logQExact),
    ("Gram on softmax", .gram, .softmax),
    ("Gram on logQ", .logQGram, .logQExact),
    ("corrected vs standard logQ", .logQCorrected, .logQExact),
    ("EASE vs iALS", .ease, .ials),
    ("iALS at its best d vs at --dim", .ialsDimensions, .ials),
    ("EASE vs iALS at its best d", .ease, .ialsDimensions),
    ("best two-tower vs iALS, each at its best d", .twoTowerDimensions, .ialsDimensions),
  ]

  /// The paired difference of recall@20 and ndcg@20 for each question whose
  /// two methods both ran.
  static func differences(runs: [[MethodResult]], methods: [ComparisonMethod], replicates: Int) -> [PairedDifference] {
    func index(_ m: ComparisonMethod) -> Int? { methods.firstIndex(of: m) }
    var pairs = questions.compactMap { q -> (String, Int, Int)? in
      guard let a = index(q.1), let b = index(q.2) else { return nil }
      return (q.0, a, b)
    }
    let meanRecall = { (i: Int) in runs.reduce(0) { $0 + ($1[i].test["recall@20"] ?? 0) } / Double(runs.count) }
    if let ials = index(.ials),
       let best = methods.indices.filter({ methods[$0].isTwoTowerAtFixedDimension }).max(by: { meanRecall($0) < meanRecall($1) }) {
      pairs.append(("best two-tower (\(methods[best].rawValue)) vs iALS, both at --dim", best, ials))
    }
    var out: [PairedDifference] = []
    for (q, a, b) in pairs {
      for metric in ["recall@20", "ndcg@20"] {
        let va = runs.map { $0[a].perUser[metric] ?? [] }, vb = runs.map { $0[b].perUser[metric] ?? [] }
        guard zip(va, vb).allSatisfy({ !$0.isEmpty && $0.count == $1.count }) else { continue }
        out.append(PairedDifference.estimate(question: q, a: methods[a], b: methods[b], metric: metric,
                                             valuesA: va, valuesB: vb, replicates: replicates))
      }
    }
    return out
  }

  /// The same grid search for one method (its parent tuned first when it has
  /// one); returns its measurements and the final model (for `prior`, the
  /// softmax model with the chosen beta applied, ``Recommender/withPrior(exponent:)``).
  public func tune(_ method: ComparisonMethod, data: ComparisonData) throws -> (result: MethodResult, model: any Recommender) {
    var c = config
    c.methods = [method]
    c.seeds = []
    let session = try Session(config: c, data: data, log: log)
    try session.tune(method)
    return try session.finish(method)
  }

}

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func wallSeconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
  let t0 = DispatchTime.now().uptimeNanoseconds
  let r = try body()
  return (r, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
}
