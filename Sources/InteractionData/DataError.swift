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
    return text
  }
}
