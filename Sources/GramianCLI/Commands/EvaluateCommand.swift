import ArgumentParser
import Foundation
import Gramian

enum EvaluationProtocol: String, ExpressibleByArgument, CaseIterable { case full, sampled }

/// Evaluates a model (popularity, a saved model, or exported factors) on a
/// test set with full-ranking or sampled metrics.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Evaluate a model on held-out interactions (training items excluded from rankings).")

  @Option(help: "Training interactions (their items are excluded from each user's ranking); with --split, the file to split.")
  var train: String

  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions

  @Option(help: "The model: 'popularity' or a saved model file.")
  var model: String?

  @Option(help: "User factors (.npy, float32), with --item-factors, --user-ids and --item-ids.")
  var userFactors: String?
  @Option(help: "Item factors (.npy, float32).") var itemFactors: String?
  @Option(help: "User ids, one a line, in the row order of --user-factors.") var userIds: String?
  @Option(help: "Item ids, one a line, in the row order of --item-factors.") var itemIds: String?

  @Option(help: "Cut-offs, comma separated.")
  var k: String = "20,50,100"

  @Option(name: .customLong("protocol"), help: "full (rank all items) or sampled (one positive against --negatives).")
  var evaluationProtocol: EvaluationProtocol = .full

  @Option(help: "Sampled protocol: lines 'user positive-item negative-item ...' (whitespace separated).")
  var negatives: String?

  @Option(help: "Score + BETA * log P(d): the popularity prior P(d)^BETA, P the model's training frequency of each item.")
  var priorExponent: Float?

  @Flag(help: "Evaluate even when test pairs were among the model's training pairs (the metrics are then not held-out metrics).")
  var allowTrainOverlap = false

  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var model: String
    var evaluationProtocol: String
    var metrics: [String: Double]
    var users: Int
    var seconds: Double
    var data: DatasetSummary
    /// Share of the test pairs that were training pairs of the model (estimated from its sketch), when known.
    var trainOverlap: Double?
    enum CodingKeys: String, CodingKey { case model, evaluationProtocol = "protocol", metrics, users, seconds, data, trainOverlap }
  }

  func cutoffs() throws -> [Int] {
    try ListOption.parse(k, flag: "--k", expecting: "positive integers like 20,50,100") { (v: Int) in v >= 1 }
  }

  func validate() throws {
    _ = try cutoffs()
    let factorFlags = [userFactors, itemFactors, userIds, itemIds].compactMap { $0 }.count
    if model == nil && factorFlags == 0 { throw ValidationError("give --model (popularity or a model file) or the four factor options") }
    if factorFlags != 0 && factorFlags != 4 { throw ValidationError("--user-factors, --item-factors, --user-ids and --item-ids go together") }
    if let beta = priorExponent, !beta.isFinite { throw ValidationError("--prior-exponent must be finite") }
    if priorExponent != nil && (model == nil || model == "popularity") {
      throw ValidationError("--prior-exponent needs --model with a saved model file")
    }
    guard split.holdsOut else {
      throw ValidationError("evaluate needs held-out pairs: give --test FILE, or --split random|leave-last-out|strong to hold out part of --train (with the --seed the model was fitted with)")
    }
    if evaluationProtocol == .sampled && negatives == nil { throw ValidationError("--protocol sampled needs --negatives FILE") }
  }

  func run() throws {
    BLAS.setThreads(1)
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let (scorer, name, overlap) = try makeScorer(loaded)
    var options = EvaluationOptions()
    options.ks = try cutoffs()
    options.threads = common.threadCount
    let result: EvaluationResult
    switch evaluationProtocol {
    case .full:
      let bar = ProgressBar("evaluate", total: loaded.test.userCount)
      result = Evaluator.evaluate(scorer, train: loaded.train, test: loaded.test, options: options) { done, total in
        bar.update(done)
      }
      bar.finish()
    case .sampled:
      let (positives, negs) = try SampledNegatives.read(negatives!, userIds: loaded.userIds, itemIds: loaded.itemIds)
      result = Evaluator.evaluateSampled(scorer, positives: positives, negatives: negs, ks: options.ks)
    }
    if common.json {
      try Console.json(Output(model: name, evaluationProtocol: evaluationProtocol.rawValue, metrics: result.metrics,
                              users: result.users, seconds: result.seconds, data: loaded.summary, trainOverlap: overlap))
    } else {
      Console.out(MetricsTable.render(rows: [(name, result)], ks: options.ks))
    }
  }

  /// The model to evaluate as a scorer aligned to this data's ids, its
  /// name, and the share of test pairs it was trained on (when known).
  func makeScorer(_ loaded: InteractionDataset) throws -> (any Scorer, String, Double?) {
    if let u = userFactors, let v = itemFactors, let uid = userIds, let iid = itemIds {
      // Each file must still be what its export folder's manifest lists: a
      // folder mixing two exports' files is refused.
      for f in [u, v, uid, iid] { try FolderManifest.verify(file: f) }
      let U = try NPY.read(u), V = try NPY.read(v)
      guard U.columns == V.columns else {
        throw DataError(.badFormat, file: v, "has \(V.columns) columns but \(u) has \(U.columns)", hint: "user and item factors must share the dimension")
      }
      let (ua, _) = try FactorFiles.align(U, ids: try FactorFiles.readIds(uid), factorFile: u, to: loaded.userIds)
      let (va, missing) = try FactorFiles.align(V, ids: try FactorFiles.readIds(iid), factorFile: v, to: loaded.itemIds)
      if missing > 0 { Console.info("  \(missing) items have no factors (scored 0)") }
      return (FactorScorer(userFactors: ua, itemFactors: va), "factors", nil)
    }
    switch model {
    case "popularity":
      return (PopularityModel(train: loaded.train), "popularity", nil)
    case let path?:
      var m = try ModelFile.load(path)
      if let beta = priorExponent { m = try m.withPrior(exponent: beta) }
      let overlap = try checkOverlap(m, path: path, loaded)
      guard m.userIds == loaded.userIds, m.itemIds == loaded.itemIds else {
        // Realign the model's rows to this data's id order.
        let (ua, _) = try FactorFiles.align(m.userFactors, ids: m.userIds.names, factorFile: path, to: loaded.userIds)
        let (va, missing) = try FactorFiles.align(m.itemFactors, ids: m.itemIds.names, factorFile: path, to: loaded.itemIds)
        if missing > 0 { Console.info("  \(missing) items of the data are not in the model (scored 0)") }
        var bias: [Float]? = nil
        if let b = m.itemBias {
          bias = try FactorFiles.align(Matrix(rows: b.count, columns: 1, storage: b), ids: m.itemIds.names,
                                       factorFile: path, to: loaded.itemIds).0.storage
        }
        return (FactorScorer(userFactors: ua, itemFactors: va, itemBias: bias), m.kind, overlap)
      }
      return (m, m.kind, overlap)
    case nil:
      throw ValidationError("give --model or the factor options")
    }
  }

  /// Refuses (unless --allow-train-overlap) a test set that shares pairs
  /// with the model's training pairs, from the sketch the model file keeps.
  func checkOverlap(_ m: any Recommender, path: String, _ loaded: InteractionDataset) throws -> Double? {
    guard let training = m.training else {
      Console.info("note: \(path) records no training pairs (saved before format 2), so overlap with the test set is not checked")
      return nil
    }
    let o = training.overlap(with: loaded.test, userIds: loaded.userIds, itemIds: loaded.itemIds)
    guard o.found > 0 else { return o.checked > 0 ? 0 : nil }
    let share = String(format: "%.0f%%", 100 * o.fraction)
    let message = "\(o.found) of \(o.checked) test pairs checked against \(path)'s training sample were training pairs (about \(share) of the test set): "
      + (o.identical ? "the test set is the model's training data. " : "")
      + "the model was fitted on data that includes this test set (fit without --test/--split trains on every pair), so these would not be held-out metrics"
    if allowTrainOverlap {
      Console.info("warning: \(message); evaluating anyway (--allow-train-overlap)")
      return o.fraction
    }
    throw CommandFailure(message + ". Evaluate on held-out pairs (fit with --split and evaluate with the same --split and --seed, or pass a --test file the model never saw), or pass --allow-train-overlap")
  }
}
