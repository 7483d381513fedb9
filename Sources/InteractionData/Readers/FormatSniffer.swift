/// The reader a file goes to, after ``InputFormat/auto`` is resolved.
enum ReaderKind: Equatable, Sendable {
  case delimited, lists, mtx
}

/// Resolves ``InputFormat/auto`` and ``Delimiter/auto`` from the file name
/// and the first lines of the content.
enum FormatSniffer {
  /// How many non-blank lines are looked at.
  static let sniffLines = 50

  /// The first `limit` non-blank lines as byte ranges (`\r` stripped).
  static func firstLines(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int) -> [Range<Int>] {
    guard let base = bytes.baseAddress else { return [] }
    var lines: [Range<Int>] = []
    var start = 0
    while start < bytes.count && lines.count < limit {
      let nl = FieldSplitter.lineEnd(base, start, bytes.count)
      var end = nl
      if end > start && base[end - 1] == 13 { end -= 1 }
      if !FieldSplitter.isBlank(base, start, end) { lines.append(start..<end) }
      start = nl + 1
    }
    return lines
  }

  /// The reader and separator for `path`.
  static func resolve(path: String, bytes: UnsafeBufferPointer<UInt8>, options: ReadOptions) -> (ReaderKind, FieldDelimiter) {
    let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
    let lines = firstLines(bytes, limit: sniffLines)
    let explicit = FieldDelimiter(options.delimiter)
    let isMatrixMarket = lines.first.map { startsWith(bytes, $0, "%%matrixmarket") } ?? false

    switch options.format {
    case .mtx:
      return (.mtx, .whitespace)
    case .lists:
      return (.lists, explicit ?? .whitespace)
    case .movielens:
      return (.delimited, explicit ?? movieLensDelimiter(name) ?? sniffDelimiter(bytes, lines))
    case .delimited:
      return (.delimited, explicit ?? sniffDelimiter(bytes, lines))
    case .auto:
      if name.hasSuffix(".mtx") || isMatrixMarket { return (.mtx, .whitespace) }
      if let d = movieLensDelimiter(name) { return (.delimited, explicit ?? d) }
      let d = explicit ?? sniffDelimiter(bytes, lines)
      return (looksLikeLists(bytes, lines, d) ? .lists : .delimited, d)
    }
  }

  /// The separator of the MovieLens file names: `u.data` and the ml-100k
  /// splits `u1.base` ... (tab), `ratings.dat` (`::`), `ratings.csv` (comma).
  static func movieLensDelimiter(_ name: String) -> FieldDelimiter? {
    if name == "u.data" || (name.hasPrefix("u") && (name.hasSuffix(".base") || name.hasSuffix(".test"))) {
      return .byte(9)
    }
    if name == "ratings.dat" { return .doubleColon }
    if name == "ratings.csv" { return .byte(UInt8(ascii: ",")) }
    return nil
  }

  /// `::` if most sniffed lines have it, else tab, comma, pipe (same
  /// rule), else whitespace. "Most" (at least half) tolerates a few
  /// malformed lines, which the reader then reports.
  static func sniffDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, _ lines: [Range<Int>]) -> FieldDelimiter {
    guard !lines.isEmpty else { return .whitespace }
    func mostLinesHave(_ test: (Range<Int>) -> Bool) -> Bool { 2 * lines.filter(test).count >= lines.count }
    if mostLinesHave({ r in r.dropLast().contains { bytes[$0] == 58 && bytes[$0 + 1] == 58 } }) { return .doubleColon }
    for sep: UInt8 in [9, UInt8(ascii: ","), UInt8(ascii: "|")] where mostLinesHave({ r in r.contains { bytes[$0] == sep } }) {
      return .byte(sep)
    }
    return .whitespace
  }

  /// A "user item item ..." file: separated by whitespace, all fields
  /// integers or words without a decimal point, and either the field count
  /// varies between lines or some line has more than four fields.
  static func looksLikeLists(_ bytes: UnsafeBufferPointer<UInt8>, _ lines: [Range<Int>], _ d: FieldDelimiter) -> Bool {
    guard d == .whitespace || d == .byte(9), let base = bytes.baseAddress, !lines.isEmpty else { return false }
    var counts = Set<Int>()
    for r in lines {
      counts.insert(FieldSplitter.fieldCount(base, r.lowerBound, r.upperBound, d))
      if r.contains(where: { bytes[$0] == UInt8(ascii: ".") }) { return false }
    }
    return counts.count > 1 || counts.contains { $0 > 4 }
  }

  /// Whether the line starts with `prefix` (ASCII, case-insensitive).
  static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ prefix: String) -> Bool {
    let p = Array(prefix.utf8)
    guard r.count >= p.count else { return false }
    for k in 0..<p.count where (bytes[r.lowerBound + k] | 0x20) != (p[k] | 0x20) { return false }
    return true
  }
}
