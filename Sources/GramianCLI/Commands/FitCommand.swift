import ArgumentParser
import Foundation
import Gramian

struct FitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit", abstract: "Fit a model.", subcommands: [FitIALS.self, FitTwoTower.self, FitEASE.self])
}

extension ConfidenceMode: ExpressibleByArgument {}
extension ALSSolver: ExpressibleByArgument {}
extension ALSFormulation: ExpressibleByArgument {}
extension RegularizationScaling: ExpressibleByArgument {}

/// iALS hyperparameters as flags.
struct IALSOptions: ParsableArguments {
  @Option(name: [.customLong("dim"), .customLong("factors")], help: "Embedding dimension k.") var factors = 64
  @Option(help: "Number of epochs (each is a user half-step and an item half-step).") var epochs = 15
  @Option(help: "Regularisation lambda.") var reg: Float = 0.01
  @Option(help: "Regularisation exponent nu: lambda_u = lambda * (n_u + alpha0 |I|)^nu.") var regExponent: Float = 0
  @Option(help: "What nu scales: total (n_u + alpha0 |I|) or observed (n_u alone: ALS-WR; Spark MLlib is --formulation hu --confidence linear --alpha 2 on 0/1 data, --reg-exponent 1 --reg-scaling observed).")
  var regScaling: RegularizationScaling = .total
  @Option(help: "Weight alpha0 of every unobserved pair.") var unobservedWeight: Float = 1
  @Option(help: "Confidence of observed pairs: binary (c = 1), linear (1 + alpha r) or log (1 + alpha log(1 + r/eps)).")
  var confidence: ConfidenceMode = .binary
  @Option(help: "Confidence scale alpha.") var alpha: Float = 1
  @Option(help: "Confidence log scale eps.") var eps: Float = 1
  @Option(help: "rendle (Rendle et al. 2022 loss) or hu (Hu et al. 2008, as implicit).") var formulation: ALSFormulation = .rendle
  @Option(help: "Initial factors ~ N(0, (init-std / sqrt(k))^2).") var initStd: Float = 0.1
  @Option(help: "exact (Cholesky), cg (conjugate gradient) or block (iALS++).") var solver: ALSSolver = .exact
  @Option(help: "Conjugate-gradient steps per row (cg solver).") var cgSteps = 3
  @Option(help: "Block size b (block solver; b = k is exact).") var blockSize = 128

  func validate() throws {
    guard factors >= 1 else { throw ValidationError("--dim must be at least 1") }
    guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
    guard reg >= 0, unobservedWeight >= 0, alpha >= 0, eps > 0 else {
      throw ValidationError("--reg, --unobserved-weight and --alpha must be non-negative, --eps positive")
    }
    guard cgSteps >= 1, blockSize >= 1 else { throw ValidationError("--cg-steps and --block-size must be at least 1") }
  }

  func config(common: CommonOptions) -> IALSConfig {
    var c = IALSConfig()
    c.factors = factors
    c.epochs = epochs
    c.regularization = reg
    c.regularizationExponent = regExponent
    c.regularizationScaling = regScaling == .total ? nil : regScaling
    c.unobservedWeight = unobservedWeight
    c.confidence = confidence
    c.alpha = alpha
    c.eps = eps
    c.formulation = formulation
    c.initStd = initStd
    c.solver = solver
    c.cgSteps = cgSteps
    c.blockSize = blockSize  // the library caps it at the dimension (effectiveBlockSize)
    c.threads = common.threadCount
    c.seed = common.seed
    return c
  }
}

struct FitIALS: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ials",
    abstract: "Fit implicit ALS (iALS) on a training file.",
    discussion: """
      Trains on every pair of --train unless --test FILE or --split METHOD holds out a test set, \
      which is then evaluated (recall and ndcg at 20, 50, 100). The saved model records a \
      fingerprint of its training pairs, so 'gramian evaluate' can refuse a test set it was trained on.
      """)

  @Option(help: "Training interactions (any format 'gramian data' reads, or a .gcache file).") var train: String
  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions
  @OptionGroup var ials: IALSOptions
  @Option(help: "Where to save the fitted model (written atomically).") var output: String?
  @Option(help: "Evaluate on the test set every N epochs (0: only at the end; needs --test or --split).") var evalEvery = 0
  @Flag(help: "Fit across the ranks of an Open MPI job (mpirun -np N gramian fit ials --distributed ...): --train is one delimited file each rank reads a part of, or a folder of shards; --threads is per rank.")
  var distributed = false
  @OptionGroup var common: CommonOptions

  struct EpochLine: Codable {
    var epoch: Int
    var seconds: Double
    /// Wall seconds of the user and item half-steps (they add up to `seconds`).
    var userSeconds: Double?
    var itemSeconds: Double?
    var loss: Double
    var metrics: [String: Double]?
  }
  struct Output: Codable {
    var model = "ials"
    var config: IALSConfig
    var epochs: [EpochLine]
    var trainSeconds: Double
    var metrics: [String: Double]?
    var data: DatasetSummary
    var output: String?
  }

  func validate() throws {
    guard evalEvery >= 0 else { throw ValidationError("--eval-every must be >= 0") }
    if distributed && (split.holdsOut || evalEvery > 0) {
      throw ValidationError("--distributed trains on every pair of --train: drop --test/--split/--eval-every and evaluate the saved model with 'gramian evaluate --model M --test FILE'")
    }
    if evalEvery > 0 && !split.holdsOut { throw ValidationError("--eval-every needs a test set: give --test FILE or --split METHOD") }
  }

  func run() throws {
    if distributed { return try runDistributed() }
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let config = ials.config(common: common)
    var evalOptions = EvaluationOptions()
    evalOptions.ks = FitReporting.cutoffs
    evalOptions.threads = common.threadCount
    let bar = ProgressBar("fit ials", total: config.epochs)
    var lines: [EpochLine] = []
    let t0 = Date()
    Console.info("fitting iALS: k=\(config.factors), solver \(config.solver.rawValue), \(config.epochs) epochs, \(config.threads) threads")
    let model = try IALSModel.fit(loaded.train, userIds: loaded.userIds, itemIds: loaded.itemIds,
                                  config: config, onEpochModel: { report, current in
      var line = EpochLine(epoch: report.epoch, seconds: report.seconds, userSeconds: report.userSeconds,
                           itemSeconds: report.itemSeconds, loss: report.loss, metrics: nil)
      var text = String(format: "  epoch %3d  %7.3f s  loss %.6g", report.epoch, report.seconds, report.loss)
      if evalEvery > 0, report.epoch % evalEvery == 0, report.epoch < config.epochs, loaded.hasTest {
        let r = Evaluator.evaluate(current, train: loaded.train, test: loaded.test, options: evalOptions)
        line.metrics = r.metrics.filter { FitReporting.reported.contains($0.key) }
        text += String(format: "  recall@20 %.4f  ndcg@20 %.4f", r.metrics["recall@20"] ?? 0, r.metrics["ndcg@20"] ?? 0)
      }
      lines.append(line)
      bar.finish()
      Console.info(text)
      bar.update(report.epoch, suffix: String(format: "loss %.5g", report.loss))
    })
    let trainSeconds = Date().timeIntervalSince(t0)
    bar.finish()
    let metrics = try FitReporting.finish(model, name: "ials", loaded: loaded, options: evalOptions,
                                          output: output, json: common.json)
    if common.json {
      try Console.json(Output(config: config, epochs: lines, trainSeconds: trainSeconds, metrics: metrics, data: loaded.summary, output: output))
    }
  }
}
