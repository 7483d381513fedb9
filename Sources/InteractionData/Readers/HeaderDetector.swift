/// Decides whether the first line of a delimited file is a header.
struct HeaderDetector {
  let path: String
  let options: ReadOptions
  let delimiter: FieldDelimiter

  /// Words that name a user or item column (lowercased, letters and digits only).
  static let columnWords: Set<String> = [
    "user", "users", "userid", "uid", "customer", "customerid", "visitorid", "item", "items", "itemid", "iid",
    "movie", "movieid", "artist", "artistid", "track", "trackid", "song", "songid", "product", "productid",
    "rating", "weight", "score", "count", "playcount", "plays", "timestamp", "time",
  ]

  init(path: String, options: ReadOptions, delimiter: FieldDelimiter) {
    self.path = path
    self.options = options
    self.delimiter = delimiter
  }

  /// The header's field names when the first of `lines` is a header, else nil.
  func decide(_ base: UnsafePointer<UInt8>, _ lines: [Range<Int>]) throws(DataError) -> [String]? {
    let fields = lines.map { fieldsOf(base, $0) }
    switch options.header {
    case .absent: return nil
    case .present: return names(base, fields[0])
    case .auto: break
    }
    let first = fields[0]
    let second = fields.count > 1 ? fields[1] : nil
    func numeric(_ f: [Range<Int>]?, _ k: Int?) -> Bool? {
      guard let f, let k, k < f.count else { return nil }
      return ByteNumbers.parseFloat(base + f[k].lowerBound, f[k].count) != nil
    }
    func word(_ k: Int?) -> Bool {
      guard let k, k < first.count else { return false }
      let text = String(decoding: UnsafeBufferPointer(start: base + first[k].lowerBound, count: first[k].count), as: UTF8.self)
      return Self.columnWords.contains(String(text.lowercased().filter { $0.isLetter || $0.isNumber }))
    }
    let user = position(options.userColumn, first)
    let item = position(options.itemColumn, first)
    let weight = options.weightColumn.flatMap { position($0, first) }
    var isHeader = false
    // A non-numeric weight over a numeric one is a header, unless the user
    // field is a number (then it is a data line with a bad weight).
    if numeric(first, weight) == false && numeric(second, weight) != false && numeric(first, user) != true {
      isHeader = true
    }
    if numeric(first, user) == false && numeric(first, item) == false
      && numeric(second, user) == true && numeric(second, item) == true { isHeader = true }
    if word(user) || word(item) { isHeader = true }
    if case .name = options.userColumn { isHeader = true }
    return isHeader ? names(base, first) : nil
  }

  /// The index of a column reference given as a number (names need a header
  /// to resolve, so they count as unknown here).
  private func position(_ ref: ColumnRef, _ fields: [Range<Int>]) -> Int? {
    if case .index(let k) = ref, k >= 0, k < fields.count { return k }
    return nil
  }

  private func fieldsOf(_ base: UnsafePointer<UInt8>, _ r: Range<Int>) -> [Range<Int>] {
    let limit = r.count + 1
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * limit) { b in
      let n = FieldSplitter.split(base, r.lowerBound, r.upperBound, delimiter, limit: limit, into: b.baseAddress!)
      return (0..<n).map { b[2 * $0]..<b[2 * $0 + 1] }
    }
  }

  private func names(_ base: UnsafePointer<UInt8>, _ fields: [Range<Int>]) -> [String] {
    fields.map { String(decoding: UnsafeBufferPointer(start: base + $0.lowerBound, count: $0.count), as: UTF8.self) }
  }
}
