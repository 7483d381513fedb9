import Foundation
import InteractionData

/// Feature records from MovieLens metadata files, for
/// `fit two-tower --user-features/--item-features` (and
/// `gramian data features`). Numeric attributes become categories:
///
/// - ml-100k `u.item` (`id|title|release date|video date|url|19 genre flags`):
///   `genre` (the flagged genres, names from `u.genre` next to the file when
///   present) and `decade` of the release date (`1990s`);
/// - ml-100k `u.user` (`id|age|gender|occupation|zip`): `age` bucket (`<18`,
///   `20s` ... `50s`, `65+`; ages are bucketed by decade), `gender`,
///   `occupation`, `zip` (first digit, `other` for non-US codes);
/// - MovieLens `movies.csv` (`movieId,title,genres`, RFC 4180 quoting):
///   `genre` (split on `|`, none for `(no genres listed)`) and `decade` of
///   the `(yyyy)` at the end of the title.
///
/// Every line yields a record: a line that does not have the expected
/// columns throws a ``DataError`` naming the file, line and column (blank
/// lines are skipped). Files are read as UTF-8, or Latin-1 when not valid
/// UTF-8 (the ml-100k files' encoding).
/// - Complexity: O(file size).
public enum MovieLensFeatures {
  /// ml-100k's genre order (`u.genre`), used when `u.genre` is absent.
  public static let ml100kGenres = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
  ]

  /// Item records from ml-100k `u.item`.
  public static func ml100kItems(_ path: String) throws(DataError) -> [FeatureRecord] {
    let genreFile = (path as NSString).deletingLastPathComponent + "/u.genre"
    var genres = ml100kGenres
    if FileManager.default.fileExists(atPath: genreFile) {
      genres = try lines(genreFile).compactMap { _, line in
        line.isEmpty ? nil : String(line.split(separator: "|", omittingEmptySubsequences: false)[0])
      }
    }
    return try lines(path).map { (n, line) throws(DataError) in
      let c = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      guard c.count == 5 + genres.count else {
        throw DataError(.malformedLine, file: path, line: n, "expected \(5 + genres.count) |-separated columns (id, title, release date, video date, url, \(genres.count) genre flags), found \(c.count)",
                        hint: "pass ml-100k's u.item (with its u.genre beside it)")
      }
      var flagged: [String] = []
      for (k, g) in genres.enumerated() {
        switch c[5 + k] {
        case "1": flagged.append(g)
        case "0": break
        default:
          throw DataError(.badNumber, file: path, line: n, column: 6 + k,
                          "genre flag for \(g) is \"\(c[5 + k])\", expected 0 or 1")
        }
      }
      let year = c[2].suffix(4)
      let decade = year.count == 4 && year.allSatisfy({ $0.isASCII && $0.isNumber }) ? ["\(year.prefix(3))0s"] : []
      return FeatureRecord(id: c[0], fields: [.init("genre", flagged), .init("decade", decade)])
    }
  }

  /// User records from ml-100k `u.user`.
  public static func ml100kUsers(_ path: String) throws(DataError) -> [FeatureRecord] {
    try lines(path).map { (n, line) throws(DataError) in
      let c = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
      guard c.count == 5 else {
        throw DataError(.malformedLine, file: path, line: n, "expected 5 |-separated columns (id, age, gender, occupation, zip), found \(c.count)",
                        hint: "pass ml-100k's u.user")
      }
      guard let age = Int(c[1]), age >= 0 else {
        throw DataError(.badNumber, file: path, line: n, column: 2, "age \"\(c[1])\" is not a non-negative integer")
      }
      let bucket = age < 18 ? "<18" : age >= 65 ? "65+" : "\(age / 10 * 10)s"
      let zip = c[4].first.map { ($0.isASCII && $0.isNumber) ? String($0) : "other" } ?? "other"
      return FeatureRecord(id: c[0], fields: [.init("age", [bucket]), .init("gender", [c[2]]),
                                              .init("occupation", [c[3]]), .init("zip", [zip])])
    }
  }

  /// Item records from a MovieLens `movies.csv` (header `movieId,title,genres`).
  public static func moviesCSV(_ path: String) throws(DataError) -> [FeatureRecord] {
    var records: [FeatureRecord] = []
    var columns: (id: Int, title: Int, genres: Int)? = nil
    for (n, line) in try lines(path) {
      let c = try csvFields(line, file: path, line: n)
      guard let cols = columns else {
        guard let id = c.firstIndex(of: "movieId"), let title = c.firstIndex(of: "title"), let genres = c.firstIndex(of: "genres") else {
          throw DataError(.unknownColumn, file: path, line: n, "the header lacks movieId, title or genres (found \(c.joined(separator: ",")))",
                          hint: "pass a MovieLens movies.csv")
        }
        columns = (id, title, genres)
        continue
      }
      guard c.count > max(cols.id, cols.title, cols.genres) else {
        throw DataError(.malformedLine, file: path, line: n, "expected \(max(cols.id, cols.title, cols.genres) + 1) comma-separated fields, found \(c.count)")
      }
      let g = c[cols.genres] == "(no genres listed)" ? [] : c[cols.genres].split(separator: "|").map(String.init)
      records.append(FeatureRecord(id: c[cols.id], fields: [.init("genre", g), .init("decade", decade(ofTitle: c[cols.title]))]))
    }
    return records
  }

  /// `["1990s"]` for a title ending in `(1995)` (trailing spaces allowed), else `[]`.
  static func decade(ofTitle title: String) -> [String] {
    let t = title.trimmingCharacters(in: .whitespaces)
    guard t.hasSuffix(")"), t.count >= 6 else { return [] }
    let inner = t.dropLast().suffix(5)
    guard inner.first == "(", inner.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else { return [] }
    return ["\(inner.dropFirst().prefix(3))0s"]
  }

  /// One CSV record (RFC 4180: fields in double quotes may hold commas, and
  /// `""` is a quote).
  static func csvFields(_ line: String, file: String, line n: Int) throws(DataError) -> [String] {
    var fields: [String] = [], field = "", quoted = false, afterQuote = false
    var chars = line.makeIterator()
    while let ch = chars.next() {
      if quoted {
        if ch == "\"" { quoted = false; afterQuote = true } else { field.append(ch) }
      } else if ch == "\"" {
        if afterQuote { field.append("\""); quoted = true; afterQuote = false }
        else if field.isEmpty { quoted = true }
        else { throw DataError(.malformedLine, file: file, line: n, column: fields.count + 1, "a quote inside an unquoted field") }
      } else if ch == "," {
        fields.append(field); field = ""; afterQuote = false
      } else {
        if afterQuote { throw DataError(.malformedLine, file: file, line: n, column: fields.count + 1, "text after a closing quote") }
        field.append(ch)
      }
    }
    if quoted { throw DataError(.malformedLine, file: file, line: n, column: fields.count + 1, "a quoted field is not closed on its line") }
    fields.append(field)
    return fields
  }

  /// The non-blank lines of a text file with their 1-based numbers.
  static func lines(_ path: String) throws(DataError) -> [(Int, String)] {
    let text = try TextFile.read(path, what: "file", latin1Fallback: true)
    var out: [(Int, String)] = []
    for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
      var line = String(raw)
      if line.hasSuffix("\r") { line.removeLast() }
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      out.append((i + 1, line))
    }
    return out
  }
}
