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
    precondition(users.count == items.count && items.count == scores.count)
    let userNames = NameBytes(userIds), itemNames = NameBytes(itemIds)
    let n = users.count
    let parts = max(1, min(threads, n / 10_000 + 1))
    // Each part's exact upper bound: names, two tabs, a newline and at most
    // 15 bytes of score ("-1.1754944e-38" is 14); then one buffer, parts
    // written in place and compacted.
    var bounds = [Int](repeating: 0, count: parts + 1)
    for part in 0..<parts {
      let lo = n * part / parts, hi = n * (part + 1) / parts
      var size = 0
      for j in lo..<hi { size += userNames.length(Int(users[j])) + itemNames.length(Int(items[j])) + 18 }
      bounds[part + 1] = bounds[part] + size
    }
    let starts = bounds
    var out = [UInt8](repeating: 0, count: bounds[parts])
    var written = [Int](repeating: 0, count: parts)
    out.withUnsafeMutableBufferPointer { o in
      written.withUnsafeMutableBufferPointer { w in
        let op = SendablePointer(o.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
        let wp = SendablePointer(w.baseAddress!)
        Parallel.forChunks(parts, threads: parts) { range in
          for part in range {
            let lo = n * part / parts, hi = n * (part + 1) / parts
            var p = op.base + starts[part]
            for j in lo..<hi {
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
            wp.base[part] = p - (op.base + starts[part])
          }
        }
      }
    }
    // Close the gaps between parts (in order, left to right).
    var end = written[0]
    for part in 1..<max(1, parts) {
      let from = bounds[part], count = written[part]
      out.withUnsafeMutableBufferPointer { o in
        (o.baseAddress! + end).update(from: o.baseAddress! + from, count: count)
      }
      end += count
    }
    out.removeLast(out.count - end)
    return out
  }
}

/// The UTF-8 bytes of every name of an id map, in one flat array.
struct NameBytes: Sendable {
  let bytes: [UInt8]
  let ends: [Int]

  init(_ ids: IdMap) {
    var bytes: [UInt8] = [], ends: [Int] = []
    ends.reserveCapacity(ids.count)
    for var name in ids.names {
      name.withUTF8 { bytes.append(contentsOf: $0) }
      ends.append(bytes.count)
    }
    self.bytes = bytes
    self.ends = ends
  }

  @inline(__always)
  func length(_ i: Int) -> Int { ends[i] - (i == 0 ? 0 : ends[i - 1]) }

  /// Copies name `i` to `p`; returns the byte after it.
  @inline(__always)
  func write(_ i: Int, to p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
    let lo = i == 0 ? 0 : ends[i - 1], count = ends[i] - lo
    if count > 0 { bytes.withUnsafeBufferPointer { p.update(from: $0.baseAddress! + lo, count: count) } }
    return p + count
  }
}
