/// Collects the events of one read: interns ids, applies `minRating` and
/// the weight mode, counts what was dropped, and logs bad lines.
struct EventSink {
  let file: String
  let minRating: Float?
  let weightOne: Bool
  let skipBadLines: Bool
  var users: [Int32] = []
  var items: [Int32] = []
  var weights: [Float] = []
  var timestamps: [Int64]? = nil
  var userIds: IdInterner
  var itemIds: IdInterner
  var report = ReadReport()

  init(file: String, options: ReadOptions, userIds: IdMap, itemIds: IdMap, addNewIds: Bool) {
    self.file = file
    minRating = options.minRating
    weightOne = options.weightMode == .one
    skipBadLines = options.skipBadLines
    self.userIds = IdInterner(map: userIds, addNewIds: addNewIds)
    self.itemIds = IdInterner(map: itemIds, addNewIds: addNewIds)
  }

  /// Makes room for about `events` events.
  mutating func reserve(_ events: Int, timestamps withTimestamps: Bool) {
    users.reserveCapacity(events)
    items.reserveCapacity(events)
    weights.reserveCapacity(events)
    if withTimestamps {
      timestamps = []
      timestamps!.reserveCapacity(events)
    }
  }

  /// Records a bad line (throws unless `skipBadLines`).
  mutating func badLine(_ error: DataError) throws(DataError) {
    try report.badLine(error, skip: skipBadLines)
  }

  /// Interns one id; nil when the event is to be dropped (unknown id, or a
  /// skipped line with invalid UTF-8).
  @inline(__always)
  private mutating func id(
    _ users: Bool, _ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int, column: Int
  ) throws(DataError) -> Int32? {
    let r = users ? userIds.intern(base + a, b - a) : itemIds.intern(base + a, b - a)
    if r >= 0 { return r }
    if r == IdInterner.unknown {
      report.unknownIdsDropped += 1
      return nil
    }
    try badLine(
      DataError(
        .invalidUTF8, file: file, line: line, column: column,
        "\(users ? "user" : "item") id \"\(FieldSplitter.display(base, a, b))\" is not valid UTF-8",
        hint: "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or use \(OptionKey.skipBadLines) to skip such lines"))
    return nil
  }

  /// Adds the event of user `base[ua..<ub]`, item `base[ia..<ib]`, unless
  /// its weight is below `minRating` or an id is unknown / invalid.
  /// `userColumn`, `itemColumn` are 1-based, for messages.
  @inline(__always)
  mutating func add(
    _ base: UnsafePointer<UInt8>, user ua: Int, _ ub: Int, item ia: Int, _ ib: Int,
    weight: Float, timestamp: Int64?, line: Int, userColumn: Int, itemColumn: Int
  ) throws(DataError) {
    if let m = minRating, weight < m {
      report.belowMinRating += 1
      return
    }
    guard let u = try id(true, base, ua, ub, line: line, column: userColumn) else { return }
    guard let i = try id(false, base, ia, ib, line: line, column: itemColumn) else { return }
    users.append(u)
    items.append(i)
    weights.append(weightOne ? 1 : weight)
    if let timestamp { timestamps?.append(timestamp) }
  }

  /// Registers a user without events (a list line with no items).
  /// An unknown user (fixed id maps) is ignored: no pair is dropped.
  mutating func addUserOnly(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int) throws(DataError) {
    if userIds.intern(base + a, b - a) == IdInterner.invalidUTF8 {
      _ = try id(true, base, a, b, line: line, column: 1)
    }
  }

  /// The events read, with the final id maps and report.
  func finish() -> (Interactions, ReadReport) {
    var report = self.report
    report.events = users.count
    let x = Interactions(
      users: users, items: items, weights: weights, timestamps: timestamps,
      userIds: userIds.map, itemIds: itemIds.map)
    return (x, report)
  }
}

extension EventSink {
  /// Drops the events added after `mark` (a list line found bad midway).
  mutating func rollback(to mark: Int) {
    let extra = users.count - mark
    guard extra > 0 else { return }
    users.removeLast(extra)
    items.removeLast(extra)
    weights.removeLast(extra)
    timestamps?.removeLast(extra)
  }
}
