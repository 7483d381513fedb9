/// Reads one-event-a-line text (CSV, TSV, whitespace, `::`, pipe).
struct DelimitedReader {
  let path: String
  let options: ReadOptions
  let delimiter: FieldDelimiter

  /// Resolved 0-based columns; weight / timestamp nil when absent.
  struct Columns: Equatable {
    var user: Int
    var item: Int
    var weight: Int?
    var timestamp: Int?
    var needed: Int { max(user, item, weight ?? -1, timestamp ?? -1) + 1 }
  }

  /// Reads all events of `bytes` into `sink`.
  /// - Complexity: O(bytes), one pass after looking at the first two lines.
  func read(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout EventSink) throws(DataError) {
    guard let base = bytes.baseAddress else { throw emptyFile() }
    let first = FormatSniffer.firstLines(bytes, limit: 2)
    guard let line1 = first.first else { throw emptyFile() }
    let header = try HeaderDetector(path: path, options: options, delimiter: delimiter).decide(base, first)
    sink.report.headerDetected = header != nil
    // The first data line decides which optional columns exist.
    let dataLines = header == nil ? first : Array(first.dropFirst())
    guard let firstData = dataLines.first else {
      throw DataError(
        .headerOnly, file: path, line: lineNumber(bytes, line1.lowerBound),
        "the file has a header line but no data lines",
        hint: "check that the right file was given and that it was written completely")
    }
    let fieldsOfFirst = FieldSplitter.fieldCount(base, firstData.lowerBound, firstData.upperBound, delimiter)
    let columns = try resolve(header: header, fieldsOfFirstDataLine: fieldsOfFirst, line: lineNumber(bytes, firstData.lowerBound))

    let averageLine = max(8, (first.last!.upperBound - line1.lowerBound) / first.count)
    sink.reserve(bytes.count / averageLine + 16, timestamps: columns.timestamp != nil)
    let start = header == nil ? line1.lowerBound : FieldSplitter.lineEnd(base, line1.lowerBound, bytes.count) + 1
    try scan(base, from: start, to: bytes.count, firstLine: lineNumber(bytes, start), columns, &sink)
  }

  /// The main loop: split each line, parse weight and timestamp, intern ids.
  private func scan(
    _ base: UnsafePointer<UInt8>, from: Int, to count: Int, firstLine: Int, _ c: Columns, _ sink: inout EventSink
  ) throws(DataError) {
    let needed = c.needed
    let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * needed)
    defer { bounds.deallocate() }
    var pos = from
    var line = firstLine - 1
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
      sink.report.lines += 1
      let found = FieldSplitter.split(base, start, end, delimiter, limit: needed, into: bounds)
      if found < needed {
        try sink.badLine(tooFewFields(found, c, line: line))
        continue
      }
      var weight: Float = 1
      if let w = c.weight {
        let a = bounds[2 * w]
        let b = bounds[2 * w + 1]
        guard let v = ByteNumbers.parseFloat(base + a, b - a) else {
          try sink.badLine(notANumber("weight", base, a, b, line: line, column: w + 1, expected: "a decimal value such as 4.5"))
          continue
        }
        guard v.isFinite && v >= 0 else {
          try sink.badLine(badWeight(base, a, b, line: line, column: w + 1))
          continue
        }
        weight = v
      }
      var timestamp: Int64? = nil
      if let t = c.timestamp {
        let a = bounds[2 * t]
        let b = bounds[2 * t + 1]
        guard let v = ByteNumbers.parseTimestamp(base + a, b - a) else {
          try sink.badLine(notANumber("timestamp", base, a, b, line: line, column: t + 1, expected: "an integer such as 978300760"))
          continue
        }
        timestamp = v
      }
      try sink.add(
        base, user: bounds[2 * c.user], bounds[2 * c.user + 1], item: bounds[2 * c.item], bounds[2 * c.item + 1],
        weight: weight, timestamp: timestamp, line: line, userColumn: c.user + 1, itemColumn: c.item + 1)
    }
  }

  /// Maps the column options to field indices.
  func resolve(header: [String]?, fieldsOfFirstDataLine n: Int, line: Int) throws(DataError) -> Columns {
    func index(_ ref: ColumnRef, _ flag: String) throws(DataError) -> Int {
      switch ref {
      case .index(let k):
        guard k >= 0 else {
          throw DataError(.unknownColumn, file: path, "column index \(k) for \(flag) is negative", hint: "columns count from 0")
        }
        return k
      case .name(let name):
        guard let header else {
          throw DataError(
            .unknownColumn, file: path, line: 1, "\(flag) names column \"\(name)\" but the file has no header line",
            hint: "give the column by number (0-based), or pass --header present if the first line is a header")
        }
        guard let k = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
          throw DataError(
            .unknownColumn, file: path, line: 1, "no column named \"\(name)\" (for \(flag)) in the header",
            hint: "the header has " + header.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return k
      }
    }
    let user = try index(options.userColumn, "--user-col")
    let item = try index(options.itemColumn, "--item-col")
    for (k, flag) in [(user, "--user-col"), (item, "--item-col")] where k >= n {
      throw DataError(
        .unknownColumn, file: path, line: line,
        "\(flag) is field \(k + 1) but the first data line has \(n) field\(n == 1 ? "" : "s") when split on \(delimiter.name)",
        hint: "choose the separator with --delimiter, or columns with --user-col/--item-col")
    }
    func optional(_ ref: ColumnRef?, _ flag: String) throws(DataError) -> Int? {
      guard let ref else { return nil }
      let k = try index(ref, flag)
      if case .name = ref, k >= n {
        throw DataError(
          .unknownColumn, file: path, line: line,
          "\(flag) is field \(k + 1) but the first data line has \(n) fields", hint: "check the separator with --delimiter")
      }
      return k < n ? k : nil
    }
    return Columns(
      user: user, item: item, weight: try optional(options.weightColumn, "--weight-col"),
      timestamp: try optional(options.timestampColumn, "--timestamp-col"))
  }

  // MARK: Messages

  private func emptyFile() -> DataError {
    DataError(
      .emptyFile, file: path, "the file is empty (expected lines of user, item[, weight[, timestamp]])",
      hint: "check that the right file was given and that it was written completely")
  }

  private func tooFewFields(_ found: Int, _ c: Columns, line: Int) -> DataError {
    var wanted = "user in field \(c.user + 1), item in field \(c.item + 1)"
    if let w = c.weight { wanted += ", weight in field \(w + 1)" }
    if let t = c.timestamp { wanted += ", timestamp in field \(t + 1)" }
    return DataError(
      .malformedLine, file: path, line: line, column: found + 1,
      "expected \(c.needed) fields separated by \(delimiter.name) (\(wanted)), found \(found)",
      hint: "fix the line, choose columns with --user-col/--item-col, or pass --skip-bad-lines to skip such lines")
  }

  private func notANumber(
    _ what: String, _ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int, column: Int, expected: String
  ) -> DataError {
    DataError(
      .badNumber, file: path, line: line, column: column,
      "\(what) \"\(FieldSplitter.display(base, a, b))\" is not a number (expected \(expected))",
      hint: "fix the line, choose another column with --\(what)-col, or pass --skip-bad-lines to skip such lines")
  }

  private func badWeight(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int, column: Int) -> DataError {
    DataError(
      .badWeight, file: path, line: line, column: column,
      "weight \"\(FieldSplitter.display(base, a, b))\" is not a finite number >= 0 (weights are confidences: ratings, counts)",
      hint: "fix the line, or pass --skip-bad-lines to skip such lines")
  }

  /// 1-based line number of the byte offset (counts newlines before it).
  private func lineNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int {
    var n = 1
    for k in 0..<min(offset, bytes.count) where bytes[k] == 10 { n += 1 }
    return n
  }
}
