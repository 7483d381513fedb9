import Foundation
import Gramian

/// What every `gramian fit` subcommand does once training ends.
enum FitReporting {
  /// The cut-offs evaluated after a fit.
  static let cutoffs = [20, 50, 100]
  /// The metrics reported in `--json`: recall@20, recall@50, ndcg@20, ndcg@100.
  static let reported: Set<String> = ["recall@20", "recall@50", "ndcg@20", "ndcg@100"]

  /// Evaluates `model` on the test set (when there is one) next to the
  /// popularity floor, says on stderr when the model ends below it, prints
  /// the table (stderr under `--json`), saves to `output` when given, and
  /// returns the reported metrics.
  static func finish(
    _ model: some Recommender, name: String, loaded: InteractionDataset, options: EvaluationOptions,
    output: String?, json: Bool
  ) throws -> [String: Double]? {
    var metrics: [String: Double]? = nil
    if loaded.hasTest {
      let r = Evaluator.evaluate(model, train: loaded.train, test: loaded.test, options: options)
      let floor = Evaluator.evaluate(PopularityModel(train: loaded.train), train: loaded.train, test: loaded.test, options: options)
      metrics = r.metrics.filter { reported.contains($0.key) }
      Console.result(MetricsTable.render(rows: [("popularity", floor), (name, r)], ks: options.ks), json: json)
      let mine = r.metrics["recall@20"] ?? 0, pop = floor.metrics["recall@20"] ?? 0
      if mine < pop {
        Console.info(String(format: "warning: the %@ model scores below popularity on the test set (recall@20 %.4f vs %.4f): tune it (see the README's advice for this model kind) before using it", name, mine, pop))
      }
    } else {
      Console.info("no test set: trained on every pair (give --test FILE or --split random to evaluate)")
    }
    if let output {
      try model.save(to: output)
      Console.info("saved model to \(output)")
    }
    return metrics
  }
}
