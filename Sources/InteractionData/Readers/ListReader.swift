/// Reads "user item item ..." files: one user a line, every listed pair an
/// implicit positive (weight 1), the timestamp of a pair its 0-based
/// position in the line. A line with a user and no items adds the user
/// with no events.
struct ListReader {
  let path: String
  let options: ReadOptions
  let delimiter: FieldDelimiter

  /// - Complexity: O(bytes).
  func read(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout EventSink) throws(DataError) {
    guard let base = bytes.baseAddress, !FormatSniffer.firstLines(bytes, limit: 1).isEmpty else {
      throw DataError(
        .emptyFile, file: path, "the file is empty (expected lines of \"user item item ...\")",
        hint: "check that the right file was given and that it was written completely")
    }
    sink.reserve(bytes.count / 6 + 16, timestamps: true)
    let count = bytes.count
    var pos = 0
    var line = 0
    if options.header == .present {
      pos = FieldSplitter.lineEnd(base, 0, count) + 1
      line = 1
      sink.report.headerDetected = true
    }
    while pos < count {
      let nl = FieldSplitter.lineEnd(base, pos, count)
      var end = nl
      if end > pos && base[end - 1] == 13 { end -= 1 }
      var i = pos
      pos = nl + 1
      line += 1
      guard let user = nextField(base, &i, end) else { continue }
      sink.report.lines += 1
      let mark = sink.users.count
      let skipped = sink.report.skippedBadLines
      var position: Int64 = 0
      while let item = nextField(base, &i, end) {
        try sink.add(
          base, user: user.lowerBound, user.upperBound, item: item.lowerBound, item.upperBound,
          weight: 1, timestamp: position, line: line, userColumn: 1, itemColumn: Int(position) + 2)
        if sink.report.skippedBadLines != skipped { break }
        position += 1
      }
      if sink.report.skippedBadLines != skipped {
        sink.rollback(to: mark)
      } else if position == 0 {
        try sink.addUserOnly(base, user.lowerBound, user.upperBound, line: line)
      }
    }
  }

  /// The next field of the line at or after `i` (empty fields between two
  /// byte separators are skipped), advancing `i` past it.
  @inline(__always)
  private func nextField(_ base: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int) -> Range<Int>? {
    switch delimiter {
    case .whitespace:
      while i < end && (base[i] == 32 || base[i] == 9) { i += 1 }
      if i >= end { return nil }
      let a = i
      while i < end && base[i] != 32 && base[i] != 9 { i += 1 }
      return a..<i
    case .byte(let sep):
      while i < end && (base[i] == sep || base[i] == 32) { i += 1 }
      if i >= end { return nil }
      let a = i
      while i < end && base[i] != sep { i += 1 }
      var b = i
      while b > a && base[b - 1] == 32 { b -= 1 }
      return a..<b
    case .doubleColon:
      while i + 1 < end && base[i] == 58 && base[i + 1] == 58 { i += 2 }
      if i >= end { return nil }
      let a = i
      while i < end && !(base[i] == 58 && i + 1 < end && base[i + 1] == 58) { i += 1 }
      return a..<i
    }
  }
}
