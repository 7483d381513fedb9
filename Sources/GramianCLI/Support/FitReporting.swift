import Foundation
import Gramian

/// What every `gramian fit` subcommand does once training ends.
enum FitReporting {
  /// The metrics reported in `--json` (issue #3): recall@20, recall@50,
  /// ndcg@20, ndcg@100.
  static let reported: Set<String> = ["recall@20", "recall@50", "ndcg@20", "ndcg@100"]

  /// Evaluates `model` on the test set (when there is one), prints the table
  /// (stderr under `--json`), saves to `output` when given, and returns the
  /// reported metrics.
  static func finish(
    _ model: some Scorer, name: String, loaded: LoadedSplit, options: EvaluationOptions,
    output: String?, json: Bool, save: (String) throws -> Void
  ) throws -> [String: Double]? {
    var metrics: [String: Double]? = nil
    if loaded.test.nnz > 0 {
      let r = Evaluator.evaluate(model, train: loaded.train, test: loaded.test, options: options)
      metrics = r.metrics.filter { reported.contains($0.key) }
      Console.result(MetricsTable.render(rows: [(name, r)], ks: options.ks), json: json)
    }
    if let output {
      try save(output)
      Console.info("saved model to \(output)")
    }
    return metrics
  }
}
