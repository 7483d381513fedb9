import Foundation
import Gramian

/// Factor tables exported as `.npy` with one id per line in `*_ids.txt`,
/// realigned to a dataset's id maps (rows for ids without factors are zero,
/// as `peers.py evaluate` does).
enum FactorFiles {
  static func readIds(_ path: String) throws -> [String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw DataError(.unreadable, file: path, "cannot read the id file", hint: "check the path; it should hold one id a line")
    }
    return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
  }

  /// Rows of `factors` (labelled by `ids`) placed at the dense index of each
  /// id in `map`; ids unknown to `map` are ignored. Returns the matrix and
  /// how many of `map`'s ids had no row.
  static func align(_ factors: Matrix, ids: [String], factorFile: String, to map: IdMap) throws -> (Matrix, missing: Int) {
    guard ids.count == factors.rows else {
      throw DataError(.badFormat, file: factorFile,
                      "has \(factors.rows) rows but its id file lists \(ids.count) ids",
                      hint: "export factors and ids together")
    }
    var out = Matrix(rows: map.count, columns: factors.columns)
    var filled = [Bool](repeating: false, count: map.count)
    for (row, id) in ids.enumerated() {
      guard let i = map.index(of: id) else { continue }
      let dst = Int(i) * factors.columns, src = row * factors.columns
      for c in 0..<factors.columns { out.storage[dst + c] = factors.storage[src + c] }
      filled[Int(i)] = true
    }
    return (out, filled.lazy.filter { !$0 }.count)
  }
}
