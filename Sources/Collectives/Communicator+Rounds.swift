/// Large exchanges in rounds, for layers whose counts and displacements are
/// 32-bit (MPI's `int`): a factor exchange of tens of GB per rank (100M
/// users at k = 128) or the gather of a rank's rows at rank 0 would not fit
/// one call.
extension Communicator {
  /// A personalised all-to-all (see ``Communicator/allToAll(send:sendCounts:receive:receiveCounts:)``)
  /// made of rounds of `exchange` calls in which every count, displacement
  /// and buffer stays at most `limit` bytes: round t carries bytes
  /// `[t c, (t+1) c)` of every segment, `c = limit / size`, through packed
  /// temporary buffers. One call when everything fits. Collective: the
  /// ranks agree on the number of rounds (one all-reduce).
  public func allToAllInRounds(
    send: UnsafeRawBufferPointer, sendCounts: [Int], receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int],
    limit: Int,
    exchange: (UnsafeRawBufferPointer, [Int], UnsafeMutableRawBufferPointer, [Int]) throws -> Void
  ) throws {
    let chunk = Swift.max(1, limit / size)
    let largest = Swift.max(sendCounts.max() ?? 0, receiveCounts.max() ?? 0)
    let fits = sendCounts.reduce(0, +) <= limit && receiveCounts.reduce(0, +) <= limit
    let rounds = try self.max([Int64(fits ? 1 : (largest + chunk - 1) / chunk), 1])[0]
    if rounds == 1 && fits {
      return try exchange(send, sendCounts, receive, receiveCounts)
    }
    var sendAt = [0], receiveAt = [0]
    for q in 0..<size {
      sendAt.append(sendAt[q] + sendCounts[q])
      receiveAt.append(receiveAt[q] + receiveCounts[q])
    }
    let packed = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(1, chunk * size), alignment: 16)
    let unpacked = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(1, chunk * size), alignment: 16)
    defer { packed.deallocate(); unpacked.deallocate() }
    for t in 0..<Int(rounds) {
      let sc = sendCounts.map { Swift.min(chunk, Swift.max(0, $0 - t * chunk)) }
      let rc = receiveCounts.map { Swift.min(chunk, Swift.max(0, $0 - t * chunk)) }
      var at = 0
      for q in 0..<size where sc[q] > 0 {
        packed.baseAddress!.advanced(by: at).copyMemory(from: send.baseAddress!.advanced(by: sendAt[q] + t * chunk), byteCount: sc[q])
        at += sc[q]
      }
      try exchange(UnsafeRawBufferPointer(rebasing: packed[0..<at]), sc,
                   UnsafeMutableRawBufferPointer(rebasing: unpacked[0..<rc.reduce(0, +)]), rc)
      at = 0
      for q in 0..<size where rc[q] > 0 {
        receive.baseAddress!.advanced(by: receiveAt[q] + t * chunk).copyMemory(from: unpacked.baseAddress!.advanced(by: at), byteCount: rc[q])
        at += rc[q]
      }
    }
  }

  /// A gather (see ``Communicator/gather(_:counts:root:)``) made of rounds
  /// of `gather` calls in which every count, displacement and the root's
  /// buffer stay at most `limit` bytes. The counts are known to every rank,
  /// so the rounds need no agreement.
  public func gatherInRounds(
    _ send: UnsafeRawBufferPointer, counts: [Int], root: Int, limit: Int,
    gather: (UnsafeRawBufferPointer, [Int]) throws -> [UInt8]?
  ) throws -> [UInt8]? {
    let chunk = Swift.max(1, limit / size)
    if counts.reduce(0, +) <= limit { return try gather(send, counts) }
    let rounds = ((counts.max() ?? 0) + chunk - 1) / chunk
    var out: [UInt8]? = rank == root ? [UInt8](repeating: 0, count: counts.reduce(0, +)) : nil
    var at = [0]
    for q in 0..<size { at.append(at[q] + counts[q]) }
    for t in 0..<rounds {
      let c = counts.map { Swift.min(chunk, Swift.max(0, $0 - t * chunk)) }
      let mine = UnsafeRawBufferPointer(rebasing: send[Swift.min(send.count, t * chunk)..<Swift.min(send.count, t * chunk + chunk)])
      let part = try gather(mine, c)
      if let part, out != nil {
        var from = 0
        out!.withUnsafeMutableBytes { o in
          part.withUnsafeBytes { p in
            for q in 0..<size where c[q] > 0 {
              o.baseAddress!.advanced(by: at[q] + t * chunk).copyMemory(from: p.baseAddress!.advanced(by: from), byteCount: c[q])
              from += c[q]
            }
          }
        }
      }
    }
    return out
  }
}
