import Foundation
import InteractionData

extension FeatureBags {
  /// Reads a feature file (format on ``FeatureBags``) aligned to `ids`.
  /// - Throws: ``DataError`` naming the file, line and column (the
  ///   tab-separated field number) with what was expected: a missing file,
  ///   invalid UTF-8, a field without `=`, an empty field name or value, a
  ///   repeated id or a repeated field on one line.
  /// - Complexity: O(file size).
  public static func read(_ path: String, ids: IdMap) throws(DataError) -> FeatureBags {
    let text = try TextFile.read(path, what: "feature file")
    var rows = [[String: [String]]?](repeating: nil, count: ids.count)
    var skipped = 0
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    for (n, rawLine) in lines.enumerated() {
      var line = Substring(rawLine)
      if line.last == "\r" { line = line.dropLast() }
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      let id = String(cols[0])
      guard !id.isEmpty else {
        throw DataError(.malformedLine, file: path, line: n + 1, column: 1, "the entity id is empty",
                        hint: "start each line with an id, then TAB-separated field=value|value entries")
      }
      var row: [String: [String]] = [:]
      for (c, col) in cols.enumerated().dropFirst() {
        if col.isEmpty { continue }
        guard let eq = col.firstIndex(of: "=") else {
          throw DataError(.malformedLine, file: path, line: n + 1, column: c + 1,
                          "expected field=value, found \"\(col)\"", hint: "write e.g. genre=Comedy|Drama")
        }
        let field = String(col[..<eq])
        let vals = col[col.index(after: eq)...].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard !field.isEmpty else {
          throw DataError(.malformedLine, file: path, line: n + 1, column: c + 1, "empty field name in \"\(col)\"",
                          hint: "write e.g. genre=Comedy")
        }
        guard !vals.contains(where: \.isEmpty) else {
          throw DataError(.malformedLine, file: path, line: n + 1, column: c + 1,
                          "empty value in field \"\(field)\"", hint: "list non-empty values separated by |")
        }
        guard row[field] == nil else {
          throw DataError(.malformedLine, file: path, line: n + 1, column: c + 1, "field \"\(field)\" repeats on this line",
                          hint: "give all of a field's values once, separated by |")
        }
        row[field] = vals
      }
      guard let e = ids.index(of: id) else { skipped += 1; continue }
      guard rows[Int(e)] == nil else {
        throw DataError(.malformedLine, file: path, line: n + 1, column: 1, "id \"\(id)\" appears on an earlier line",
                        hint: "give each id one line")
      }
      rows[Int(e)] = row
    }
    var bags = FeatureBags(rows.map { $0 ?? [:] })
    bags.skippedUnknownIds = skipped
    return bags
  }
}
