import Foundation
import Gramian

/// Item titles from a MovieLens `movies.csv` (`movieId,title,genres`, titles
/// quoted when they hold commas), for human-readable demo output; read with
/// the library's text loader and field splitter.
enum ItemTitles {
  static func read(_ path: String) throws -> [String: String] {
    var titles: [String: String] = [:]
    for (n, line) in try TextFile.lines(path, what: "titles file").enumerated() where n > 0 {
      let fields = FieldSplitter.fields(of: line.text, delimiter: .comma)
      guard fields.count >= 2 else {
        throw DataError(.malformedLine, file: path, line: line.line, "expected 'movieId,title,genres'")
      }
      titles[fields[0]] = fields[1]
    }
    return titles
  }
}
