/// One interaction file made ready to fit and evaluate on: read, optionally
/// split (by a test file or a ``SplitMethod``), both matrices built over
/// one pair of id maps, and a summary of what happened on the way.
///
/// Without a test file or a split, every pair is training data and
/// ``test`` is empty: a model fitted on it has seen the whole file.
public struct InteractionDataset: Sendable {
  /// The events by part (``Split/test`` is empty without a test set).
  public var split: Split
  /// The training matrix (repeated pairs merged by the read policy).
  public var train: InteractionMatrix
  /// The held-out matrix, same shape as ``train`` (empty without a test set).
  public var test: InteractionMatrix
  /// What reading and splitting did.
  public var summary: DatasetSummary

  /// User ids of both matrices.
  public var userIds: IdMap { split.train.userIds }
  /// Item ids of both matrices.
  public var itemIds: IdMap { split.train.itemIds }
  /// True when there are held-out pairs to evaluate on.
  public var hasTest: Bool { test.nnz > 0 }

  /// Reads `path` (any format ``InteractionReader`` reads, or a binary
  /// cache) and holds out a test set: the events of `testPath` read against
  /// the training ids (unknown ids dropped and counted), or a `split` of
  /// the file itself; with neither, the whole file is training data.
  ///
  /// - Parameter log: receives human-readable lines (what was skipped,
  ///   dropped or merged), so nothing is dropped silently.
  /// - Complexity: O(file size + events).
  public static func load(
    _ path: String, options: ReadOptions = ReadOptions(), duplicates: DuplicatePolicy = .sum,
    test testPath: String? = nil, split method: SplitMethod? = nil, seed: UInt64 = 1,
    log: (String) -> Void = { _ in }
  ) throws(DataError) -> InteractionDataset {
    let (all, report) = try InteractionReader.read(path, options: options)
    report.describe(path).forEach(log)
    if all.count == 0 { throw InteractionDataset.noInteractions(path, report, options) }
    var unknown: Int? = nil
    let split: Split
    let methodName: String?
    if let testPath {
      let (test, testReport) = try InteractionReader.read(
        testPath, options: options, userIds: all.userIds, itemIds: all.itemIds, addNewIds: false)
      testReport.describe(testPath).forEach(log)
      unknown = testReport.unknownIdsDropped
      split = Splitter.given(train: all, test: test)
      methodName = "given"
    } else if let method {
      split = Splitter.split(all, method: method, seed: seed)
      methodName = method.name
    } else {
      let empty = Interactions(users: [], items: [], weights: [], userIds: all.userIds, itemIds: all.itemIds)
      split = Split(train: all, test: empty, report: SplitReport(
        trainEvents: all.count, testEvents: 0, foldInEvents: 0, heldOutUsers: 0, droppedTestEvents: 0, notes: []))
      methodName = nil
    }
    for note in split.report.notes { log("  note: \(note)") }
    if split.report.droppedTestEvents > 0 {
      log("  \(split.report.droppedTestEvents) test interactions dropped (user or item without training data)")
    }
    var data = InteractionDataset(split: split, duplicates: duplicates)
    guard data.train.nnz > 0 else {
      throw DataError(.emptyFile, file: path, "the \(methodName ?? "") split left no training interactions (of \(all.count) read)",
                      hint: "use another split, or give a test file")
    }
    if data.train.duplicatesMerged > 0 {
      log("  \(data.train.duplicatesMerged) repeated (user, item) events merged (duplicates: \(duplicates.rawValue))")
    }
    data.summary = DatasetSummary(
      file: path, lines: report.lines, events: report.events, users: all.userCount, items: all.itemCount,
      headerDetected: report.headerDetected, skippedBadLines: report.skippedBadLines,
      belowMinRating: report.belowMinRating, duplicatesMerged: data.train.duplicatesMerged,
      trainPairs: data.train.nnz, testPairs: methodName == nil ? nil : data.test.nnz,
      testUsers: methodName == nil ? nil : data.testUsers.count,
      droppedTestEvents: methodName == nil ? nil : split.report.droppedTestEvents, unknownIdsDropped: unknown,
      splitMethod: methodName)
    if let methodName {
      log("split (\(methodName)): train \(data.train.nnz) pairs, test \(data.test.nnz) pairs over \(data.testUsers.count) users; \(data.train.userCount) users x \(data.train.itemCount) items with training data (of \(all.userCount) x \(all.itemCount) read)")
    } else {
      log("training on the whole file: \(data.train.nnz) pairs, \(data.train.userCount) users x \(data.train.itemCount) items (no test set: give a test file or a split to evaluate)")
    }
    return data
  }

  /// Both matrices of `split`, repeated pairs merged by `duplicates`.
  public init(split: Split, duplicates: DuplicatePolicy = .sum) {
    self.split = split
    train = InteractionMatrix(split.train, duplicates: duplicates)
    test = InteractionMatrix(split.test, duplicates: duplicates)
    summary = DatasetSummary(file: "", lines: split.train.count + split.test.count,
                             events: split.train.count + split.test.count, users: split.train.userCount,
                             items: split.train.itemCount, headerDetected: false, skippedBadLines: 0,
                             belowMinRating: 0, duplicatesMerged: train.duplicatesMerged)
  }

  /// Users with at least one held-out pair. O(|U|).
  public var testUsers: [Int32] {
    (0..<test.userCount).filter { test.userOffsets[$0 + 1] > test.userOffsets[$0] }.map(Int32.init)
  }
}

/// What loading and splitting did, as printed and as JSON (property names
/// become snake_case keys in the command line's JSON).
public struct DatasetSummary: Sendable, Codable, Equatable {
  public var file: String
  public var lines: Int
  public var events: Int
  public var users: Int
  public var items: Int
  public var headerDetected: Bool
  public var skippedBadLines: Int
  public var belowMinRating: Int
  public var duplicatesMerged: Int
  public var trainPairs: Int?
  public var testPairs: Int?
  public var testUsers: Int?
  public var droppedTestEvents: Int?
  public var unknownIdsDropped: Int?
  public var splitMethod: String?

  public init(
    file: String, lines: Int, events: Int, users: Int, items: Int, headerDetected: Bool, skippedBadLines: Int,
    belowMinRating: Int, duplicatesMerged: Int, trainPairs: Int? = nil, testPairs: Int? = nil, testUsers: Int? = nil,
    droppedTestEvents: Int? = nil, unknownIdsDropped: Int? = nil, splitMethod: String? = nil
  ) {
    self.file = file; self.lines = lines; self.events = events; self.users = users; self.items = items
    self.headerDetected = headerDetected; self.skippedBadLines = skippedBadLines
    self.belowMinRating = belowMinRating; self.duplicatesMerged = duplicatesMerged
    self.trainPairs = trainPairs; self.testPairs = testPairs; self.testUsers = testUsers
    self.droppedTestEvents = droppedTestEvents; self.unknownIdsDropped = unknownIdsDropped
    self.splitMethod = splitMethod
  }
}

extension ReadReport {
  /// What a read kept and left out, as lines for a log (never silent).
  public func describe(_ path: String) -> [String] {
    var out = ["read \(path): \(lines) lines, \(events) interactions kept" + (headerDetected ? " (header detected)" : "")]
    if belowMinRating > 0 { out.append("  \(belowMinRating) interactions below the minimum rating were left out") }
    if unknownIdsDropped > 0 { out.append("  \(unknownIdsDropped) pairs with users or items unknown to the training data were dropped") }
    if skippedBadLines > 0 {
      out.append("  warning: skipped \(skippedBadLines) bad lines; the first ones:")
      out += warnings.prefix(5).map { "    \($0)" }
    } else {
      out += warnings.map { "  warning: \($0)" }
    }
    return out
  }
}

extension InteractionDataset {
  /// Why a file gave nothing to train on, and what to change: every rating
  /// below the minimum, every line skipped as bad, or no data lines at all.
  static func noInteractions(_ path: String, _ report: ReadReport, _ options: ReadOptions) -> DataError {
    var what = "no interactions to train on (\(report.lines) lines read"
    if report.belowMinRating > 0 { what += ", \(report.belowMinRating) below the minimum rating" }
    if report.skippedBadLines > 0 { what += ", \(report.skippedBadLines) bad lines skipped" }
    what += ")"
    let hint: Advice
    if report.belowMinRating > 0 {
      hint = "lower \(OptionKey.minRating) (it is \(options.minRating.map { "\($0)" } ?? "unset"): every rating read was below it)"
    } else if report.skippedBadLines > 0 {
      hint = "every data line was bad: check \(OptionKey.format) and \(OptionKey.delimiter), or drop \(OptionKey.skipBadLines) to see the first bad line"
    } else {
      hint = "give a file with at least one interaction line"
    }
    return DataError(.emptyFile, file: path, what, hint: hint)
  }
}
