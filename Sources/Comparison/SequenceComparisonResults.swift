import Foundation
import InteractionData
import TwoTower

/// The users, items and positions of a leave-one-out comparison.
public struct SequenceDataSummary: Sendable, Codable, Equatable {
  public var name: String
  public var users: Int
  public var items: Int
  /// Users with a validation and a test item (3 or more items).
  public var evaluatedUsers: Int
  /// Items over all sequences (training, validation and test).
  public var interactions: Int
  /// (position, next item) pairs in the training sequences.
  public var trainingPositions: Int

  enum CodingKeys: String, CodingKey {
    case name, users, items, interactions
    case evaluatedUsers = "evaluated_users", trainingPositions = "training_positions"
  }
}

/// One method of one seed under leave-one-out.
public struct SequenceMethodResult: Sendable, Codable, Equatable {
  public var method: SequenceMethod
  public var title: String
  /// Every grid point (or early-stopped fit) on the validation items.
  public var trials: [Trial]
  /// The chosen setting; attention methods include their kept epoch count.
  public var chosen: Setting
  /// attention-prior: the epoch count of attention-softmax's network it serves.
  public var inherited: Setting
  /// Validation metrics of the chosen setting (hr@10, ndcg@10, hr@20, ndcg@20).
  public var validation: [String: Double]
  /// Test metrics, same keys.
  public var test: [String: Double]
  /// Wall seconds of the final model's training (attention: the epochs' steps,
  /// validation evaluations excluded; iALS: the refit with the validation items).
  public var fitSeconds: Double
  /// Everything the method cost: its grid and its test evaluation.
  public var totalSeconds: Double
  public var sequencesPerSecond: Double?
  public var notes: [String]
  /// Per evaluated user: hr@10, ndcg@10, hr@20, ndcg@20 (for the paired intervals; not encoded).
  public var perUser: [String: [Double]] = [:]

  enum CodingKeys: String, CodingKey {
    case method, title, trials, chosen, inherited, validation, test, notes
    case fitSeconds = "fit_seconds", totalSeconds = "total_seconds", sequencesPerSecond = "sequences_per_second"
  }

  init(method: SequenceMethod, trials: [Trial], chosen: Setting, inherited: Setting, validation: [String: Double],
       test: [String: Double], fitSeconds: Double, totalSeconds: Double, sequencesPerSecond: Double?, notes: [String],
       perUser: [String: [Double]]) {
    self.method = method
    self.title = method.title
    self.trials = trials
    self.chosen = chosen
    self.inherited = inherited
    self.validation = validation
    self.test = test
    self.fitSeconds = fitSeconds
    self.totalSeconds = totalSeconds
    self.sequencesPerSecond = sequencesPerSecond
    self.notes = notes
    self.perUser = perUser
  }

  /// The chosen setting with what was inherited, or `-`.
  public var choice: String {
    var parts: [String] = []
    if !chosen.parameters.isEmpty { parts.append(chosen.description) }
    if !inherited.parameters.isEmpty, let p = method.parent { parts.append("\(inherited) (from \(p.rawValue))") }
    return parts.isEmpty ? "-" : parts.joined(separator: ", ")
  }
}

/// Mean and standard error of each test metric of a method over seeds.
public struct SequenceMethodSummary: Sendable, Codable, Equatable {
  public var method: SequenceMethod
  public var title: String
  public var mean: [String: Double]
  public var standardError: [String: Double]
  public var values: [String: [Double]]
  public var choices: [String]

  enum CodingKeys: String, CodingKey {
    case method, title, mean, values, choices
    case standardError = "standard_error"
  }

  init(method: SequenceMethod, perSeed: [SequenceMethodResult]) {
    self.method = method
    title = method.title
    (mean, standardError, values) = MethodSummary.statistics(perSeed.map(\.test))
    choices = perSeed.map(\.choice)
  }
}

/// Everything a leave-one-out comparison measured.
public struct SequenceComparisonResults: Sendable, Codable, Equatable {
  public var `protocol` = "leave-one-out"
  public var data: SequenceDataSummary
  public var config: SequenceComparisonConfig
  /// The first seed's methods in detail.
  public var methods: [SequenceMethodResult]
  public var seeds: [UInt64]
  public var summary: [SequenceMethodSummary] = []
  public var differences: [PairedDifference] = []
  public var seconds: Double
  public var notes: [String]
  public var command: String?

  public subscript(method: SequenceMethod) -> SequenceMethodResult? { methods.first { $0.method == method } }
}

/// Writes a ``SequenceComparisonResults`` as `report.md` and `results.json`.
public enum SequenceComparisonReport {
  /// The metric columns: (key, title).
  public static let columns: [(key: String, title: String)] = [
    ("hr@10", "HR@10"), ("ndcg@10", "NDCG@10"), ("hr@20", "HR@20"), ("ndcg@20", "NDCG@20"),
  ]

  public static func json(_ r: SequenceComparisonResults) throws -> Data {
    try ComparisonReport.encoder.encode(r)
  }

  public static func markdown(_ r: SequenceComparisonResults, command: String? = nil) -> String {
    let d = r.data, t = r.config.twoTower, seq = t.sequence ?? SequenceTowerConfig()
    var s = "# Leave-one-out comparison on \(d.name)\n\n"
    s += "\(d.users) users (\(d.evaluatedUsers) evaluated), \(d.items) items, \(d.interactions) interactions; "
    s += "\(d.trainingPositions) training positions. Per user the last item is the test item, the one before it the "
    s += "validation item, the rest training. Metrics rank the target among all items, the user's history excluded "
    s += "(no sampled candidates).\n\n"
    s += "Every choice was made on the validation items by NDCG@10: the attention tower's epoch count by early stopping "
    s += "(validation every \(r.config.evaluateEvery) epochs, patience \(r.config.patience), at most \(t.epochs) epochs; "
    s += "the kept network is tested with the validation item appended to its input), the Gram weight, the prior's beta, "
    s += "iALS's alpha0 and lambda (iALS then refitted with the validation items). "
    s += "Attention tower: d = \(t.embeddingDim), \(seq.blocks) blocks, \(seq.heads) heads, window \(seq.maxLength), "
    s += "dropout \(seq.dropout), \(seq.layout.rawValue) blocks, batch \(t.batchSize), \(t.optimizer.rawValue) lr \(t.learningRate), "
    s += "temperature \(t.temperature). iALS: d = \(t.embeddingDim), \(r.config.ials.epochs) epochs, \(r.config.ials.solver.rawValue) solver. "
    s += "\(r.config.threads) threads; " + String(format: "whole run %.0f s.\n\n", r.seconds)
    if let command { s += "Reproduce with:\n\n```\n\(command)\n```\n\n" }

    let multi = r.seeds.count > 1
    if multi {
      s += "## Results over \(r.seeds.count) seeds (test items)\n\n"
      s += "Seeds \(r.seeds.map(String.init).joined(separator: ", ")): each re-draws every initialisation, shuffle and sampled "
      s += r.config.retune == .firstSeed
        ? "negative; seed \(r.seeds[0]) chose the settings and epoch counts, later seeds refitted them (`--retune first`). "
        : "negative and tunes afresh (the split is the data's own). "
      s += "Mean over seeds ± standard error.\n\n"
      s += "| method | " + columns.map(\.title).joined(separator: " | ") + " | chosen per seed |\n"
      s += "|---|" + String(repeating: "---:|", count: columns.count) + "---|\n"
      let b = ComparisonReport.columnBests(r.summary.map(\.mean), columns: columns)
      for m in r.summary {
        s += "| \(m.title) | " + ComparisonReport.metricCells(m.mean, errors: m.standardError, bests: b, columns: columns).joined(separator: " | ") + " | \(m.choices.joined(separator: "; ")) |\n"
      }
      s += "\nBold: the best mean of the column.\n\n"
    }
    if !r.differences.isEmpty {
      s += "## Paired differences\n\n"
      s += "a - b on the same evaluated users, averaged over " + (multi ? "seeds" : "the users of the one seed (user sampling only)")
      s += ", with a 95% two-stage bootstrap interval (seeds, then users; \(r.config.bootstrapReplicates) replicates). "
      s += "\"better\" and \"worse\": the interval excludes 0.\n\n"
      s += "| question | metric | a | b | a - b (95% interval) | relative | verdict |\n|---|---|---:|---:|---|---:|---|\n"
      for x in r.differences {
        s += String(format: "| %@ | %@ | %.4f | %.4f | %+.4f (%+.4f, %+.4f) | %+.1f%% | %@ |\n", x.question, x.metric, x.meanA, x.meanB,
                    x.difference, x.lower, x.upper, x.relative, x.verdict)
      }
      s += "\n"
    }
    s += multi ? "## Seed \(r.seeds[0]) in detail\n\n" : "## Results (test items)\n\n"
    s += "| method | chosen on validation | valid NDCG@10 | " + columns.map(\.title).joined(separator: " | ") + " | fit s | sequences/s |\n"
    s += "|---|---|---:|" + String(repeating: "---:|", count: columns.count + 2) + "\n"
    let b = ComparisonReport.columnBests(r.methods.map(\.test), columns: columns)
    for m in r.methods {
      let valid = m.validation["ndcg@10"].map { String(format: "%.4f", $0) } ?? ""
      let rate = m.sequencesPerSecond.map { String(format: "%.0f", $0) } ?? ""
      s += "| \(m.title) | \(m.choice) | \(valid) | " + ComparisonReport.metricCells(m.test, bests: b, columns: columns).joined(separator: " | ")
      s += String(format: " | %.1f | ", m.fitSeconds) + rate + " |\n"
    }
    for n in r.notes { s += "\n\(n).\n" }
    s += "\nFit s: the kept network's training epochs (attention; validation passes excluded) or iALS's refit.\n\n"
    s += "## Grids (validation NDCG@10)\n\n"
    for m in r.methods {
      s += "- **\(m.title)**: "
      if m.trials.isEmpty {
        s += m.method == .popularity ? "no hyperparameters" : "refitted without a grid"
      } else {
        s += m.trials.map { x in
          let v = String(format: "%.4f", x.metrics["ndcg@10"] ?? 0)
          return x.setting == m.chosen ? "**\(x.setting) \(v)**" : "\(x.setting) \(v)"
        }.joined(separator: ", ")
      }
      for n in m.notes { s += "; \(n)" }
      s += String(format: " (method total %.0f s)\n", m.totalSeconds)
    }
    return s
  }

  /// Writes `report.md` and `results.json` into `directory` as one
  /// ``OutputFolder`` (staged, then published with a manifest). Returns the file names.
  @discardableResult
  public static func write(_ result: SequenceComparisonResults, to directory: String, command: String? = nil) throws -> [String] {
    let dir = URL(fileURLWithPath: directory, isDirectory: true)
    try FileManager.default.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
    let folder = try OutputFolder(path: dir.path)
    let files: [(String, Data)] = [("results.json", try json(result)), ("report.md", Data(markdown(result, command: command).utf8))]
    for (name, data) in files { try folder.write(data, as: name) }
    try folder.commit(command: command ?? "gramian compare --protocol leave-one-out")
    return files.map(\.0)
  }
}
