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

  @Option(help: "Training interactions (their items are excluded from each user's ranking).")
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

  @Option(help: "Two-tower models: score <u, v_d> + BETA * log P(d) (the popularity prior P(d)^BETA).")
  var priorExponent: Float?

  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var model: String
    var evaluationProtocol: String
    var metrics: [String: Double]
    var users: Int
    var seconds: Double
    var data: DataSummary
    enum CodingKeys: String, CodingKey { case model, evaluationProtocol = "protocol", metrics, users, seconds, data }
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
      throw ValidationError("--prior-exponent needs --model with a saved two-tower model")
    }
    if evaluationProtocol == .sampled && negatives == nil { throw ValidationError("--protocol sampled needs --negatives FILE") }
  }

  func run() throws {
    BLAS.setThreads(1)
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let (scorer, name) = try makeScorer(loaded)
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
      let (positives, negs) = try SampledNegatives.read(negatives!, userIds: loaded.split.train.userIds, itemIds: loaded.split.train.itemIds)
      result = Evaluator.evaluateSampled(scorer, positives: positives, negatives: negs, ks: options.ks)
    }
    if common.json {
      try Console.json(Output(model: name, evaluationProtocol: evaluationProtocol.rawValue, metrics: result.metrics,
                              users: result.users, seconds: result.seconds, data: loaded.summary))
    } else {
      Console.out(MetricsTable.render(rows: [(name, result)], ks: options.ks))
    }
  }

  func makeScorer(_ loaded: LoadedSplit) throws -> (any Scorer, String) {
    if let u = userFactors, let v = itemFactors, let uid = userIds, let iid = itemIds {
      let U = try NPY.read(u), V = try NPY.read(v)
      guard U.columns == V.columns else {
        throw DataError(.badFormat, file: v, "has \(V.columns) columns but \(u) has \(U.columns)", hint: "user and item factors must share the dimension")
      }
      let (ua, _) = try FactorFiles.align(U, ids: try FactorFiles.readIds(uid), factorFile: u, to: loaded.split.train.userIds)
      let (va, missing) = try FactorFiles.align(V, ids: try FactorFiles.readIds(iid), factorFile: v, to: loaded.split.train.itemIds)
      if missing > 0 { Console.info("  \(missing) items have no factors (scored 0)") }
      return (FactorScorer(userFactors: ua, itemFactors: va), "factors")
    }
    switch model {
    case "popularity":
      return (PopularityModel(train: loaded.train), "popularity")
    case let path?:
      var m = try ModelFile.load(path)
      if let beta = priorExponent {
        guard var tt = m as? TwoTowerModel else {
          throw ValidationError("--prior-exponent applies to two-tower models; \(path) is an \(m.kind) model")
        }
        tt.priorExponent = beta
        m = tt
      }
      guard m.userIds == loaded.split.train.userIds, m.itemIds == loaded.split.train.itemIds else {
        // Realign the model's rows to this data's id order.
        let (ua, _) = try FactorFiles.align(m.userFactors, ids: m.userIds.names, factorFile: path, to: loaded.split.train.userIds)
        let (va, missing) = try FactorFiles.align(m.itemFactors, ids: m.itemIds.names, factorFile: path, to: loaded.split.train.itemIds)
        if missing > 0 { Console.info("  \(missing) items of the data are not in the model (scored 0)") }
        var bias: [Float]? = nil
        if let b = m.itemBias {
          bias = try FactorFiles.align(Matrix(rows: b.count, columns: 1, storage: b), ids: m.itemIds.names,
                                       factorFile: path, to: loaded.split.train.itemIds).0.storage
        }
        return (FactorScorer(userFactors: ua, itemFactors: va, itemBias: bias), m.kind)
      }
      return (m, m.kind)
    case nil:
      throw ValidationError("give --model or the factor options")
    }
  }
}
