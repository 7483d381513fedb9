import LinearAlgebra

/// Reads MatrixMarket coordinate files (`%%MatrixMarket matrix coordinate
/// real|integer|pattern general`): rows are users, columns items, indices
/// 1-based; ids are the index strings ("1", "2", ...). `pattern` entries
/// have weight 1. Format: https://math.nist.gov/MatrixMarket/formats.html
struct MatrixMarketReader {
  let path: String

  /// The banner and size line.
  struct Header {
    var pattern: Bool
    var rows: Int
    var columns: Int
    var entries: Int
    /// Byte offset and 1-based line number of the first entry line.
    var dataStart: Int
    var dataLine: Int
  }

  /// Parses the banner, comments and size line.
  func header(_ bytes: UnsafeBufferPointer<UInt8>) throws(DataError) -> Header {
    guard let base = bytes.baseAddress, !FormatSniffer.firstLines(bytes, limit: 1).isEmpty else {
      throw DataError(
        .emptyFile, file: path, "the file is empty (expected a %%MatrixMarket banner)",
        hint: "check that the right file was given and that it was written completely")
    }
    var pos = 0
    var line = 0
    var banner: [String]? = nil
    while pos < bytes.count {
      let nl = FieldSplitter.lineEnd(base, pos, bytes.count)
      var end = nl
      if end > pos && base[end - 1] == 13 { end -= 1 }
      let text = String(decoding: UnsafeBufferPointer(start: base + pos, count: end - pos), as: UTF8.self)
      pos = nl + 1
      line += 1
      if banner == nil {
        banner = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        try check(banner!)
        continue
      }
      if text.hasPrefix("%") || text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int($0) }
      guard numbers.count == 3, let r = numbers[0], let c = numbers[1], let e = numbers[2], (0..<1_000_000_000_000).contains(r),
        (0..<1_000_000_000_000).contains(c), e >= 0
      else {
        throw DataError(
          .badFormat, file: path, line: line, "size line \"\(text)\" is not \"rows columns entries\" (three integers >= 0)",
          hint: "fix the size line after the banner and comments")
      }
      // Every row and column gets an id ("1", "2", ...) up front, so the
      // declared shape is allocated before any entry is read: bound it by
      // the dense index type and by the memory budget (about 48 bytes an id).
      guard r <= Int(Int32.max), c <= Int(Int32.max) else {
        throw DataError(.badFormat, file: path, line: line, "size line \"\(text)\" declares more than \(Int32.max) rows or columns",
                        hint: "fix the size line after the banner and comments")
      }
      do {
        try MemoryBudget.check(MemoryBudget.product(MemoryBudget.sum(r, c), 48),
                               for: "a MatrixMarket file of \(r) rows x \(c) columns (line \(line))")
      } catch {
        throw DataError(.badFormat, file: path, line: line, error.description, hint: "fix the size line after the banner and comments")
      }
      return Header(pattern: banner![3] == "pattern", rows: r, columns: c, entries: e, dataStart: pos, dataLine: line + 1)
    }
    throw DataError(
      .headerOnly, file: path, line: line, "the file ends before the size line \"rows columns entries\"",
      hint: "check that the file was written completely")
  }

  private func check(_ b: [String]) throws(DataError) {
    guard b.count == 5, b[0] == "%%matrixmarket", b[1] == "matrix" else {
      throw DataError(
        .badFormat, file: path, line: 1,
        "expected the banner \"%%MatrixMarket matrix coordinate real|integer|pattern general\"",
        hint: "use \(OptionKey.format) to read another layout")
    }
    guard b[2] == "coordinate" else {
      throw DataError(
        .badFormat, file: path, line: 1, "only coordinate (sparse) MatrixMarket files are read, not \"\(b[2])\"",
        hint: "convert the dense matrix to coordinate form")
    }
    guard ["real", "integer", "pattern"].contains(b[3]) else {
      throw DataError(
        .badFormat, file: path, line: 1, "field \"\(b[3])\" is not supported (expected real, integer or pattern)",
        hint: "write the weights as real numbers")
    }
    guard b[4] == "general" else {
      throw DataError(
        .badFormat, file: path, line: 1, "symmetry \"\(b[4])\" is not supported (expected general)",
        hint: "a user x item matrix is not symmetric: write every entry and declare it general")
    }
  }

  /// Reads the entries after `h` into `sink`.
  /// - Complexity: O(bytes).
  func read(_ bytes: UnsafeBufferPointer<UInt8>, header h: Header, into sink: inout EventSink) throws(DataError) {
    guard let base = bytes.baseAddress else { return }
    let needed = h.pattern ? 2 : 3
    // The size line's count is the file's word, not a fact: reserve no more
    // entries than the bytes left can hold (each takes at least "1 1\n").
    // A mismatch is reported after reading (fuzzing found a 113-byte file
    // promising 777,777,777,777,771 entries that aborted the allocation).
    sink.reserve(min(h.entries, (bytes.count - min(h.dataStart, bytes.count)) / 4 + 1), timestamps: false)
    var bounds = (0, 0, 0, 0, 0, 0)
    var pos = h.dataStart
    var line = h.dataLine - 1
    var seen = 0
    var digits = (UInt64(0), UInt64(0), UInt64(0))
    while pos < bytes.count {
      let nl = FieldSplitter.lineEnd(base, pos, bytes.count)
      var end = nl
      if end > pos && base[end - 1] == 13 { end -= 1 }
      let start = pos
      pos = nl + 1
      line += 1
      if FieldSplitter.isBlank(base, start, end) || base[start] == UInt8(ascii: "%") { continue }
      seen += 1
      sink.report.lines += 1
      let found = withUnsafeMutableBytes(of: &bounds) { raw in
        FieldSplitter.split(base, start, end, .whitespace, limit: 3, into: raw.baseAddress!.assumingMemoryBound(to: Int.self))
      }
      let f = [bounds.0, bounds.1, bounds.2, bounds.3, bounds.4, bounds.5]
      if found < needed {
        try sink.badLine(
          DataError(
            .malformedLine, file: path, line: line, column: found + 1,
            "expected \(needed) fields \(h.pattern ? "\"row column\"" : "\"row column value\""), found \(found)",
            hint: "fix the line, or use \(OptionKey.skipBadLines) to skip such lines"))
        continue
      }
      var ids: [Int] = []
      for (k, limit) in [(0, h.rows), (1, h.columns)] {
        guard let v = ByteNumbers.parseInt64(base + f[2 * k], f[2 * k + 1] - f[2 * k]), v >= 1, v <= limit else {
          try sink.badLine(
            DataError(
              .malformedLine, file: path, line: line, column: k + 1,
              "\(k == 0 ? "row" : "column") \"\(FieldSplitter.display(base, f[2 * k], f[2 * k + 1]))\" is not an index in 1...\(limit)",
              hint: "fix the line or the size line, or use \(OptionKey.skipBadLines) to skip such lines"))
          break
        }
        ids.append(Int(v))
      }
      if ids.count < 2 { continue }
      var weight: Float = 1
      if !h.pattern {
        guard let v = ByteNumbers.parseFloat(base + f[4], f[5] - f[4]) else {
          try sink.badLine(
            DataError(
              .badNumber, file: path, line: line, column: 3,
              "value \"\(FieldSplitter.display(base, f[4], f[5]))\" is not a number (expected a decimal value such as 4.5)",
              hint: "fix the line, or use \(OptionKey.skipBadLines) to skip such lines"))
          continue
        }
        guard v.isFinite && v >= 0 else {
          try sink.badLine(
            DataError(
              .badWeight, file: path, line: line, column: 3,
              "value \"\(FieldSplitter.display(base, f[4], f[5]))\" is not a finite number >= 0 (weights are confidences)",
              hint: "fix the line, or use \(OptionKey.skipBadLines) to skip such lines"))
          continue
        }
        weight = v
      }
      // Ids are the canonical index strings, whatever zero padding the file used.
      try withUnsafeMutableBytes(of: &digits) { raw throws(DataError) in
        let buf = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let n1 = Self.decimal(ids[0], into: buf)
        let n2 = Self.decimal(ids[1], into: buf + 12)
        try sink.add(
          UnsafePointer(buf), user: 0, n1, item: 12, 12 + n2, weight: weight, timestamp: nil, line: line,
          userColumn: 1, itemColumn: 2)
      }
    }
    if seen != h.entries {
      throw DataError(
        .badFormat, file: path, line: line,
        "the size line promises \(h.entries) entries, the file has \(seen)",
        hint: "check that the file was written completely, or fix the size line")
    }
  }

  /// Writes the decimal digits of `v` (>= 1, < 10^12) at `p`; returns the length.
  private static func decimal(_ v: Int, into p: UnsafeMutablePointer<UInt8>) -> Int {
    var digits = 0
    var x = v
    repeat {
      digits += 1
      x /= 10
    } while x > 0
    x = v
    for k in stride(from: digits - 1, through: 0, by: -1) {
      p[k] = UInt8(48 + x % 10)
      x /= 10
    }
    return digits
  }
}
