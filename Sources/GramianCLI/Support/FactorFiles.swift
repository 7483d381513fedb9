import Foundation
import Gramian

/// Factor tables exported as `.npy` with one id per line in `*_ids.txt`,
/// realigned to a dataset's id maps (rows for ids without factors are zero,
/// as `peers.py evaluate` does).
enum FactorFiles {
  static func readIds(_ path: String) throws -> [String] {
    try TextFile.lines(path, what: "id file").map { $0.text.trimmingCharacters(in: .whitespaces) }
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

  /// Writes `user_factors.npy`, `item_factors.npy`, `user_ids.txt`,
  /// `item_ids.txt` (and `item_bias.npy` when the model has a bias) into
  /// `dir` as one ``OutputFolder``: staged in a temporary sibling, then
  /// published with a manifest in one step, so two exports racing into one
  /// folder, or a kill halfway, never leave a mix of two models' files.
  static func export(_ m: any Recommender, to dir: String) throws -> [String] {
    try Paths.createParent(of: dir)
    let folder = try OutputFolder(path: dir)
    try NPY.write(m.userFactors, to: folder.stagedPath("user_factors.npy"))
    try NPY.write(m.itemFactors, to: folder.stagedPath("item_factors.npy"))
    try folder.write(Data(m.userIds.names.map { $0 + "\n" }.joined().utf8), as: "user_ids.txt")
    try folder.write(Data(m.itemIds.names.map { $0 + "\n" }.joined().utf8), as: "item_ids.txt")
    if let bias = m.itemBias {
      try NPY.write(Matrix(rows: bias.count, columns: 1, storage: bias), to: folder.stagedPath("item_bias.npy"))
    }
    return try folder.commit(command: Paths.commandLine)
  }
}

/// Text outputs written atomically (temporary file in the same folder, then rename).
enum AtomicText {
  static func write(_ text: String, to path: String) throws {
    try AtomicFile.write(text, to: path)
  }
}
