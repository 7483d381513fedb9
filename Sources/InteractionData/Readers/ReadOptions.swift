/// The layout of an interaction file.
public enum InputFormat: String, Sendable, CaseIterable {
  /// Decide from the file name (`u.data`, `ratings.dat`, `ratings.csv`,
  /// `*.mtx`) and, failing that, from the first lines of the content.
  case auto
  /// One event a line: user, item, optional weight and timestamp columns.
  case delimited
  /// MovieLens ratings (`u.data` tab, `ratings.dat` `::`, `ratings.csv`
  /// comma with header): delimited text with the MovieLens column order.
  case movielens
  /// One user a line: `user item item ...` (implicit positives; the
  /// timestamp of an event is its 0-based position in the line).
  case lists
  /// MatrixMarket coordinate format, 1-based indices (rows are users).
  case mtx
}

/// The separator between fields of a delimited line.
public enum Delimiter: Sendable, Equatable {
  /// Sniffed from the first lines (`::`, tab, comma, pipe, else whitespace).
  case auto
  case comma
  case tab
  /// Runs of spaces and tabs (leading whitespace ignored).
  case whitespace
  /// `::` as in MovieLens 1M/10M `ratings.dat`.
  case doubleColon
  case pipe
}

/// Whether the first line of a delimited file names the columns.
public enum HeaderMode: String, Sendable {
  /// Detected: the first line is a header when its weight field is not a
  /// number, or its user and item fields are words where the second line
  /// has numbers, or its user field is a column name such as `userId`.
  case auto
  case present
  case absent
}

/// A column of a delimited file.
public enum ColumnRef: Sendable, Equatable {
  /// 0-based field index.
  case index(Int)
  /// Header name, matched case-insensitively (needs a header line).
  case name(String)
}

/// How kept events are weighted.
public enum WeightMode: String, Sendable {
  /// Every kept event has weight 1 (binary implicit feedback).
  case one
  /// The value read from the weight column (1 when there is none).
  case value
}

/// How ``InteractionReader`` reads a file. The defaults read MovieLens-like
/// `user item rating timestamp` files and two-column `user item` files.
public struct ReadOptions: Sendable {
  public var format: InputFormat = .auto
  public var delimiter: Delimiter = .auto
  public var header: HeaderMode = .auto
  public var userColumn: ColumnRef = .index(0)
  public var itemColumn: ColumnRef = .index(1)
  /// nil, or an index past the fields of the first data line: weight 1.
  public var weightColumn: ColumnRef? = .index(2)
  /// nil, or an index past the fields of the first data line: no timestamps.
  public var timestampColumn: ColumnRef? = .index(3)
  /// Keep only events with weight >= minRating (explicit ratings to positives).
  public var minRating: Float? = nil
  public var weightMode: WeightMode = .value
  /// Bad lines become counted warnings instead of errors.
  public var skipBadLines = false
  /// Delimited files larger than this (bytes) are parsed by several threads.
  package var parallelThreshold = 4 << 20
  /// Thread count for parallel parsing (default: the available cores).
  package var threads: Int? = nil
  /// Common delimited lines go through the one-pass C parser
  /// (`gk_delimited_fast`); false reads every line the general way (the
  /// reference the fast path is tested against).
  package var fastParsing = true
  /// Ids are interned with the threads when all are dense decimals; false
  /// always interns them on one thread (the reference, for tests).
  package var parallelInterning = true
  public init() {}
}
