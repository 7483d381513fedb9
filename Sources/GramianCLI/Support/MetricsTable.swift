import Foundation
import Gramian

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
}

extension String {
  func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
