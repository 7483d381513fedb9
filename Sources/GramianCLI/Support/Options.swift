import ArgumentParser
import Gramian

/// `--json`, `--threads`, `--seed`, `--memory-limit`: kept by every subcommand.
struct CommonOptions: ParsableArguments {
  @Flag(help: "Print exactly one JSON object on stdout; text and progress go to stderr.")
  var json = false

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  /// The thread count to use.
  var threadCount: Int { threads ?? Parallel.availableThreads }

  @Option(help: "Random seed for splits, initialisation and shuffles.")
  var seed: UInt64 = 1

  @Option(help: "Most memory a command may plan to use, e.g. 512M or 8G (default: the machine's memory). Sizes that would need more are refused before anything is allocated.")
  var memoryLimit: String?

  func validate() throws {
    if let threads, threads < 1 || threads > 1024 {
      throw ValidationError("--threads must be between 1 and 1024, got \(threads)")
    }
    if let memoryLimit {
      guard let bytes = MemoryBudget.parse(memoryLimit) else {
        throw ValidationError("--memory-limit must be a size such as 512M, 8G or 1.5G, got '\(memoryLimit)'")
      }
      // Parsing is the one step every subcommand shares: the budget is set
      // here, before any command allocates.
      MemoryBudget.limit = bytes
    }
  }
}

extension InputFormat: ExpressibleByArgument {}
extension DuplicatePolicy: ExpressibleByArgument {}
extension HeaderMode: ExpressibleByArgument {}

/// Where the ids are in a text file: the format, the delimiter, the header
/// and the user and item columns (all that `score` reads from a pairs file).
struct LayoutOptions: ParsableArguments {
  @Option(help: "File format: auto, delimited, movielens, lists (\"user item item ...\") or mtx (MatrixMarket).")
  var format: InputFormat = .auto

  @Option(help: "Field delimiter for delimited text: auto, comma, tab, whitespace, pipe or '::'.")
  var delimiter: String = "auto"

  @Option(help: "Header line: auto (detected), present or absent.")
  var header: HeaderMode = .auto

  @Option(name: .customLong("user-col"), help: "User column: a 0-based index or a header name.")
  var userColumn: String = "0"

  @Option(name: .customLong("item-col"), help: "Item column: a 0-based index or a header name.")
  var itemColumn: String = "1"

  @Flag(help: "Skip malformed lines with a counted warning instead of stopping.")
  var skipBadLines = false

  func validate() throws {
    _ = try parsedDelimiter()
  }

  func parsedDelimiter() throws -> Delimiter {
    switch delimiter.lowercased() {
    case "auto": return .auto
    case "comma", ",": return .comma
    case "tab", "\\t", "\t": return .tab
    case "whitespace", "space", " ": return .whitespace
    case "pipe", "|": return .pipe
    case "::", "doublecolon": return .doubleColon
    default:
      throw ValidationError("--delimiter '\(delimiter)' is not one of auto, comma, tab, whitespace, pipe, '::'")
    }
  }

  static func column(_ text: String) -> ColumnRef? {
    if text.lowercased() == "none" { return nil }
    if let i = Int(text), i >= 0 { return .index(i) }
    return .name(text)
  }

  /// The library's read options for these flags: ids only (no weight or
  /// timestamp column, every line kept).
  func readOptions() throws -> ReadOptions {
    var o = ReadOptions()
    o.format = format
    o.delimiter = try parsedDelimiter()
    o.header = header
    o.userColumn = Self.column(userColumn) ?? .index(0)
    o.itemColumn = Self.column(itemColumn) ?? .index(1)
    o.weightColumn = nil
    o.timestampColumn = nil
    o.skipBadLines = skipBadLines
    return o
  }
}

/// How to read an interaction file: the layout plus the weight and
/// timestamp columns and what to keep and merge.
struct ReaderOptions: ParsableArguments {
  @OptionGroup var layout: LayoutOptions

  @Option(name: .customLong("weight-col"), help: "Weight column (index or name), or 'none' for weight 1.")
  var weightColumn: String = "2"

  @Option(name: .customLong("timestamp-col"), help: "Timestamp column (index or name), or 'none'.")
  var timeColumn: String = "3"

  @Option(help: "Keep ratings at or above this value as positives (explicit data).")
  var minRating: Float?

  @Flag(help: "Give every kept interaction weight 1 instead of its value.")
  var binary = false

  @Option(help: "How to merge repeated (user, item) pairs: sum, max or last.")
  var duplicates: DuplicatePolicy = .sum

  /// The library's read options for these flags.
  func readOptions() throws -> ReadOptions {
    var o = try layout.readOptions()
    o.weightColumn = LayoutOptions.column(weightColumn)
    o.timestampColumn = LayoutOptions.column(timeColumn)
    o.minRating = minRating
    o.weightMode = binary ? .one : .value
    return o
  }
}

enum SplitChoice: String, ExpressibleByArgument, CaseIterable {
  case random, leaveLastOut = "leave-last-out", strong
}

/// How to obtain a test set: a given file, or a split of the training file.
/// With neither, commands that fit train on the whole file.
struct SplitOptions: ParsableArguments {
  @Option(help: "A test file read against the training file's ids (unknown ids are counted and dropped).")
  var test: String?

  @Option(help: "Hold out a test set from the training file: random, leave-last-out or strong (default: none; fit uses every pair).")
  var split: SplitChoice?

  @Option(help: "Fraction of each user's interactions held out (--split random).")
  var testFraction: Double = 0.2

  @Option(help: "Number of held-out users (--split strong).")
  var heldOutUsers: Int = 100

  func validate() throws {
    guard testFraction > 0, testFraction < 1 else {
      throw ValidationError("--test-fraction must be strictly between 0 and 1, got \(testFraction)")
    }
    guard heldOutUsers >= 1 else { throw ValidationError("--held-out-users must be at least 1") }
    if test != nil && split != nil { throw ValidationError("give --test FILE or --split METHOD, not both") }
  }

  /// The library's split method, or nil for none.
  var method: SplitMethod? {
    switch split {
    case nil: nil
    case .random: .random(testFraction: testFraction)
    case .leaveLastOut: .leaveLastOut
    case .strong: .strong(heldOutUsers: heldOutUsers)
    }
  }

  /// True when a test set will be held out.
  var holdsOut: Bool { test != nil || split != nil }
}

/// A flag holding comma-separated values, e.g. `--layers 128,64`.
enum ListOption {
  /// Every entry of `text` as a `T` accepted by `valid`, else a message
  /// naming `flag`, what it expects and what it got.
  static func parse<T: LosslessStringConvertible>(
    _ text: String, flag: String, expecting: String, valid: (T) -> Bool = { _ in true }
  ) throws -> [T] {
    let values = text.split(separator: ",", omittingEmptySubsequences: false)
      .map { T(String($0).trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0.map(valid) ?? false }) else {
      throw ValidationError("\(flag) expects \(expecting), got '\(text)'")
    }
    return values.map { $0! }
  }
}
