import InteractionData
import LinearAlgebra

/// The `user<TAB>item<TAB>score` text of many scored pairs (what `gramian
/// score` writes), formatted on several threads; the scores themselves come
/// from ``Recommender/score(users:items:threads:)``.
///
/// The text is built as bytes: each id's UTF-8 name is copied from a flat
/// table made once per id map, and each score is Swift's shortest
/// round-trip decimal of the float (`Float.description`, "nan" for a
/// missing score), so a line never goes through string interpolation.
/// Lines come out in input order whatever the thread count.
public enum PairScores {
  /// The lines `user<TAB>item<TAB>score\n` of the pairs, in order: pair `j`
  /// is `userIds` name `users[j]`, `itemIds` name `items[j]` and `scores[j]`
  /// (NaN is written "nan"). Formatted in `threads` contiguous parts.
  /// O(pairs + total id length).
  public static func tsv(
    users: [Int32], items: [Int32], scores: [Float], userIds: IdMap, itemIds: IdMap, threads: Int
  ) -> [UInt8] {
    var out: [UInt8] = []
    writeTSV(users: users, items: items, scores: scores, userIds: userIds, itemIds: itemIds, threads: threads) {
      out.append(contentsOf: $0)
    }
    return out
  }

  /// The same lines as ``tsv(users:items:scores:userIds:itemIds:threads:)``,
  /// handed to `sink` in order, a few MB at a time: each block of pairs is
  /// formatted by `threads` workers into buffers reused for every block
  /// (at most about 4 MiB each), so the text never exists whole and the
  /// caller can write it as it comes. O(pairs + total id length) time,
  /// O(threads · 4 MiB) memory.
  public static func writeTSV(
    users: [Int32], items: [Int32], scores: [Float], userIds: IdMap, itemIds: IdMap, threads: Int,
    to sink: (UnsafeRawBufferPointer) throws -> Void
  ) rethrows {
    precondition(users.count == items.count && items.count == scores.count)
    let n = users.count
    guard n > 0 else { return }
    let userNames = NameBytes(userIds), itemNames = NameBytes(itemIds)
    let parts = max(1, min(threads, n / 10_000 + 1))
    // A line's upper bound: the two longest names, two tabs, a newline and
    // at most 15 bytes of score ("-1.1754944e-38" is 14).
    let lineBound = userNames.longest + itemNames.longest + 18
    let perPart = max(1, min(1 << 16, (4 << 20) / lineBound))
    let buffers = (0..<parts).map { _ in SendablePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: perPart * lineBound)) }
    defer { for b in buffers { b.base.deallocate() } }
    var lengths = [Int](repeating: 0, count: parts)
    var next = 0
    while next < n {
      let lo = next
      let hi = min(n, lo + perPart * parts)
      lengths.withUnsafeMutableBufferPointer { w in
        let wp = SendablePointer(w.baseAddress!)
        Parallel.forChunks(parts, threads: parts) { range in
          for part in range {
            let from = lo + (hi - lo) * part / parts, to = lo + (hi - lo) * (part + 1) / parts
            let start = buffers[part].base
            var p = start
            for j in from..<to {
              p = userNames.write(Int(users[j]), to: p)
              p.pointee = 9
              p = itemNames.write(Int(items[j]), to: p + 1)
              p.pointee = 9
              p += 1
              var text = scores[j].isNaN ? "nan" : scores[j].description
              p = text.withUTF8 { t in
                p.update(from: t.baseAddress!, count: t.count)
                return p + t.count
              }
              p.pointee = 10
              p += 1
            }
            wp.base[part] = p - start
          }
        }
      }
      for part in 0..<parts { try sink(UnsafeRawBufferPointer(start: buffers[part].base, count: lengths[part])) }
      next = hi
    }
  }
}

/// The UTF-8 bytes of every name of an id map, in one flat array.
struct NameBytes: Sendable {
  let bytes: [UInt8]
  let ends: [Int]
  /// The longest name's length in bytes.
  let longest: Int

  init(_ ids: IdMap) {
    var bytes: [UInt8] = [], ends: [Int] = []
    var longest = 0
    ends.reserveCapacity(ids.count)
    for var name in ids.names {
      name.withUTF8 { bytes.append(contentsOf: $0) }
      longest = max(longest, bytes.count - (ends.last ?? 0))
      ends.append(bytes.count)
    }
    self.bytes = bytes
    self.ends = ends
    self.longest = longest
  }

  /// Copies name `i` to `p`; returns the byte after it.
  @inline(__always)
  func write(_ i: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
    let lo = i == 0 ? 0 : ends[i - 1], count = ends[i] - lo
    if count > 0 { bytes.withUnsafeBufferPointer { p.update(from: $0.baseAddress! + lo, count: count) } }
    return p + count
  }
}
