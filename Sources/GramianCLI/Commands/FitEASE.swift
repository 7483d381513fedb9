import ArgumentParser
import Foundation
import Gramian

/// `gramian fit ease`: Steck's closed-form item-item model.
struct FitEASE: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ease",
    abstract: "Fit EASE (Steck 2019), the closed-form item-item model, on a training file.",
    discussion: """
      Inverts the items x items matrix X^T X + lambda I once (float32 Cholesky): memory 4 * items^2 bytes and \
      items^3 flops, so catalogues above --max-items (default 30,000) are refused. Trains on every pair of \
      --train unless --test FILE or --split METHOD holds out a test set, which is then evaluated. The model \
      serves like any other (recommend, score, similar, serve); a new user's history folds in exactly.
      """)

  @Option(help: "Training interactions (any format 'gramian data' reads, or a .gcache file).") var train: String
  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions
  @Option(name: [.customLong("reg")], help: "L2 weight lambda added to the diagonal of X^T X (tune it: 10-1000 is typical).")
  var regularization: Float = EASEConfig().regularization
  @Option(help: "Largest catalogue accepted (a dense items x items float32 matrix).") var maxItems = EASEConfig().maxItems
  @Option(help: "Where to save the fitted model (written atomically).") var output: String?
  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var model = "ease"
    var config: EASEConfig
    var trainSeconds: Double
    var metrics: [String: Double]?
    var data: DatasetSummary
    var output: String?
  }

  func validate() throws {
    guard regularization.isFinite, regularization > 0 else { throw ValidationError("--reg must be a number > 0, got \(regularization)") }
    guard maxItems >= 1 else { throw ValidationError("--max-items must be at least 1, got \(maxItems)") }
  }

  func run() throws {
    try Paths.checkOutputFile(output)
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let config = EASEConfig(regularization: regularization, maxItems: maxItems, threads: common.threadCount)
    Console.info("fitting EASE: lambda \(regularization), \(loaded.train.itemCount) items, \(config.threads) threads")
    let t0 = Date()
    let model = try EASEModel.fit(loaded.train, userIds: loaded.userIds, itemIds: loaded.itemIds, config: config)
    let trainSeconds = Date().timeIntervalSince(t0)
    Console.info(String(format: "fitted in %.2f s", trainSeconds))
    var evalOptions = EvaluationOptions()
    evalOptions.ks = FitReporting.cutoffs
    evalOptions.threads = common.threadCount
    let metrics = try FitReporting.finish(model, name: "ease", loaded: loaded, options: evalOptions, output: output, json: common.json)
    if common.json {
      try Console.json(Output(config: config, trainSeconds: trainSeconds, metrics: metrics, data: loaded.summary, output: output))
    }
  }
}
