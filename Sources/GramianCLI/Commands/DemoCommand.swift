import ArgumentParser
import Foundation
import Gramian

/// The main job on the bundled data: MovieLens latest-small, ratings of 4 or
/// more as positives, a seeded 80/20 per-user split, every model evaluated by
/// the same full-ranking code.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Fit and evaluate the models on the bundled MovieLens latest-small data.")

  @Option(help: "Folder holding ratings.csv (and movies.csv).")
  var data: String = "datasets/ml-latest-small"

  @OptionGroup var common: CommonOptions

  struct Output: Codable { var data: DataSummary; var results: [String: [String: Double]] }

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
    let popularity = Evaluator.evaluate(PopularityModel(train: loaded.train), train: loaded.train, test: loaded.test, options: options)
    rows.append(("popularity", popularity))
    Console.out("")
    Console.out(MetricsTable.render(rows: rows, ks: options.ks))
    if common.json {
      try Console.json(Output(data: loaded.summary, results: Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1.metrics) })))
    }
  }
}
