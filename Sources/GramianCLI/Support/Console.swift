import Foundation

/// Where the CLI writes: machine-readable results on stdout (one JSON object
/// with `--json`), human-readable text and progress on stderr.
enum Console {
  /// Writes a line to stderr.
  static func info(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Writes a line to stdout.
  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  /// Human-readable results: stdout normally, stderr under `--json` (where
  /// stdout carries exactly one JSON object).
  static func result(_ text: String, json: Bool) {
    if json { info(text) } else { out(text) }
  }

  /// The one JSON encoder of the command line: snake_case keys everywhere
  /// (converted from the Swift property names, so no type lists its keys),
  /// sorted keys, non-finite numbers as strings.
  static func jsonEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// Prints `value` as one JSON object on stdout.
  static func json<T: Encodable>(_ value: T) throws {
    let data = try jsonEncoder().encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
  }

  /// Whether stderr is a terminal (progress bars are drawn only then).
  static let stderrIsTerminal: Bool = isatty(2) != 0
}

/// A progress bar with rate and ETA, drawn on stderr at most ten times a
/// second, only when stderr is a terminal. Thread-safe.
final class ProgressBar: @unchecked Sendable {
  private let label: String
  private let total: Int
  private let start = Date()
  private var lastDraw = Date.distantPast
  private let lock = NSLock()
  private let enabled: Bool

  init(_ label: String, total: Int, enabled: Bool = Console.stderrIsTerminal) {
    self.label = label
    self.total = max(1, total)
    self.enabled = enabled
  }

  /// Records that `done` of `total` units are finished.
  func update(_ done: Int, suffix: String = "") {
    guard enabled else { return }
    lock.lock(); defer { lock.unlock() }
    let now = Date()
    guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
    lastDraw = now
    let fraction = min(1, Double(done) / Double(total))
    let width = 28
    let filled = Int(fraction * Double(width))
    let elapsed = now.timeIntervalSince(start)
    let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let line = String(format: "\r%@ [%@] %3.0f%% %@ ETA %@ %@", label, bar, fraction * 100,
                      formatDuration(elapsed), formatDuration(eta), suffix)
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// Clears the bar's line.
  func finish() {
    guard enabled else { return }
    lock.lock(); defer { lock.unlock() }
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
  }
}

func formatDuration(_ s: Double) -> String {
  if s < 60 { return String(format: "%.1fs", s) }
  let m = Int(s) / 60
  return String(format: "%dm%02ds", m, Int(s) % 60)
}

/// A run-time failure of a command (exit code 1), as opposed to a usage
/// error (`ValidationError`, exit code 2): the message names what is wrong
/// and how to fix it.
struct CommandFailure: Error, CustomStringConvertible {
  var message: String
  init(_ message: String) { self.message = message }
  var description: String { message }
}
