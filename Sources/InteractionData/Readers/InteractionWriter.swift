/// Writes ``Interactions`` as text that ``InteractionReader`` reads back
/// (for `gramian data convert` and round-trip tests). Every write is atomic
/// (temporary file + rename). Ids are written as they are; an id containing
/// the separator or a line break is refused with a ``DataError``.
public enum InteractionWriter {
  /// One event a line: `user item weight [timestamp]`, in event order.
  /// Whole weights are written without a decimal point, others in the
  /// shortest form that reads back to the same Float.
  /// - Complexity: O(events).
  public static func writeDelimited(_ x: Interactions, to path: String, delimiter: UInt8 = 9, header: Bool = false) throws {
    let users = try encodedIds(x.userIds, "user", path, forbidden: [], quoting: delimiter)
    let items = try encodedIds(x.itemIds, "item", path, forbidden: [], quoting: delimiter)
    var out = try AtomicFileWriter(path: path)
    if header {
      let names = x.timestamps == nil ? ["user", "item", "weight"] : ["user", "item", "weight", "timestamp"]
      try out.write(names.joined(separator: String(Character(Unicode.Scalar(delimiter)))) + "\n")
    }
    for e in 0..<x.count {
      try users[Int(x.users[e])].withUnsafeBytes { b in try out.write(b) }
      try out.write(byte: delimiter)
      try items[Int(x.items[e])].withUnsafeBytes { b in try out.write(b) }
      try out.write(byte: delimiter)
      try out.write(formatWeight(x.weights[e]))
      if let t = x.timestamps {
        try out.write(byte: delimiter)
        try out.write(String(t[e]))
      }
      try out.write(byte: 10)
    }
    try out.commit()
  }

  /// One user a line, `user item item ...`, items in event order, users in
  /// index order; users without events get a line of their own. Weights and
  /// timestamps are not written (the reader gives weight 1 and positions).
  /// - Complexity: O(events + users).
  public static func writeLists(_ x: Interactions, to path: String) throws {
    let users = try encodedIds(x.userIds, "user", path, forbidden: [32, 9])
    let items = try encodedIds(x.itemIds, "item", path, forbidden: [32, 9])
    // Stable counting sort of events by user.
    var start = [Int](repeating: 0, count: x.userCount + 1)
    for u in x.users { start[Int(u) + 1] += 1 }
    for u in 0..<x.userCount { start[u + 1] += start[u] }
    var order = [Int](repeating: 0, count: x.count)
    var next = start
    for e in 0..<x.count {
      let u = Int(x.users[e])
      order[next[u]] = e
      next[u] += 1
    }
    var out = try AtomicFileWriter(path: path)
    for u in 0..<x.userCount {
      try users[u].withUnsafeBytes { b in try out.write(b) }
      for k in start[u]..<start[u + 1] {
        try out.write(byte: 32)
        try items[Int(x.items[order[k]])].withUnsafeBytes { b in try out.write(b) }
      }
      try out.write(byte: 10)
    }
    try out.commit()
  }

  /// MatrixMarket `coordinate real general`: row = user index + 1, column =
  /// item index + 1, value = weight, in event order. Names are not kept
  /// (reading back gives ids "1", "2", ...).
  /// - Complexity: O(events).
  public static func writeMatrixMarket(_ x: Interactions, to path: String) throws {
    var out = try AtomicFileWriter(path: path)
    try out.write("%%MatrixMarket matrix coordinate real general\n")
    try out.write("% written by Gramian: rows are users, columns are items\n")
    try out.write("\(x.userCount) \(x.itemCount) \(x.count)\n")
    for e in 0..<x.count {
      try out.write("\(x.users[e] + 1) \(x.items[e] + 1) \(formatWeight(x.weights[e]))\n")
    }
    try out.commit()
  }

  /// `4`, `4.5`, `0.001`: integers without a point, others in the shortest
  /// round-tripping form.
  static func formatWeight(_ w: Float) -> String {
    if w == w.rounded() && abs(w) < 1e7 { return String(Int(w)) }
    return String(w)
  }

  /// The UTF-8 bytes of every id, refusing ids that would break the line
  /// structure.
  /// Each id's bytes. With `quoting`, an id that contains that separator
  /// is written in double quotes (as the reader takes it back); ids with a
  /// `forbidden` byte, a line break, or both the separator and a quote, or
  /// that start with a quote, cannot be written and throw.
  private static func encodedIds(
    _ map: IdMap, _ what: String, _ path: String, forbidden: [UInt8], quoting: UInt8? = nil
  ) throws -> [[UInt8]] {
    try map.names.map { name in
      var bytes = Array(name.utf8)
      if bytes.isEmpty || bytes.contains(where: { $0 == 10 || $0 == 13 || forbidden.contains($0) }) {
        throw DataError(
          .badFormat, file: path, "\(what) id \"\(name)\" is empty or contains the separator or a line break",
          hint: "choose another delimiter, or rename the ids")
      }
      if let q = quoting, bytes.contains(q) || bytes.first == 34 {
        guard !bytes.contains(34) else {
          throw DataError(
            .badFormat, file: path, "\(what) id \"\(name)\" starts with a double quote or holds both the separator and one",
            hint: "choose another delimiter, or rename the ids")
        }
        bytes = [34] + bytes + [34]
      }
      return bytes
    }
  }
}
