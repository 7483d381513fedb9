/// Phase 1 of delimited reading, run on several threads: one contiguous
/// range of whole lines parsed into raw ids, weights and timestamps,
/// without touching the shared id maps.
///
/// A raw id `r >= 0` is a canonical decimal id with value `r` (see
/// ``IdInterner/smallValue(_:_:)``); `r < 0` points at `longKeys[-r - 1]`,
/// the offset and length of the id's bytes (``IdInterner/key(_:_:_:)``).
/// Phase 2 replaces raw ids by dense indices in place, so these arrays
/// become the result without another copy.
struct DelimitedChunk {
  var users: [Int32] = []
  var items: [Int32] = []
  var longKeys: [UInt64] = []
  var weights: [Float] = []
  var timestamps: [Int64] = []
  /// Non-blank lines seen.
  var lines = 0
  /// Physical lines scanned (blank ones included), to number later chunks.
  var physicalLines = 0
  var belowMinRating = 0
  /// Bad lines, numbered from 1 at the chunk's first line. Without
  /// `skipBadLines` the scan stops at the first one.
  var bad: [DataError] = []

  var count: Int { users.count }
}

/// The settings phase 1 needs (plain values, safe to share across threads).
struct DelimitedScan: Sendable {
  let path: String
  let delimiter: FieldDelimiter
  let columns: DelimitedReader.Columns
  let minRating: Float?
  let skipBadLines: Bool
  let weightOne: Bool
  let needed: Int

  init(
    path: String, delimiter: FieldDelimiter, columns: DelimitedReader.Columns, minRating: Float?, skipBadLines: Bool,
    weightOne: Bool
  ) {
    self.weightOne = weightOne
    self.path = path
    self.delimiter = delimiter
    self.columns = columns
    self.minRating = minRating
    self.skipBadLines = skipBadLines
    needed = columns.needed
  }

  /// Parses the lines of `base[from..<to]` (`from` at a line start, `to`
  /// at a line start or the end of the file).
  /// - Complexity: O(to - from).
  /// The arrays get room for `capacity` events: the range's line count,
  /// or the whole file's for chunk 0, whose arrays become the result.
  func parse(_ base: UnsafePointer<UInt8>, from: Int, to count: Int, capacity: Int) -> DelimitedChunk {
    var chunk = DelimitedChunk()
    let c = columns
    chunk.users.reserveCapacity(capacity)
    chunk.items.reserveCapacity(capacity)
    chunk.weights.reserveCapacity(capacity)
    if c.timestamp != nil { chunk.timestamps.reserveCapacity(capacity) }
    let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * needed)
    defer { bounds.deallocate() }
    var pos = from
    var line = 0
    while pos < count {
      let nl = FieldSplitter.lineEnd(base, pos, count)
      var end = nl
      if end > pos && base[end - 1] == 13 { end -= 1 }
      let start = pos
      pos = nl + 1
      line += 1
      if start == end || ((base[start] == 32 || base[start] == 9) && FieldSplitter.isBlank(base, start, end)) {
        continue
      }
      chunk.lines += 1
      if let error = parseLine(base, start, end, line: line, bounds: bounds, into: &chunk) {
        chunk.bad.append(error)
        if !skipBadLines { break }
      }
    }
    chunk.physicalLines = line
    return chunk
  }

  /// Parses one non-blank line; returns its error if it is bad.
  @inline(__always)
  private func parseLine(
    _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, line: Int, bounds: UnsafeMutablePointer<Int>,
    into chunk: inout DelimitedChunk
  ) -> DataError? {
    let c = columns
    let found = FieldSplitter.split(base, start, end, delimiter, limit: needed, into: bounds)
    if found < needed { return DelimitedMessages.tooFewFields(path, delimiter, found, c, line: line) }
    var weight: Float = 1
    if let w = c.weight {
      let a = bounds[2 * w]
      let b = bounds[2 * w + 1]
      guard let v = ByteNumbers.parseFloat(base + a, b - a) else {
        return DelimitedMessages.notANumber(
          path, "weight", base, a, b, line: line, column: w + 1, expected: "a decimal value such as 4.5")
      }
      guard v.isFinite && v >= 0 else { return DelimitedMessages.badWeight(path, base, a, b, line: line, column: w + 1) }
      weight = v
    }
    var timestamp: Int64 = 0
    if let t = c.timestamp {
      let a = bounds[2 * t]
      let b = bounds[2 * t + 1]
      guard let v = ByteNumbers.parseTimestamp(base + a, b - a) else {
        return DelimitedMessages.notANumber(
          path, "timestamp", base, a, b, line: line, column: t + 1, expected: "an integer such as 978300760")
      }
      timestamp = v
    }
    if let error = checkId(c.user, base, bounds, line: line) ?? checkId(c.item, base, bounds, line: line) { return error }
    if let m = minRating, weight < m {
      chunk.belowMinRating += 1
      return nil
    }
    chunk.users.append(rawId(base, bounds[2 * c.user], bounds[2 * c.user + 1], &chunk.longKeys))
    chunk.items.append(rawId(base, bounds[2 * c.item], bounds[2 * c.item + 1], &chunk.longKeys))
    chunk.weights.append(weightOne ? 1 : weight)
    if c.timestamp != nil { chunk.timestamps.append(timestamp) }
    return nil
  }

  /// The raw id of `base[a..<b]` (see ``DelimitedChunk``).
  @inline(__always)
  private func rawId(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, _ longKeys: inout [UInt64]) -> Int32 {
    let v = IdInterner.smallValue(base + a, b - a)
    if v >= 0 { return Int32(truncatingIfNeeded: v) }
    longKeys.append(IdInterner.key(base, a, b))
    return Int32(truncatingIfNeeded: -longKeys.count)
  }

  /// An error when the id in field `k` is empty, too long for a key, or
  /// starts with a double quote that no closing quote ends (a quoted field
  /// is returned without its quotes, see ``FieldSplitter/split``).
  @inline(__always)
  private func checkId(_ k: Int, _ base: UnsafePointer<UInt8>, _ bounds: UnsafeMutablePointer<Int>, line: Int) -> DataError? {
    let n = bounds[2 * k + 1] - bounds[2 * k]
    if n > 0 && n <= IdInterner.maxKeyLength && base[bounds[2 * k]] != 34 { return nil }
    if n > 0 && base[bounds[2 * k]] == 34 {
      return DataError(
        .malformedLine, file: path, line: line, column: k + 1,
        "unbalanced double quote in \(k == columns.user ? "user" : "item") id \"\(FieldSplitter.display(base, bounds[2 * k], bounds[2 * k + 1]))\"",
        hint: "close the quote before the next separator (\"a,b\"), or use \(OptionKey.skipBadLines) to skip such lines")
    }
    return DataError(
      .malformedLine, file: path, line: line, column: k + 1,
      n == 0 ? "empty \(k == columns.user ? "user" : "item") id" : "id longer than \(IdInterner.maxKeyLength) bytes",
      hint: "fix the line, choose columns with \(OptionKey.userColumn)/\(OptionKey.itemColumn), or use \(OptionKey.skipBadLines) to skip such lines")
  }
}

/// The messages of delimited reading.
enum DelimitedMessages {
  static func tooFewFields(_ path: String, _ d: FieldDelimiter, _ found: Int, _ c: DelimitedReader.Columns, line: Int) -> DataError {
    var wanted = "user in field \(c.user + 1), item in field \(c.item + 1)"
    if let w = c.weight { wanted += ", weight in field \(w + 1)" }
    if let t = c.timestamp { wanted += ", timestamp in field \(t + 1)" }
    return DataError(
      .malformedLine, file: path, line: line, column: found + 1,
      "expected \(c.needed) fields separated by \(d.name) (\(wanted)), found \(found)",
      hint: "fix the line, choose columns with \(OptionKey.userColumn)/\(OptionKey.itemColumn), or use \(OptionKey.skipBadLines) to skip such lines")
  }

  static func notANumber(
    _ path: String, _ what: String, _ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int, column: Int,
    expected: String
  ) -> DataError {
    DataError(
      .badNumber, file: path, line: line, column: column,
      "\(what) \"\(FieldSplitter.display(base, a, b))\" is not a number (expected \(expected))",
      hint: "fix the line, choose another column with \(what == "weight" ? OptionKey.weightColumn : what == "timestamp" ? OptionKey.timestampColumn : what == "user" ? OptionKey.userColumn : OptionKey.itemColumn), or use \(OptionKey.skipBadLines) to skip such lines")
  }

  static func badWeight(_ path: String, _ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int, column: Int) -> DataError {
    DataError(
      .badWeight, file: path, line: line, column: column,
      "weight \"\(FieldSplitter.display(base, a, b))\" is not a finite number >= 0 (weights are confidences: ratings, counts)",
      hint: "fix the line, or use \(OptionKey.skipBadLines) to skip such lines")
  }
}
