#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import LinearAlgebra

/// Phase 2 of delimited reading on several threads, for files whose ids are
/// all dense decimals (MovieLens-style integer ids).
///
/// Ids must get indices in order of first appearance in the file, which
/// looks serial; but the ids new to chunk `t` appear, within the file, in
/// the order of their first appearance within chunk `t`. So each thread
/// numbers its chunk's distinct ids locally (first-seen order, in place),
/// one thread then interns only those short lists in chunk order (O(distinct
/// ids), not O(events)), and the threads rewrite their events to the global
/// indices. The result is the serial merge's, event for event.
extension DelimitedReader {
  /// What the readers did, summed over the process: tests check that the
  /// fast paths they compare against the general reader did run.
  struct Statistics: Sendable {
    /// Lines taken by `gk_delimited_fast`.
    var fastLines = 0
    /// Reads whose ids were interned by ``mergeInParallel(_:count:firstLine:_:_:kept:)``.
    var parallelMerges = 0
  }

  static let statistics = Locked(Statistics())

  /// The local numbering of one chunk's ids: the distinct raw values in
  /// first-seen order (events then hold positions in these lists).
  struct LocalIds {
    var users: [Int32] = []
    var items: [Int32] = []
    /// Events kept by the final rewrite (unknown ids dropped).
    var kept = 0
    var dropped = 0
  }

  /// Largest raw value (+1) a chunk may number with a flat array: the
  /// ``IdInterner`` density bound, relative to the chunk's events.
  static func localSlots(events: Int) -> Int { min(IdInterner.smallLimit, IdInterner.smallSlack + 4 * events) }

  /// Interns the ids of `chunks` with the threads and closes up their events
  /// from index 0 (sets `kept`); records each chunk's counts and bad lines in
  /// file order. Returns false, having changed nothing, when the parallel
  /// path does not apply (one chunk, an id that is not a decimal below
  /// 2^24, or decimals too sparse for flat arrays): merge serially then.
  func mergeInParallel(
    _ chunks: UnsafeMutablePointer<DelimitedChunk>, count threads: Int, firstLine: Int, _ sink: inout EventSink,
    _ out: EventColumns, kept: inout Int
  ) throws(DataError) -> Bool {
    guard threads > 1, (0..<threads).allSatisfy({ chunks[$0].longKeys.isEmpty }) else { return false }
    let shared = SendablePointer(chunks)
    // Largest raw user and item of each chunk (all >= 0: no long keys).
    var largest = [Int32](repeating: 0, count: 2 * threads)
    largest.withUnsafeMutableBufferPointer { buffer in
      let m = SendablePointer(buffer.baseAddress!)
      Parallel.forEach(threads, threads: threads, grain: 1) { t, _ in
        let chunk = shared.base[t]
        var mu: Int32 = -1, mi: Int32 = -1
        for e in chunk.offset..<chunk.offset + chunk.count {
          mu = max(mu, out.users[e])
          mi = max(mi, out.items[e])
        }
        m.base[2 * t] = mu
        m.base[2 * t + 1] = mi
      }
    }
    for t in 0..<threads where Int(max(largest[2 * t], largest[2 * t + 1])) >= Self.localSlots(events: chunks[t].count) {
      return false
    }
    let local = UnsafeMutablePointer<LocalIds>.allocate(capacity: threads)
    defer {
      local.deinitialize(count: threads)
      local.deallocate()
    }
    let locals = SendablePointer(local)
    let bounds = largest
    Parallel.forEach(threads, threads: threads, grain: 1) { t, _ in
      let chunk = shared.base[t]
      var ids = LocalIds()
      let range = chunk.offset..<chunk.offset + chunk.count
      ids.users = Self.numberLocally(out.users, range, slots: Int(bounds[2 * t]) + 1)
      ids.items = Self.numberLocally(out.items, range, slots: Int(bounds[2 * t + 1]) + 1)
      (locals.base + t).initialize(to: ids)
    }
    // Global indices of each chunk's local ids, in file order.
    var globalUsers: [[Int32]] = [], globalItems: [[Int32]] = []
    var lineOffset = firstLine - 1
    for t in 0..<threads {
      let chunk = chunks[t]
      sink.report.lines += chunk.lines
      sink.report.belowMinRating += chunk.belowMinRating
      globalUsers.append(local[t].users.map { sink.userIds.internSmall(Int($0)) })
      globalItems.append(local[t].items.map { sink.itemIds.internSmall(Int($0)) })
      for var e in chunk.bad {
        e.line = e.line.map { $0 + lineOffset }
        try sink.badLine(e)
      }
      lineOffset += chunk.physicalLines
    }
    let userMaps = globalUsers, itemMaps = globalItems
    Parallel.forEach(threads, threads: threads, grain: 1) { t, _ in
      let chunk = shared.base[t]
      var k = chunk.offset
      let gu = userMaps[t], gi = itemMaps[t]
      for e in chunk.offset..<chunk.offset + chunk.count {
        let u = gu[Int(out.users[e])], i = gi[Int(out.items[e])]
        guard u >= 0 && i >= 0 else { continue }  // unknown id (fixed id maps)
        out.keep(e, at: k, user: u, item: i)
        k += 1
      }
      locals.base[t].kept = k - chunk.offset
      locals.base[t].dropped = chunk.count - (k - chunk.offset)
    }
    // Close the gaps between chunks (lines without events, dropped events).
    kept = 0
    for t in 0..<threads {
      let from = chunks[t].offset, n = local[t].kept
      sink.report.unknownIdsDropped += local[t].dropped
      if from != kept && n > 0 {
        memmove(out.users + kept, out.users + from, n * MemoryLayout<Int32>.stride)
        memmove(out.items + kept, out.items + from, n * MemoryLayout<Int32>.stride)
        memmove(out.weights + kept, out.weights + from, n * MemoryLayout<Float>.stride)
        if let s = out.timestamps { memmove(s + kept, s + from, n * MemoryLayout<Int64>.stride) }
      }
      kept += n
    }
    Self.statistics.withLock { $0.parallelMerges += 1 }
    return true
  }

  /// Replaces each raw id in `column[range]` (values below `slots`) by its
  /// position among the range's distinct values in first-seen order, and
  /// returns those values.
  /// - Complexity: O(range + slots) time, `slots` Int32 of scratch.
  static func numberLocally(_ column: UnsafeMutablePointer<Int32>, _ range: Range<Int>, slots: Int) -> [Int32] {
    var position = [Int32](repeating: -1, count: max(slots, 1))
    var seen: [Int32] = []
    position.withUnsafeMutableBufferPointer { p in
      for e in range {
        let v = Int(column[e])
        var k = p[v]
        if k < 0 {
          k = Int32(truncatingIfNeeded: seen.count)
          p[v] = k
          seen.append(Int32(truncatingIfNeeded: v))
        }
        column[e] = k
      }
    }
    return seen
  }
}
