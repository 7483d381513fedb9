/// An error in user-supplied data, located as precisely as possible and
/// phrased so that the message alone tells the user what to fix.
///
/// `description` reads like a compiler diagnostic:
/// `ratings.csv:12:3: error: weight "abc" is not a number (expected a decimal value such as 4.5); fix the line or pass --skip-bad-lines`
/// (as the command line prints it; the hint names settings through
/// ``Advice``, so the library itself says `ReadOptions.skipBadLines`).
public struct DataError: AdvisingError, Equatable, Sendable {
  /// What went wrong, by category (stable, for tests and callers).
  public enum Kind: String, Sendable {
    case missingFile, notAFile, unreadable, unwritable, emptyFile, headerOnly
    case malformedLine, badNumber, badWeight, invalidUTF8
    case badFormat, corrupt, unknownColumn
  }

  public var kind: Kind
  /// The file the problem is in.
  public var file: String
  /// 1-based line, when known.
  public var line: Int?
  /// 1-based column (field number for delimited text), when known.
  public var column: Int?
  /// What was found and what was expected.
  public var message: String
  /// How to fix it.
  public var hint: Advice?

  public init(_ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, _ message: String, hint: Advice? = nil) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.message = message
    self.hint = hint
  }

  public func description(naming: (OptionKey) -> String) -> String {
    var place = file
    if let line { place += ":\(line)" }
    if let column { place += ":\(column)" }
    var text = "\(place): error: \(message)"
    if let hint { text += "; \(hint.rendered(naming: naming))" }
    return text.escapingControlCharacters
  }
}

extension String {
  /// The text with control characters (C0, DEL, C1) written as `\xNN` (and
  /// tab, LF, CR as `\t`, `\n`, `\r`): error messages quote bytes of the
  /// input, which must not reach a terminal raw (a stray escape sequence
  /// can rewrite what the user sees). O(count).
  public var escapingControlCharacters: String {
    guard unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else { return self }
    var out = ""
    for u in unicodeScalars {
      switch u.value {
      case 0x09: out += "\\t"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0..<0x20, 0x7F...0x9F: out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16, uppercase: true)
      default: out.unicodeScalars.append(u)
      }
    }
    return out
  }
}
