/// Typed helpers over the byte-level collectives.
extension Communicator {
  /// Whether this is rank 0 (which reports and writes).
  public var isRoot: Bool { rank == 0 }

  /// The sum over ranks of `values`.
  public func sum(_ values: [Double]) throws -> [Double] {
    var v = values
    try v.withUnsafeMutableBufferPointer { (p) throws in try allreduceSum(p) }
    return v
  }

  /// The sum over ranks of `values`.
  public func sum(_ values: [Int64]) throws -> [Int64] {
    var v = values
    try v.withUnsafeMutableBufferPointer { (p) throws in try allreduceSum(p) }
    return v
  }

  /// The maximum over ranks of `values`.
  public func max(_ values: [Int64]) throws -> [Int64] {
    var v = values
    try v.withUnsafeMutableBufferPointer { (p) throws in try allreduceMax(p) }
    return v
  }

  /// Every rank's `value`, by rank. O(size) values exchanged.
  public func allGather(_ value: Int64) throws -> [Int64] {
    var v = [Int64](repeating: 0, count: size)
    v[rank] = value
    return try sum(v)
  }

  /// The sum of `value` over the ranks below this one (MPI_Exscan), and the
  /// total over all ranks.
  public func exclusivePrefix(_ value: Int64) throws -> (before: Int64, total: Int64) {
    let all = try allGather(value)
    return (all[..<rank].reduce(0, +), all.reduce(0, +))
  }

  /// Sends `segments[q]` to rank `q` and returns what each rank sent here,
  /// by rank. Counts are exchanged first (one all-to-all of 8-byte counts).
  public func exchange<T: BitwiseCopyable>(_ segments: [[T]]) throws -> [[T]] {
    precondition(segments.count == size, "one segment per rank")
    let stride = MemoryLayout<T>.stride
    let sendCounts = segments.map { $0.count * stride }
    let receiveCounts = try exchangeCounts(sendCounts)
    var send = [UInt8](repeating: 0, count: sendCounts.reduce(0, +))
    var at = 0
    send.withUnsafeMutableBytes { out in
      for s in segments {
        s.withUnsafeBytes { if $0.count > 0 { out.baseAddress!.advanced(by: at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        at += s.count * stride
      }
    }
    var receive = [UInt8](repeating: 0, count: receiveCounts.reduce(0, +))
    try send.withUnsafeBytes { (s) throws in
      try receive.withUnsafeMutableBytes { (r) throws in
        try allToAll(send: s, sendCounts: sendCounts, receive: r, receiveCounts: receiveCounts)
      }
    }
    var out: [[T]] = []
    out.reserveCapacity(size)
    at = 0
    receive.withUnsafeBytes { r in
      for q in 0..<size {
        let n = receiveCounts[q] / stride
        out.append([T](unsafeUninitializedCapacity: n) { buf, count in
          if n > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: r.baseAddress!.advanced(by: at), byteCount: n * stride) }
          count = n
        })
        at += receiveCounts[q]
      }
    }
    return out
  }

  /// What each rank will send here, given what this rank sends to each.
  public func exchangeCounts(_ sendCounts: [Int]) throws -> [Int] {
    precondition(sendCounts.count == size)
    var send = sendCounts.map { Int64($0) }
    var receive = [Int64](repeating: 0, count: size)
    try send.withUnsafeMutableBytes { (s) throws in
      try receive.withUnsafeMutableBytes { (r) throws in
        try allToAll(send: UnsafeRawBufferPointer(s), sendCounts: [Int](repeating: 8, count: size), receive: r,
                     receiveCounts: [Int](repeating: 8, count: size))
      }
    }
    return receive.map { Int($0) }
  }

  /// Gathers `values` from every rank at `root`, concatenated in rank order.
  public func gather<T: BitwiseCopyable>(_ values: [T], root: Int = 0) throws -> [T]? {
    let stride = MemoryLayout<T>.stride
    let counts = try allGather(Int64(values.count * stride)).map { Int($0) }
    let bytes = try values.withUnsafeBytes { (p) throws in try gather(p, counts: counts, root: root) }
    guard let bytes else { return nil }
    let n = bytes.count / stride
    return [T](unsafeUninitializedCapacity: n) { buf, count in
      bytes.withUnsafeBytes { if n > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: $0.baseAddress!, byteCount: n * stride) } }
      count = n
    }
  }

  /// Agreement on failure: every rank passes its own error (or nil); if any
  /// rank failed, every rank throws ``CollectiveError/rankFailed(rank:message:)``
  /// for the lowest failing rank, so that all ranks stop at the same point
  /// and none waits forever in a later collective.
  public func agree(_ error: (any Error)?) throws {
    try agree(message: error.map { "\($0)" })
  }

  /// ``agree(_:)`` with the failure already put in words (nil: no failure here).
  public func agree(message: String?) throws {
    let bytes = Array((message ?? "").utf8)
    let lengths = try allGather(Int64(bytes.count))
    guard let failed = lengths.firstIndex(where: { $0 > 0 }) else { return }
    // Everyone learns the failing rank's message: it sends it to all.
    let segments = (0..<size).map { _ in rank == failed ? bytes : [] }
    let received = try exchange(segments)
    throw CollectiveError.rankFailed(rank: failed, message: String(decoding: received[failed], as: UTF8.self))
  }
}
