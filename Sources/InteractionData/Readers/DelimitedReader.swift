import LinearAlgebra

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
    /// Fields a line must have (computed once: variadic `max` allocates).
    var needed: Int { Swift.max(Swift.max(user, item), Swift.max(weight ?? -1, timestamp ?? -1)) + 1 }
  }

  /// Reads all events of `bytes` into `sink`, or with `part` only the data
  /// lines of that part: the bytes after the header cut into `of` ranges of
  /// about equal size at line starts (a distributed fit's ranks each read one).
  /// The header and the columns are decided from the file's first lines in
  /// every part alike; line numbers in errors are the file's.
  /// - Complexity: O(bytes), one pass after looking at the first two lines
  ///   (a part: O(its bytes), plus a newline count of the bytes before it).
  func read(_ bytes: UnsafeBufferPointer<UInt8>, part: (index: Int, of: Int)? = nil, into sink: inout EventSink) throws(DataError) {
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

    if columns.timestamp != nil { sink.timestamps = [] }
    let start = header == nil ? line1.lowerBound : FieldSplitter.lineEnd(base, line1.lowerBound, bytes.count) + 1
    guard let part else {
      try scan(base, from: start, to: bytes.count, firstLine: lineNumber(bytes, start), columns, &sink)
      return
    }
    // Part p of n: the data lines from the first line start at or after
    // start + (size * p / n); every reader of the file computes the same cuts.
    func cut(_ p: Int) -> Int {
      if p <= 0 { return start }
      if p >= part.of { return bytes.count }
      let guess = start + (bytes.count - start) * p / part.of
      return guess == start ? start : min(FieldSplitter.lineEnd(base, guess - 1, bytes.count) + 1, bytes.count)
    }
    let from = cut(part.index), to = cut(part.index + 1)
    guard from < to else { return }
    let firstLine = FieldSplitter.newlineCount(base, 0, from) + 1
    try scan(base, from: from, to: to, firstLine: firstLine, columns, &sink)
  }

  /// Phase 1 on `Parallel.availableThreads` chunks (one when the file is
  /// below ``ReadOptions/parallelThreshold``) of whole lines, then
  /// phase 2 in file order: intern the ids of each chunk and close up its
  /// events, so ids get indices in first-seen order whatever the threads
  /// (with the threads too when every id is a dense decimal, see
  /// ``mergeInParallel(_:count:firstLine:_:_:kept:)``).
  /// All chunks write into one set of result arrays, sized by a line count
  /// first (memchr, cheap): growing arrays of 10^7 values, or appending
  /// chunks to each other, would copy and touch twice the memory.
  private func scan(
    _ base: UnsafePointer<UInt8>, from: Int, to count: Int, firstLine: Int, _ c: Columns, _ sink: inout EventSink
  ) throws(DataError) {
    let threads = count - from > options.parallelThreshold ? max(1, options.threads ?? Parallel.availableThreads) : 1
    var cuts = [from]
    for t in 1..<max(threads, 1) {
      let guess = from + (count - from) * t / threads
      let cut = FieldSplitter.lineEnd(base, max(guess, cuts.last!), count) + 1
      cuts.append(min(cut, count))
    }
    cuts.append(count)
    let scanner = DelimitedScan(
      path: path, delimiter: delimiter, columns: c, minRating: options.minRating, skipBadLines: options.skipBadLines,
      weightOne: options.weightMode == .one, fastPath: options.fastParsing)
    let input = SendableConstPointer(base)
    let ranges = zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    // Lines per range (an upper bound on its events) and where its events start.
    var lineCounts = [Int](repeating: 0, count: threads)
    lineCounts.withUnsafeMutableBufferPointer { buffer in
      let counts = SendablePointer(buffer.baseAddress!)
      Parallel.forEach(threads, threads: threads, grain: 1) { t, _ in
        counts.base[t] = FieldSplitter.newlineCount(input.base, ranges[t].lowerBound, ranges[t].upperBound) + 1
      }
    }
    var starts = [0]
    for t in 0..<threads - 1 { starts.append(starts[t] + lineCounts[t]) }
    let offsets = starts, capacities = lineCounts
    let total = offsets[threads - 1] + capacities[threads - 1]
    let withTimestamps = c.timestamp != nil

    var failure: DataError?
    var kept = 0
    var items: [Int32] = [], weights: [Float] = [], timestamps: [Int64] = []
    // An array of `capacity` elements of which the first `kept` are
    // written by `body` (none when `used` is false or the read failed).
    func fresh<T>(_ type: T.Type, _ capacity: Int, used: Bool = true, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
      [T](unsafeUninitializedCapacity: capacity) { buffer, initialized in
        HugePageBuffer.advise(UnsafeMutableRawPointer(buffer.baseAddress!), bytes: buffer.count * MemoryLayout<T>.stride)
        body(buffer.baseAddress!)
        initialized = failure == nil && used ? kept : 0
      }
    }
    let users = fresh(Int32.self, total) { u in
      items = fresh(Int32.self, total) { i in
        weights = fresh(Float.self, total) { w in
          timestamps = fresh(Int64.self, withTimestamps ? total : 1, used: withTimestamps) { s in
            let out = EventColumns(users: u, items: i, weights: w, timestamps: withTimestamps ? s : nil)
            let results = UnsafeMutablePointer<DelimitedChunk>.allocate(capacity: threads)
            defer {
              results.deinitialize(count: threads)
              results.deallocate()
            }
            let chunks = SendablePointer(results)
            Parallel.forEach(threads, threads: threads, grain: 1) { t, _ in
              (chunks.base + t).initialize(
                to: scanner.parse(
                  input.base, from: ranges[t].lowerBound, to: ranges[t].upperBound, into: out, offset: offsets[t],
                  capacity: capacities[t]))
            }
            let fastLines = (0..<threads).reduce(0) { $0 + results[$1].fastLines }
            if fastLines > 0 { Self.statistics.withLock { $0.fastLines += fastLines } }
            var lineOffset = firstLine - 1
            do throws(DataError) {
              if options.parallelInterning,
                try mergeInParallel(results, count: threads, firstLine: firstLine, &sink, out, kept: &kept)
              {
                return
              }
              for t in 0..<threads {
                try merge(results[t], base, from: ranges[t].lowerBound, lineOffset: lineOffset, c, &sink, out, kept: &kept)
                lineOffset += results[t].physicalLines
              }
            } catch {
              failure = error
            }
          }
        }
      }
    }
    if let failure { throw failure }
    if sink.users.isEmpty {
      sink.users = users
      sink.items = items
      sink.weights = weights
      if withTimestamps { sink.timestamps = timestamps }
    } else {
      sink.users.append(contentsOf: users)
      sink.items.append(contentsOf: items)
      sink.weights.append(contentsOf: weights)
      if withTimestamps { sink.timestamps!.append(contentsOf: timestamps) }
    }
  }

  /// Phase 2 for one chunk: replaces raw ids by dense indices in event
  /// order, moving each kept event down to index `kept` (events with
  /// unknown or invalid ids are dropped), then records the chunk's bad
  /// lines in line order.
  private func merge(
    _ chunk: DelimitedChunk, _ base: UnsafePointer<UInt8>, from: Int, lineOffset: Int, _ c: Columns,
    _ sink: inout EventSink, _ out: EventColumns, kept: inout Int
  ) throws(DataError) {
    sink.report.lines += chunk.lines
    sink.report.belowMinRating += chunk.belowMinRating
    var bad = chunk.bad.map { e -> DataError in
      var e = e
      e.line = e.line.map { $0 + lineOffset }
      return e
    }
    for e in chunk.offset..<chunk.offset + chunk.count {
      let ru = out.users[e]
      let u = ru >= 0 ? sink.userIds.internSmall(Int(ru)) : sink.userIds.intern(key: chunk.longKeys[Int(-ru - 1)], base: base)
      var i = u
      if u >= 0 {
        let ri = out.items[e]
        i = ri >= 0 ? sink.itemIds.internSmall(Int(ri)) : sink.itemIds.intern(key: chunk.longKeys[Int(-ri - 1)], base: base)
      }
      if u >= 0 && i >= 0 {
        out.keep(e, at: kept, user: u, item: i)
        kept += 1
        continue
      }
      if u == IdInterner.unknown || i == IdInterner.unknown {
        sink.report.unknownIdsDropped += 1
        continue
      }
      let raw = u < 0 ? out.users[e] : out.items[e]
      let r = IdInterner.range(ofKey: chunk.longKeys[Int(-raw - 1)])!
      var line = lineOffset + 1
      for k in from..<r.lowerBound where base[k] == 10 { line += 1 }
      let error = DataError(
        .invalidUTF8, file: path, line: line, column: (u < 0 ? c.user : c.item) + 1,
        "\(u < 0 ? "user" : "item") id \"\(FieldSplitter.display(base, r.lowerBound, r.upperBound))\" is not valid UTF-8",
        hint: "convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8), or use \(OptionKey.skipBadLines) to skip such lines")
      if !options.skipBadLines { throw error }
      bad.append(error)
    }
    bad.sort { ($0.line ?? 0) < ($1.line ?? 0) }
    for e in bad { try sink.badLine(e) }
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
            .unknownColumn, file: path, line: 1, "\(flag) is given by name (\"\(name)\") but the file has no header line",
            hint: "give the column by number (0-based), or set \(OptionKey.header) to present if the first line is a header")
        }
        guard let k = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
          throw DataError(
            .unknownColumn, file: path, line: 1, "no column named \"\(name)\" (for \(flag)) in the header",
            hint: Advice("the header has " + header.map { "\"\($0)\"" }.joined(separator: ", ")))
        }
        return k
      }
    }
    let user = try index(options.userColumn, "the user column")
    let item = try index(options.itemColumn, "the item column")
    for (k, flag) in [(user, "the user column"), (item, "the item column")] where k >= n {
      throw DataError(
        .unknownColumn, file: path, line: line,
        "\(flag) is field \(k + 1) but the first data line has \(n) field\(n == 1 ? "" : "s") when split on \(delimiter.name)",
        hint: "choose the separator with \(OptionKey.delimiter), or columns with \(OptionKey.userColumn)/\(OptionKey.itemColumn)")
    }
    func optional(_ ref: ColumnRef?, _ flag: String) throws(DataError) -> Int? {
      guard let ref else { return nil }
      let k = try index(ref, flag)
      if case .name = ref, k >= n {
        throw DataError(
          .unknownColumn, file: path, line: line,
          "\(flag) is field \(k + 1) but the first data line has \(n) fields", hint: "check the separator (\(OptionKey.delimiter))")
      }
      return k < n ? k : nil
    }
    return Columns(
      user: user, item: item, weight: try optional(options.weightColumn, "the weight column"),
      timestamp: try optional(options.timestampColumn, "the timestamp column"))
  }

  // MARK: Messages

  private func emptyFile() -> DataError {
    DataError(
      .emptyFile, file: path, "the file is empty (expected lines of user, item[, weight[, timestamp]])",
      hint: "check that the right file was given and that it was written completely")
  }

  /// 1-based line number of the byte offset (counts newlines before it).
  private func lineNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int {
    var n = 1
    for k in 0..<min(offset, bytes.count) where bytes[k] == 10 { n += 1 }
    return n
  }
}
