/// Reads interaction files into ``Interactions``: delimited text, MovieLens
/// ratings, "user item item ..." lists and MatrixMarket coordinate files.
///
/// The file is memory-mapped and parsed from bytes: lines and fields are
/// split on bytes, numbers parsed without making strings, and ids interned
/// by hashing their bytes, so a `String` is made only the first time an id
/// is seen. Delimited files above 4 MiB are parsed by all cores, each on a
/// range of whole lines, common lines (decimal ids, plain numbers) through
/// the one-pass C parser `gk_delimited_fast`; ids still get indices in
/// order of first appearance, whatever the threads.
///
/// Bad input throws a ``DataError`` naming the file, line and field, what
/// was expected and how to fix it; with ``ReadOptions/skipBadLines`` bad
/// lines are counted in the ``ReadReport`` instead.
public enum InteractionReader {
  /// Reads a file into events. New ids are added to fresh id maps.
  /// - Complexity: O(file size) time; memory for the events plus the ids.
  public static func read(_ path: String, options: ReadOptions = .init()) throws(DataError) -> (Interactions, ReadReport) {
    try read(path, options: options, userIds: IdMap(), itemIds: IdMap(), addNewIds: true, freshMaps: true)
  }

  /// Reads a file against existing id maps (a test file next to a train
  /// file). Known ids keep their indices; with `addNewIds == false`, events
  /// whose user or item is unknown are dropped and counted in
  /// ``ReadReport/unknownIdsDropped``.
  public static func read(
    _ path: String, options: ReadOptions = .init(), userIds: IdMap, itemIds: IdMap, addNewIds: Bool
  ) throws(DataError) -> (Interactions, ReadReport) {
    try read(path, options: options, userIds: userIds, itemIds: itemIds, addNewIds: addNewIds, freshMaps: false)
  }

  /// Reads part `part` (0-based) of `parts` of a delimited text file into
  /// events with fresh id maps (ids in the order this part first sees them):
  /// the data lines are cut into `parts` byte ranges of about equal size at
  /// line starts, the same cuts in every process, so that `parts` processes
  /// together read every line once (the input of a distributed fit). The
  /// header and columns are decided from the file's first lines; errors
  /// carry the file's line numbers.
  /// - Throws: as ``read(_:options:)``; ``DataError`` `.badFormat` for a
  ///   lists, MatrixMarket or cache file (convert to delimited text, or give
  ///   a folder of shards).
  /// - Complexity: O(part size) plus a newline count of the bytes before the part.
  public static func readPart(_ path: String, options: ReadOptions = .init(), part: Int, of parts: Int) throws(DataError) -> (Interactions, ReadReport) {
    precondition(parts >= 1 && part >= 0 && part < parts)
    return try read(path, options: options, userIds: IdMap(), itemIds: IdMap(), addNewIds: true, freshMaps: true,
                    part: (part, parts))
  }

  private static func read(
    _ path: String, options: ReadOptions, userIds: IdMap, itemIds: IdMap, addNewIds: Bool, freshMaps: Bool,
    part: (index: Int, of: Int)? = nil
  ) throws(DataError) -> (Interactions, ReadReport) {
    // A file from an output folder (e.g. `data split`) must still be the
    // file its folder's manifest lists.
    try FolderManifest.verify(file: path)
    if InteractionCache.isCache(path) {
      if part != nil { throw partsNeedText(path, "a binary cache (.gcache)") }
      return try readCache(path, options: options, userIds: userIds, itemIds: itemIds, addNewIds: addNewIds, freshMaps: freshMaps)
    }
    let file = try MappedFile(path: path)
    var bytes = file.bytes
    // A UTF-8 byte order mark (spreadsheet exports) is not part of the first id.
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      bytes = UnsafeBufferPointer(rebasing: bytes[3...])
    }
    // Lines ended by a bare CR (classic Mac OS) would read as one long line.
    let head = bytes.prefix(1 << 16)
    if head.contains(13), !head.contains(10), head.firstIndex(of: 13).map({ $0 < head.endIndex - 1 }) ?? false {
      throw DataError(.badFormat, file: path, line: 1, "lines end in a bare carriage return (CR, classic Mac OS line endings), not LF or CRLF",
                      hint: "convert the line endings, e.g. tr '\\r' '\\n' < FILE > FIXED")
    }
    if file.count == 0 {
      throw DataError(
        .emptyFile, file: path, "the file is empty (0 bytes)",
        hint: "check that the right file was given and that it was written completely")
    }
    let (kind, delimiter) = FormatSniffer.resolve(path: path, bytes: bytes, options: options)
    let result: (Interactions, ReadReport)
    if part != nil && kind != .delimited { throw partsNeedText(path, kind == .lists ? "a lists file" : "a MatrixMarket file") }
    switch kind {
    case .delimited:
      var sink = EventSink(file: path, options: options, userIds: userIds, itemIds: itemIds, addNewIds: addNewIds)
      try DelimitedReader(path: path, options: options, delimiter: delimiter).read(bytes, part: part, into: &sink)
      result = sink.finish()
    case .lists:
      var sink = EventSink(file: path, options: options, userIds: userIds, itemIds: itemIds, addNewIds: addNewIds)
      try ListReader(path: path, options: options, delimiter: delimiter).read(bytes, into: &sink)
      result = sink.finish()
    case .mtx:
      let reader = MatrixMarketReader(path: path)
      let header = try reader.header(bytes)
      // Fresh maps hold every index, so dense index = MatrixMarket index - 1
      // and empty rows / columns keep their place.
      let users = freshMaps ? IdMap(names: (0..<header.rows).map { String($0 + 1) }) : userIds
      let items = freshMaps ? IdMap(names: (0..<header.columns).map { String($0 + 1) }) : itemIds
      var sink = EventSink(file: path, options: options, userIds: users, itemIds: items, addNewIds: addNewIds)
      try reader.read(bytes, header: header, into: &sink)
      result = sink.finish()
    }
    withExtendedLifetime(file) {}
    return result
  }

  private static func partsNeedText(_ path: String, _ what: String) -> DataError {
    DataError(.badFormat, file: path, "\(what) cannot be read in parts; a distributed fit splits one file at line boundaries, which needs delimited text (one event a line)",
              hint: "write it as delimited text (gramian data convert), or give a folder of shard files (each rank reads whole shards)")
  }

  /// A binary cache (``InteractionCache``) read like a text file: its events
  /// are the file's events as converted (the text options of `options` do
  /// not apply, nor do `minRating` and `weightMode`, which were applied when
  /// the cache was written; a report warning says so when they are set).
  /// Against existing id maps, ids are remapped by name.
  private static func readCache(
    _ path: String, options: ReadOptions, userIds: IdMap, itemIds: IdMap, addNewIds: Bool, freshMaps: Bool
  ) throws(DataError) -> (Interactions, ReadReport) {
    let x = try InteractionCache.read(path)
    var warnings: [String] = []
    if options.minRating != nil || options.weightMode != .value {
      warnings.append("\(path): a binary cache holds the events as converted; --min-rating and --binary were applied then and are ignored now")
    }
    if freshMaps {
      let report = ReadReport(lines: x.count, events: x.count, headerDetected: false, skippedBadLines: 0,
                              belowMinRating: 0, unknownIdsDropped: 0, warnings: warnings)
      return (x, report)
    }
    var users = userIds, items = itemIds
    func remap(_ names: IdMap, into map: inout IdMap) -> [Int32] {
      names.names.map { name in
        if let i = map.index(of: name) { return i }
        return addNewIds ? map.insert(name) : -1
      }
    }
    let userMap = remap(x.userIds, into: &users), itemMap = remap(x.itemIds, into: &items)
    var keep: [Int] = []
    keep.reserveCapacity(x.count)
    for e in 0..<x.count where userMap[Int(x.users[e])] >= 0 && itemMap[Int(x.items[e])] >= 0 { keep.append(e) }
    let out = Interactions(
      users: keep.map { userMap[Int(x.users[$0])] }, items: keep.map { itemMap[Int(x.items[$0])] },
      weights: keep.map { x.weights[$0] }, timestamps: x.timestamps.map { t in keep.map { t[$0] } },
      userIds: users, itemIds: items)
    let report = ReadReport(lines: x.count, events: out.count, headerDetected: false, skippedBadLines: 0,
                            belowMinRating: 0, unknownIdsDropped: x.count - out.count, warnings: warnings)
    return (out, report)
  }
}
