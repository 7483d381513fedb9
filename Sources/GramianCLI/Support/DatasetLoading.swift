import Foundation
import Gramian

/// A training matrix and a test matrix over the same id maps, ready for
/// fitting and evaluation, plus what happened on the way (for --json).
struct LoadedSplit {
  var split: Split
  var train: InteractionMatrix
  var test: InteractionMatrix
  var summary: DataSummary
}

/// What loading and splitting did, as printed and as JSON.
struct DataSummary: Codable {
  var file: String
  var lines: Int
  var events: Int
  var users: Int
  var items: Int
  var headerDetected: Bool
  var skippedBadLines: Int
  var belowMinRating: Int
  var duplicatesMerged: Int
  var trainPairs: Int?
  var testPairs: Int?
  var testUsers: Int?
  var droppedTestEvents: Int?
  var unknownIdsDropped: Int?
  var splitMethod: String?
}

enum DatasetLoading {
  /// Reads `path` and reports what was skipped on stderr (never silently).
  static func read(_ path: String, reader: ReaderOptions) throws -> (Interactions, ReadReport) {
    let (x, report) = try InteractionReader.read(path, options: try reader.readOptions())
    logReport(path, report)
    return (x, report)
  }

  static func logReport(_ path: String, _ report: ReadReport) {
    var line = "read \(path): \(report.lines) lines, \(report.events) interactions kept"
    if report.headerDetected { line += " (header detected)" }
    Console.info(line)
    if report.belowMinRating > 0 { Console.info("  \(report.belowMinRating) interactions below --min-rating were left out") }
    if report.unknownIdsDropped > 0 { Console.info("  \(report.unknownIdsDropped) pairs with users or items unknown to the training file were dropped") }
    if report.skippedBadLines > 0 {
      Console.info("  warning: skipped \(report.skippedBadLines) bad lines (--skip-bad-lines); the first ones:")
      for w in report.warnings.prefix(5) { Console.info("    \(w)") }
    }
  }

  /// Reads the training file and produces train/test, by a given test file
  /// or by the chosen split.
  static func load(train path: String, reader: ReaderOptions, split: SplitOptions, seed: UInt64) throws -> LoadedSplit {
    let (all, report) = try read(path, reader: reader)
    var s: Split
    var method: String
    var unknown: Int? = nil
    if let testPath = split.test {
      let (test, testReport) = try InteractionReader.read(
        testPath, options: try reader.readOptions(), userIds: all.userIds, itemIds: all.itemIds, addNewIds: false)
      logReport(testPath, testReport)
      unknown = testReport.unknownIdsDropped
      s = Splitter.given(train: all, test: test)
      method = "given"
    } else {
      switch split.split {
      case .random:
        s = Splitter.randomHoldout(all, testFraction: split.testFraction, seed: seed)
      case .leaveLastOut:
        s = Splitter.leaveLastOut(all)
      case .strong:
        s = Splitter.strongGeneralization(all, heldOutUsers: split.heldOutUsers, seed: seed)
      }
      method = split.split.rawValue
    }
    for note in s.report.notes { Console.info("  note: \(note)") }
    if s.report.droppedTestEvents > 0 {
      Console.info("  \(s.report.droppedTestEvents) test interactions dropped (user or item without training data)")
    }
    let train = InteractionMatrix(s.train, duplicates: reader.duplicates)
    let test = InteractionMatrix(s.test, duplicates: reader.duplicates)
    if train.duplicatesMerged > 0 {
      Console.info("  \(train.duplicatesMerged) repeated (user, item) events merged by --duplicates \(reader.duplicates.rawValue)")
    }
    let testUsers = (0..<test.userCount).reduce(0) { $0 + (test.userOffsets[$1 + 1] > test.userOffsets[$1] ? 1 : 0) }
    let summary = DataSummary(
      file: path, lines: report.lines, events: report.events, users: all.userCount, items: all.itemCount,
      headerDetected: report.headerDetected, skippedBadLines: report.skippedBadLines,
      belowMinRating: report.belowMinRating, duplicatesMerged: train.duplicatesMerged,
      trainPairs: train.nnz, testPairs: test.nnz, testUsers: testUsers,
      droppedTestEvents: s.report.droppedTestEvents, unknownIdsDropped: unknown, splitMethod: method)
    Console.info("split (\(method)): train \(train.nnz) pairs, test \(test.nnz) pairs over \(testUsers) users; \(train.userCount) users x \(train.itemCount) items with training data (of \(all.userCount) x \(all.itemCount) read)")
    return LoadedSplit(split: s, train: train, test: test, summary: summary)
  }
}
