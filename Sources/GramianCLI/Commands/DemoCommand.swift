import ArgumentParser
import Foundation
import Gramian

/// The main job on the bundled data: MovieLens latest-small, ratings of 4 or
/// more as positives, a seeded 80/20 per-user split, popularity and iALS
/// evaluated by the same full-ranking code, and one user's recommendations
/// shown with titles.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Fit and evaluate the models on the bundled MovieLens latest-small data.")

  @Option(help: "Folder holding ratings.csv and movies.csv.")
  var data: String = "datasets/ml-latest-small"

  @Option(help: "The user whose recommendations are shown.")
  var user: String = "1"

  @Option(help: "iALS embedding dimension.") var factors = 64
  @Option(help: "iALS epochs.") var epochs = 15
  @Option(help: "iALS regularisation lambda (tuned on a validation split, Benchmarks/quality).") var reg: Float = 0.01
  @Option(help: "iALS regularisation exponent nu (tuned on a validation split, Benchmarks/quality).") var regExponent: Float = 1
  @Option(help: "iALS unobserved weight alpha0 (tuned on a validation split, Benchmarks/quality).") var unobservedWeight: Float = 0.3

  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var data: DataSummary
    var results: [String: [String: Double]]
    var fitSeconds: Double
    var user: String
    var recommendations: [String]
  }

  func say(_ text: String) { Console.result(text, json: common.json) }

  func run() throws {
    BLAS.setThreads(1)
    var reader = try ReaderOptions.parse([])
    reader.minRating = 4
    reader.binary = true
    let split = try SplitOptions.parse(["--test-fraction", "0.2"])
    Console.info("Gramian demo: MovieLens latest-small, ratings >= 4 as positives, 80/20 per-user split (seed \(common.seed))")
    let loaded = try DatasetLoading.load(train: data + "/ratings.csv", reader: reader, split: split, seed: common.seed)
    var options = EvaluationOptions()
    options.ks = [20, 50, 100]
    options.threads = common.threadCount

    var rows: [(String, EvaluationResult)] = []
    rows.append(("popularity", Evaluator.evaluate(PopularityModel(train: loaded.train), train: loaded.train, test: loaded.test, options: options)))

    var config = IALSConfig()
    config.factors = factors
    config.epochs = epochs
    config.regularization = reg
    config.regularizationExponent = regExponent
    config.unobservedWeight = unobservedWeight
    config.threads = common.threadCount
    config.seed = common.seed
    Console.info("fitting iALS: k=\(factors), lambda=\(reg), nu=\(regExponent), alpha0=\(unobservedWeight), exact solver, \(epochs) epochs, \(config.threads) threads")
    let bar = ProgressBar("fit ials", total: epochs)
    let t0 = Date()
    let model = try IALSModel.fit(loaded.train, userIds: loaded.split.train.userIds, itemIds: loaded.split.train.itemIds,
                                  config: config) { report in
      bar.update(report.epoch, suffix: String(format: "loss %.5g", report.loss))
    }
    bar.finish()
    let fitSeconds = Date().timeIntervalSince(t0)
    Console.info(String(format: "fitted in %.2f s", fitSeconds))
    rows.append(("ials", Evaluator.evaluate(model, train: loaded.train, test: loaded.test, options: options)))

    say("")
    say(MetricsTable.render(rows: rows, ks: options.ks))

    let shown = try showUser(model: model, loaded: loaded)
    if common.json {
      try Console.json(Output(
        data: loaded.summary, results: Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1.metrics) }),
        fitSeconds: fitSeconds, user: user, recommendations: shown))
    }
  }

  /// Prints some titles the user liked in training and their top 10, marking
  /// the ones found in their held-out test items. Returns the top-10 titles.
  func showUser(model: IALSModel, loaded: LoadedSplit) throws -> [String] {
    guard let u = model.userIds.index(of: user) else {
      say("\nuser \(user) is not in the training data; pass --user with another id")
      return []
    }
    var titles: [String: String] = [:]
    do { titles = try ItemTitles.read(data + "/movies.csv") } catch { Console.info("no titles: \(error)") }
    func title(_ i: Int32) -> String {
      let id = model.itemIds.name(of: i)
      return titles[id] ?? "movie \(id)"
    }
    let liked = loaded.train.items(ofUser: Int(u))
    let popularity = loaded.train.itemDegrees
    let sample = liked.sorted { popularity[Int($0)] > popularity[Int($1)] }.prefix(8)
    say("\nUser \(user) liked \(liked.count) movies in training, among them:")
    for i in sample { say("    \(title(i))") }
    let top = model.recommend(user: Int(u), k: 10, excluding: liked)
    let hits = Set(loaded.test.items(ofUser: Int(u)))
    say("Top 10 iALS recommendations (* = in the user's held-out 20%):")
    for (rank, r) in top.enumerated() {
      let mark = hits.contains(r.item) ? "*" : " "
      say(String(format: "  %2d %@ %@", rank + 1, mark, title(r.item)))
    }
    return top.map { title($0.item) }
  }
}
