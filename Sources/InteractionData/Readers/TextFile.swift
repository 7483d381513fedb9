import Foundation

/// Whole small text files (feature files, MovieLens metadata, id lists,
/// histories): the one loader behind every small-file reader, with the
/// existence, readability and decoding checks in one place.
public enum TextFile {
  /// The text of `path`, decoded as UTF-8 (or Latin-1 when `latin1Fallback`
  /// and the bytes are not UTF-8). `what` names the file in messages ("feature file").
  /// - Throws: ``DataError`` naming `path`: missing, a directory, unreadable, not decodable.
  public static func read(_ path: String, what: String, latin1Fallback: Bool = false) throws(DataError) -> String {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw DataError(.missingFile, file: path, "\(what) does not exist", hint: "check the path")
    }
    guard !isDir.boolValue else { throw DataError(.notAFile, file: path, "is a directory, expected a \(what)") }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataError(.unreadable, file: path, "cannot read the \(what)", hint: "check its permissions")
    }
    if let text = String(data: data, encoding: .utf8) { return text }
    if latin1Fallback, let text = String(data: data, encoding: .isoLatin1) { return text }
    throw DataError(.invalidUTF8, file: path, latin1Fallback ? "is neither UTF-8 nor Latin-1 text" : "is not valid UTF-8 text",
                    hint: "convert it to UTF-8")
  }

  /// The non-blank lines of `path` with their 1-based line numbers (LF or
  /// CRLF endings), for readers that report errors by line.
  public static func lines(_ path: String, what: String) throws(DataError) -> [(line: Int, text: String)] {
    let text = try read(path, what: what)
    var out: [(line: Int, text: String)] = []
    // "\r\n" is one Character (and one newline) in Swift.
    for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      out.append((n + 1, String(line)))
    }
    return out
  }
}
