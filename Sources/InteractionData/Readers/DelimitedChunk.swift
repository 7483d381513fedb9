import GramianKernels

/// Phase 1 of delimited reading, run on several threads: one contiguous
/// range of whole lines parsed into raw ids, weights and timestamps,
/// without touching the shared id maps.
///
/// The events go straight into the read's result arrays (``EventColumns``)
/// from ``offset``, the number of lines before the range, so no chunk
/// overlaps another and none is copied afterwards; phase 2 replaces the raw
/// ids by dense indices in place and closes the gaps left by lines without
/// an event.
///
/// A raw id `r >= 0` is a canonical decimal id with value `r` (see
/// ``IdInterner/smallValue(_:_:)``); `r < 0` points at `longKeys[-r - 1]`,
/// the offset and length of the id's bytes (``IdInterner/key(_:_:_:)``).
struct DelimitedChunk {
  /// Index of the chunk's first event in the ``EventColumns``.
  var offset = 0
  /// Events written from ``offset``.
  var count = 0
  var longKeys: [UInt64] = []
  /// Non-blank lines seen.
  var lines = 0
  /// Lines taken by `gk_delimited_fast` (the rest went through ``DelimitedScan/parseLine``).
  var fastLines = 0
  /// Physical lines scanned (blank ones included), to number later chunks.
  var physicalLines = 0
  var belowMinRating = 0
  /// Bad lines, numbered from 1 at the chunk's first line. Without
  /// `skipBadLines` the scan stops at the first one.
  var bad: [DataError] = []
}

/// The result arrays of one read, shared by the phase-1 threads: each
/// writes only its own chunk's range (``DelimitedChunk/offset`` up to its
/// line count), so the pointers may cross threads.
struct EventColumns: @unchecked Sendable {
  let users: UnsafeMutablePointer<Int32>
  let items: UnsafeMutablePointer<Int32>
  let weights: UnsafeMutablePointer<Float>
  /// Nil when the file has no timestamp column.
  let timestamps: UnsafeMutablePointer<Int64>?

  /// Phase 2's close-up: event `e` with its dense ids `u`, `i` goes to index
  /// `k <= e`, its weight and timestamp along with it.
  @inline(__always)
  func keep(_ e: Int, at k: Int, user u: Int32, item i: Int32) {
    users[k] = u
    items[k] = i
    if k != e {
      weights[k] = weights[e]
      if let s = timestamps { s[k] = s[e] }
    }
  }
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
  /// The role of each of the `needed` fields for the one-pass parser of
  /// common lines (`gk_delimited_fast`), or nil when it does not apply (a
  /// delimiter other than one byte, or one field given two roles).
  let fastRoles: [UInt8]?

  init(
    path: String, delimiter: FieldDelimiter, columns: DelimitedReader.Columns, minRating: Float?, skipBadLines: Bool,
    weightOne: Bool, fastPath: Bool = true
  ) {
    self.weightOne = weightOne
    self.path = path
    self.delimiter = delimiter
    self.columns = columns
    self.minRating = minRating
    self.skipBadLines = skipBadLines
    needed = columns.needed
    fastRoles = fastPath ? Self.roles(columns, delimiter) : nil
  }

  /// Field roles for `gk_delimited_fast`, or nil when it cannot read this
  /// shape of line.
  private static func roles(_ c: DelimitedReader.Columns, _ d: FieldDelimiter) -> [UInt8]? {
    // One-byte separators are comma, tab or pipe (``FieldDelimiter/init(_:)``).
    guard case .byte = d else { return nil }
    var roles = [UInt8](repeating: UInt8(GK_FIELD_OTHER), count: c.needed)
    for (k, role) in [(c.user, GK_FIELD_USER), (c.item, GK_FIELD_ITEM), (c.weight, GK_FIELD_WEIGHT), (c.timestamp, GK_FIELD_TIMESTAMP)] {
      guard let k else { continue }
      if roles[k] != UInt8(GK_FIELD_OTHER) { return nil }
      roles[k] = UInt8(role)
    }
    return roles
  }

  /// Parses the lines of `base[from..<to]` (`from` at a line start, `to`
  /// at a line start or the end of the file) into `out` from `offset`;
  /// `capacity` is at least the range's line count (one event a line at
  /// most). Common lines go through `gk_delimited_fast`, the rest (and any
  /// line it declines) one at a time through ``parseLine``, which gives the
  /// same events and names the errors.
  /// - Complexity: O(to - from).
  func parse(
    _ base: UnsafePointer<UInt8>, from: Int, to count: Int, into out: EventColumns, offset: Int, capacity: Int
  ) -> DelimitedChunk {
    var chunk = DelimitedChunk()
    chunk.offset = offset
    let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * needed)
    defer { bounds.deallocate() }
    let roles = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, needed))
    defer { roles.deallocate() }
    if let fastRoles { roles.initialize(from: fastRoles, count: needed) }
    var shape = gk_delimited_shape(
      roles: roles, needed: needed, sep: { if case .byte(let b) = delimiter { return b } else { return 0 } }(),
      weight_one: weightOne ? 1 : 0, has_min_rating: minRating == nil ? 0 : 1, min_rating: minRating ?? 0)
    var fast = gk_event_out(
      users: out.users + offset, items: out.items + offset, weights: out.weights + offset,
      timestamps: out.timestamps.map { $0 + offset }, count: 0, capacity: capacity, below_min: 0)
    var pos = from
    var line = 0
    while pos < count {
      if fastRoles != nil {
        var stop = 0
        fast.count = chunk.count
        fast.below_min = 0
        let taken = gk_delimited_fast(base, pos, count, &shape, &fast, &stop)
        chunk.count = fast.count
        chunk.belowMinRating += fast.below_min
        chunk.lines += taken
        chunk.fastLines += taken
        line += taken
        pos = stop
        if pos >= count { break }
      }
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
      precondition(chunk.count < capacity, "a chunk has more events than lines")
      if let error = parseLine(base, start, end, line: line, bounds: bounds, into: &chunk, out) {
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
    into chunk: inout DelimitedChunk, _ out: EventColumns
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
    let e = chunk.offset + chunk.count
    out.users[e] = rawId(base, bounds[2 * c.user], bounds[2 * c.user + 1], &chunk.longKeys)
    out.items[e] = rawId(base, bounds[2 * c.item], bounds[2 * c.item + 1], &chunk.longKeys)
    out.weights[e] = weightOne ? 1 : weight
    out.timestamps?[e] = timestamp
    chunk.count += 1
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
