import Foundation
import Gramian
import GramianReports

/// Renders evaluation results as an aligned text table, one row per model.
enum MetricsTable {
  static func render(rows: [(String, EvaluationResult)], ks: [Int]) -> String {
    var columns: [String] = []
    for k in ks { columns += ["recall@\(k)", "ndcg@\(k)"] }
    if let k = ks.first { columns += ["hr@\(k)", "coverage@\(k)"] }
    let present = columns.filter { c in rows.contains { $0.1.metrics[c] != nil } }
    let nameWidth = max(10, rows.map(\.0.count).max() ?? 0)
    var out = "model".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
    for c in present { out += "  " + c.leftPad(12) }
    out += "\n" + String(repeating: "-", count: nameWidth + present.count * 14)
    for (name, r) in rows {
      out += "\n" + name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      for c in present { out += "  " + String(format: "%.4f", r.metrics[c] ?? .nan).leftPad(12) }
    }
    return out
  }

  /// The comparison's test table: the report's columns and the fit time.
  static func comparison(_ r: ComparisonResults) -> String {
    let nameWidth = max(10, r.methods.map(\.title.count).max() ?? 0)
    let cols = ComparisonReport.columns
    var out = "method".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
    for c in cols { out += "  " + c.key.replacingOccurrences(of: "mean_log_popularity", with: "log_pop").leftPad(12) }
    out += "  " + "fit s".leftPad(8)
    out += "\n" + String(repeating: "-", count: nameWidth + cols.count * 14 + 10)
    let multi = r.seeds.count > 1
    for m in r.methods {
      out += "\n" + m.title.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      let values = multi ? r.summary(of: m.method)?.mean ?? [:] : m.test
      for c in cols { out += "  " + String(format: "%.4f", values[c.key] ?? .nan).leftPad(12) }
      out += "  " + String(format: "%.1f", m.fitSeconds).leftPad(8)
    }
    if multi { out += "\n(means over seeds \(r.seeds.map(String.init).joined(separator: ", ")); fit s: seed \(r.seeds[0]))" }
    let recall = r.differences.filter { $0.metric == "recall@20" }
    if !recall.isEmpty {
      out += "\n\nrecall@20 differences, 95% intervals:"
      for d in recall {
        out += "\n  " + d.question + String(format: ": %+.4f (%+.4f, %+.4f) ", d.difference, d.lower, d.upper) + d.verdict
      }
    }
    return out
  }
}

extension MetricsTable {
  /// The leave-one-out comparison as a console table (means over seeds with several).
  static func sequenceComparison(_ r: SequenceComparisonResults) -> String {
    let nameWidth = max(10, r.methods.map(\.title.count).max() ?? 0)
    let cols = SequenceComparisonReport.columns
    var out = "method".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
    for c in cols { out += "  " + c.key.leftPad(10) }
    out += "  " + "fit s".leftPad(8)
    out += "\n" + String(repeating: "-", count: nameWidth + cols.count * 12 + 10)
    let multi = r.seeds.count > 1
    for (i, m) in r.methods.enumerated() {
      out += "\n" + m.title.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      let values = multi ? r.summary[i].mean : m.test
      for c in cols { out += "  " + String(format: "%.4f", values[c.key] ?? .nan).leftPad(10) }
      out += "  " + String(format: "%.1f", m.fitSeconds).leftPad(8)
    }
    if multi { out += "\n(means over seeds \(r.seeds.map(String.init).joined(separator: ", ")); fit s: seed \(r.seeds[0]))" }
    let ndcg = r.differences.filter { $0.metric == "ndcg@10" }
    if !ndcg.isEmpty {
      out += "\n\nndcg@10 differences, 95% intervals:"
      for d in ndcg {
        out += "\n  " + d.question + String(format: ": %+.4f (%+.4f, %+.4f) ", d.difference, d.lower, d.upper) + d.verdict
      }
    }
    return out
  }
}

extension String {
  func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
