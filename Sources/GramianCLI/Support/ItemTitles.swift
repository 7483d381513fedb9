import Foundation
import Gramian

/// Item titles from a MovieLens `movies.csv` (`movieId,title,genres`, titles
/// quoted when they hold commas), for human-readable demo output.
enum ItemTitles {
  static func read(_ path: String) throws -> [String: String] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw DataError(.unreadable, file: path, "cannot read the titles file as UTF-8 text")
    }
    var titles: [String: String] = [:]
    for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() where n > 0 {
      let fields = splitCSVLine(Substring(line))
      guard fields.count >= 2 else {
        throw DataError(.malformedLine, file: path, line: n + 1, "expected 'movieId,title,genres'")
      }
      titles[fields[0]] = fields[1]
    }
    return titles
  }

  /// Splits one CSV line, honouring double quotes (RFC 4180: `""` is a quote).
  static func splitCSVLine(_ line: Substring) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var chars = line.makeIterator()
    var pendingQuote = false
    while let ch = chars.next() {
      if pendingQuote {
        pendingQuote = false
        if ch == "\"" { current.append("\""); continue }
        quoted = false
      }
      if quoted {
        if ch == "\"" { pendingQuote = true } else { current.append(ch) }
      } else if ch == "\"" {
        quoted = true
      } else if ch == "," {
        fields.append(current)
        current = ""
      } else if ch != "\r" {
        current.append(ch)
      }
    }
    fields.append(current)
    return fields
  }
}
