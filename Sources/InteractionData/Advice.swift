/// A setting or an action that an error message advises, named once for
/// every front end.
///
/// Library errors never spell command-line flags: they keep the setting
/// symbolic in an ``Advice``, which prints it by its Swift name
/// (`ReadOptions.skipBadLines`) unless a front end renders it with its own
/// names (the `gramian` command line prints `--skip-bad-lines`).
public enum OptionKey: String, CaseIterable, Sendable {
  // Reading (ReadOptions)
  case skipBadLines, format, delimiter, header, userColumn, itemColumn, weightColumn, timestampColumn, minRating
  // iALS (IALSConfig)
  case regularization, alpha, initStd
  // Two-tower (TwoTowerConfig)
  case learningRate, clipNorm, temperature
  // Actions that make a missing or stale file
  case saveModel, buildIndex

  /// How the library names it in messages.
  public var swiftName: String {
    switch self {
    case .skipBadLines, .format, .delimiter, .header, .userColumn, .itemColumn, .weightColumn, .timestampColumn, .minRating:
      "ReadOptions.\(rawValue)"
    case .regularization, .alpha, .initStd: "IALSConfig.\(rawValue)"
    case .learningRate, .clipNorm, .temperature: "TwoTowerConfig.\(rawValue)"
    case .saveModel: "the model's save(to:)"
    case .buildIndex: "HNSWIndex.write(to:)"
    }
  }
}

/// Advice in an error message ("fix the line, or pass --skip-bad-lines"),
/// with the settings it names kept symbolic until it is printed.
///
/// Written as a string literal with ``OptionKey`` interpolations:
/// `"fix the line, or set \(OptionKey.skipBadLines) to skip such lines"`.
public struct Advice: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
  enum Part: Sendable, Hashable { case text(String), option(OptionKey) }
  var parts: [Part]

  public init(stringLiteral value: String) { parts = [.text(value)] }
  /// Plain text that names no setting.
  public init(_ text: String) { parts = [.text(text)] }
  public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

  public struct StringInterpolation: StringInterpolationProtocol {
    var parts: [Part] = []
    public init(literalCapacity: Int, interpolationCount: Int) {}
    public mutating func appendLiteral(_ literal: String) { if !literal.isEmpty { parts.append(.text(literal)) } }
    public mutating func appendInterpolation(_ key: OptionKey) { parts.append(.option(key)) }
    public mutating func appendInterpolation<T>(_ value: T) { parts.append(.text(String(describing: value))) }
  }

  /// The settings this advice names, in order.
  public var options: [OptionKey] {
    parts.compactMap { if case .option(let k) = $0 { k } else { nil } }
  }

  /// The text with every setting spelled by `naming`.
  public func rendered(naming: (OptionKey) -> String) -> String {
    parts.map { part in
      switch part {
      case .text(let t): t
      case .option(let k): naming(k)
      }
    }.joined()
  }

  /// The text with the library's names (``OptionKey/swiftName``).
  public var description: String { rendered(naming: \.swiftName) }
}

/// An error whose message can be printed with a front end's names for the
/// settings it advises changing.
public protocol AdvisingError: Error, CustomStringConvertible {
  /// The message with every ``OptionKey`` spelled by `naming`.
  func description(naming: (OptionKey) -> String) -> String
}

extension AdvisingError {
  public var description: String { description(naming: \.swiftName) }
}
