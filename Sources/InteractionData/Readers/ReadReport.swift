/// What a read saw and did, for the CLI to print and tests to check.
public struct ReadReport: Sendable, Equatable {
  /// Non-blank data lines seen (header excluded).
  public var lines: Int
  /// Events kept.
  public var events: Int
  /// Whether the first line was taken as a header.
  public var headerDetected: Bool
  /// Lines skipped as bad (only with `skipBadLines`).
  public var skippedBadLines: Int
  /// Events dropped because weight < minRating.
  public var belowMinRating: Int
  /// Events dropped because their user or item is not in fixed id maps.
  public var unknownIdsDropped: Int
  /// The first ``ReadReport/maxWarnings`` bad-line messages.
  public var warnings: [String]

  /// How many bad-line messages are kept.
  public static let maxWarnings = 20

  public init(
    lines: Int = 0, events: Int = 0, headerDetected: Bool = false, skippedBadLines: Int = 0,
    belowMinRating: Int = 0, unknownIdsDropped: Int = 0, warnings: [String] = []
  ) {
    self.lines = lines
    self.events = events
    self.headerDetected = headerDetected
    self.skippedBadLines = skippedBadLines
    self.belowMinRating = belowMinRating
    self.unknownIdsDropped = unknownIdsDropped
    self.warnings = warnings
  }

  /// Adds another read's counts (several shards or parts of one input).
  public mutating func add(_ other: ReadReport) {
    lines += other.lines
    events += other.events
    headerDetected = headerDetected || other.headerDetected
    skippedBadLines += other.skippedBadLines
    belowMinRating += other.belowMinRating
    unknownIdsDropped += other.unknownIdsDropped
    warnings += other.warnings.prefix(max(0, Self.maxWarnings - warnings.count))
  }

  /// Records a bad line: rethrows `error` unless `skip`, else counts it and
  /// keeps its message among the first ``maxWarnings``.
  mutating func badLine(_ error: DataError, skip: Bool) throws(DataError) {
    guard skip else { throw error }
    skippedBadLines += 1
    if warnings.count < Self.maxWarnings { warnings.append(error.description) }
  }
}
