import Foundation
import InteractionData

/// Writes a ``ComparisonResults`` as a report folder: `report.md` (the
/// tables), `results.json` (every number) and SVG charts.
public enum ComparisonReport {
  /// The report's metric columns: (metric key, column title).
  public static let columns: [(key: String, title: String)] = [
    ("recall@20", "Recall@20"), ("recall@50", "Recall@50"), ("ndcg@20", "NDCG@20"), ("ndcg@100", "NDCG@100"),
    ("coverage@20", "Coverage@20"), ("mean_log_popularity@20", "mean log P(d)@20"),
  ]

  /// The JSON of `result` (sorted keys, indented; non-finite numbers as "inf", "-inf", "nan").
  public static func json(_ result: ComparisonResults) throws -> Data {
    try encoder.encode(result)
  }

  /// The encoder of every comparison's results.json (both protocols).
  static var encoder: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return e
  }

  /// Reads back what ``json(_:)`` wrote.
  public static func decode(_ data: Data) throws -> ComparisonResults {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try d.decode(ComparisonResults.self, from: data)
  }

  /// The Markdown report. `command` is printed as the way to reproduce it;
  /// `charts` are (file name, caption) pairs embedded as images.
  public static func markdown(_ r: ComparisonResults, command: String? = nil, charts: [(file: String, caption: String)] = []) -> String {
    var s = "# Comparison on \(r.data.name)\n\n"
    let d = r.data
    s += "\(d.users) users, \(d.items) items; \(d.trainPairs) training pairs, \(d.testPairs) test pairs over \(d.testUsers) users. "
    s += "Validation split carved from training: \(d.validationPairs) pairs over \(d.validationUsers) users "
    s += "(\(Int((r.config.validationFraction * 100).rounded()))% of each user's training pairs, \(d.validationTrainPairs) pairs left to fit on).\n\n"
    s += "Every hyperparameter below was chosen by validation \(r.config.tuneMetric); the chosen setting was refitted on the whole "
    s += "training split and evaluated once on the test split (full ranking over all items, training items excluded). "
    s += "Dimension \(r.config.dimension) for every model; \(r.config.threads) threads; seed \(r.config.seed); "
    s += String(format: "whole run %.0f s.\n\n", r.seconds)
    if let command { s += "Reproduce with:\n\n```\n\(command)\n```\n\n" }

    let multi = r.seeds.count > 1
    if multi {
      s += "## Results over \(r.seeds.count) seeds (test split)\n\n"
      s += "Seeds \(r.seeds.map(String.init).joined(separator: ", ")): each seed re-draws the split (when it is not fixed by a test file), "
      s += r.config.retune == .firstSeed
        ? "the validation split and the initialisation; seed \(r.seeds[0]) tuned every method and the later seeds refitted its choices (`--retune first`). Each cell is the mean over seeds "
        : "the validation split and the initialisation, and tunes every method afresh. Each cell is the mean over seeds "
      s += "± its standard error (sample sd / sqrt(seeds)).\n\n"
      s += "| method | " + columns.map(\.title).joined(separator: " | ") + " | chosen per seed |\n"
      s += "|---|" + String(repeating: "---:|", count: columns.count) + "---|\n"
      let bestMean = columnBests(r.summary.map(\.mean))
      for m in r.summary {
        let cells = metricCells(m.mean, errors: m.standardError, bests: bestMean)
        s += "| \(m.title) | " + cells.joined(separator: " | ") + " | \(m.choices.joined(separator: "; ")) |\n"
      }
      s += "\nBold: the best mean of the column.\n\n"
    }
    if !r.differences.isEmpty {
      s += "## Paired differences\n\n"
      s += "Each question's difference a - b on the same test users, averaged over "
      s += multi ? "seeds, " : "the test users of the one seed (so the interval covers user sampling only, not the variation between seeds), "
      s += "with a 95% interval from a two-stage bootstrap (seeds with replacement, then users within each seed; "
      s += "\(r.config.bootstrapReplicates) replicates). \"better\" and \"worse\": the interval excludes 0.\n\n"
      s += "| question | metric | a | b | a - b (95% interval) | relative | verdict |\n|---|---|---:|---:|---|---:|---|\n"
      for d in r.differences {
        s += String(format: "| %@ | %@ | %.4f | %.4f | %+.4f (%+.4f, %+.4f) | %+.1f%% | %@ |\n", d.question, d.metric, d.meanA, d.meanB,
                    d.difference, d.lower, d.upper, d.relative, d.verdict)
      }
      s += "\n"
    }

    s += multi ? "## Seed \(r.seeds[0]) in detail (test split)\n\n" : "## Results (test split)\n\n"
    s += "| method | chosen on validation | " + columns.map(\.title).joined(separator: " | ") + " | fit s |\n"
    s += "|---|---|" + String(repeating: "---:|", count: columns.count + 1) + "\n"
    let best = columnBests(r.methods.map(\.test))
    for m in r.methods {
      let cells = metricCells(m.test, bests: best)
      s += "| \(m.title) | \(m.choice) | " + cells.joined(separator: " | ") + String(format: " | %.1f |\n", m.fitSeconds)
    }
    for n in r.notes { s += "\n\(n).\n" }
    s += "\nBold: the best of the column. mean log P(d)@20 is the mean natural log of the training frequency of the "
    s += "top-20 items (higher: more popular items recommended). Fit time: the final fit on the whole training split.\n\n"

    if !charts.isEmpty {
      s += "## Charts\n\n"
      s += "The beta and lambda_g charts show the validation grids (with the chosen settings of the methods without "
      s += "the term as flat references). The learning curves are recall@20 on \(min(r.config.curveUsers, r.data.testUsers)) "
      s += "sampled test users after each epoch of the final fits: drawn only, never used for a choice.\n\n"
      for c in charts { s += "![\(c.caption)](\(c.file))\n\n" }
    }

    let bucketed = r.methods.filter { !$0.popularityBuckets.isEmpty }
    if let first = bucketed.first {
      s += "## Recall@20 by item-popularity decile\n\n"
      s += "Items split into \(first.popularityBuckets.count) equal groups by training count (1 = least popular); "
      s += "each cell is the share of that group's test pairs found in the top-20.\n\n"
      s += "| method | " + first.popularityBuckets.map { "\($0.bucket)" }.joined(separator: " | ") + " |\n"
      s += "|---|" + String(repeating: "---:|", count: first.popularityBuckets.count) + "\n"
      s += "| (training counts) | " + first.popularityBuckets.map { "\($0.minCount)-\($0.maxCount)" }.joined(separator: " | ") + " |\n"
      s += "| (test pairs) | " + first.popularityBuckets.map { "\($0.testPairs)" }.joined(separator: " | ") + " |\n"
      for m in bucketed {
        s += "| \(m.title) | " + m.popularityBuckets.map { String(format: "%.3f", $0.recall) }.joined(separator: " | ") + " |\n"
      }
      s += "\n"
    }

    s += "## Grids (validation \(r.config.tuneMetric))\n\n"
    for m in r.methods {
      s += "- **\(m.title)**: "
      if m.trials.isEmpty {
        s += m.method == .popularity ? "no hyperparameters" : "nothing of its own to choose"
      } else {
        let chosen = m.chosen
        s += m.trials.map { t in
          let v = String(format: "%.4f", t.metrics[r.config.tuneMetric] ?? 0)
          return t.setting == chosen ? "**\(t.setting) \(v)**" : "\(t.setting) \(v)"
        }.joined(separator: ", ")
      }
      let edges = edgeParameters(m)
      if !edges.isEmpty { s += "; chosen at the edge of the grid in \(edges.joined(separator: ", ")) (a wider grid may do better)" }
      if !m.inherited.parameters.isEmpty { s += "; \(m.inherited) from \(m.method.parent!.rawValue)" }
      for n in m.notes { s += "; \(n)" }
      s += String(format: " (method total %.0f s)\n", m.totalSeconds)
    }
    s += "\n" + settingsParagraph(r.config)
    return s
  }

  /// The largest value of each of `columns` over `rows` (default: the
  /// holdout report's first five columns, the bolded ones).
  static func columnBests(_ rows: [[String: Double]],
                          columns: [(key: String, title: String)] = Array(ComparisonReport.columns.prefix(5))) -> [String: Double] {
    var best: [String: Double] = [:]
    for c in columns { best[c.key] = rows.compactMap { $0[c.key] }.max() }
    return best
  }

  /// One row's metric cells: 4 decimals (2 for log-popularity), `± error`
  /// when given, bold when equal to the column's best.
  static func metricCells(_ values: [String: Double], errors: [String: Double] = [:], bests: [String: Double],
                          columns: [(key: String, title: String)] = ComparisonReport.columns) -> [String] {
    columns.map { c -> String in
      guard let v = values[c.key] else { return "" }
      let format = c.key.hasPrefix("mean_log") ? "%.2f" : "%.4f"
      var text = String(format: format, v)
      if let e = errors[c.key] { text += " ± " + String(format: format, e) }
      return bests[c.key] == v ? "**\(text)**" : text
    }
  }

  /// Parameters whose chosen value is the smallest or largest of three or
  /// more values tried: the optimum may lie outside the grid.
  static func edgeParameters(_ m: MethodResult) -> [String] {
    m.chosen.parameters.compactMap { p in
      let values = Set(m.trials.compactMap { $0.setting[p.name] })
      guard values.count >= 3, let lo = values.min(), let hi = values.max() else { return nil }
      return p.value == lo || p.value == hi ? p.name : nil
    }
  }

  /// The fixed settings, stated in the report.
  static func settingsParagraph(_ c: ComparisonConfig) -> String {
    let t = c.twoTower
    var s = "Fixed settings. Two-tower: "
    s += t.layers.isEmpty ? "id embeddings" : "embeddings \(t.embeddingDim), MLP \(t.layers.map(String.init).joined(separator: ","))"
    if t.history > 0 { s += ", history pooling of the last \(t.history) items" }
    s += t.normalize ? ", L2-normalised outputs" : ""
    s += ", batch \(t.batchSize), \(t.epochs) epochs, \(t.optimizer.rawValue) lr \(t.learningRate)"
    s += "; SOGram rate \(t.sogramRate) for the Gram term; MSE + Gram: exact Gram, \(c.mseOptimizer.rawValue) lr \(c.mseLearningRate), output L2 \(c.mseL2). "
    s += "iALS: \(c.ials.epochs) epochs, \(c.ials.solver.rawValue) solver, \(c.ials.formulation.rawValue) loss, \(c.ials.confidence.rawValue) confidence, "
    s += "regularisation exponent nu = \(c.ials.regularizationExponent).\n"
    return s
  }
}

extension ComparisonReport {
  /// Writes `report.md`, `results.json` and the charts into `directory`
  /// (its parent created when missing) as one ``OutputFolder``: staged in a
  /// temporary sibling, then published with a manifest in one step, so a
  /// reader never sees a report from one run beside charts from another.
  /// Other files in the folder are kept. Returns the file names.
  @discardableResult
  public static func write(_ result: ComparisonResults, to directory: String, command: String? = nil) throws -> [String] {
    let dir = URL(fileURLWithPath: directory, isDirectory: true)
    try FileManager.default.createDirectory(at: dir.deletingLastPathComponent(), withIntermediateDirectories: true)
    let folder = try OutputFolder(path: dir.path)
    var files: [(String, Data)] = []
    let charts = try ComparisonCharts.render(result)
    for c in charts { files.append((c.file, Data(c.svg.utf8))) }
    files.append(("results.json", try json(result)))
    let md = markdown(result, command: command, charts: charts.map { ($0.file, $0.caption) })
    files.append(("report.md", Data(md.utf8)))
    for (name, data) in files { try folder.write(data, as: name) }
    try folder.commit(command: command ?? "gramian compare")
    return files.map(\.0)
  }
}
