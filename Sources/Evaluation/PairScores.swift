import InteractionData
import LinearAlgebra

/// Scores of many user-item pairs and their `user<TAB>item<TAB>score` text,
/// computed and formatted on several threads (what `gramian score` writes).
///
/// The text is built as bytes: each id's UTF-8 name is copied from a flat
/// table made once per id map, and each score is Swift's shortest
/// round-trip decimal of the float (`Float.description`, "nan" for a
/// missing score), so a line never goes through string interpolation.
/// Lines come out in input order whatever the thread count.
public enum PairScores {
  /// `score(user:item:)` of each pair `(users[j], items[j])` (rows of the
  /// model), on `threads` workers. O(pairs·d).
  public static func scores(_ model: any Recommender, users: [Int32], items: [Int32], threads: Int) -> [Float] {
    precondition(users.count == items.count, "\(users.count) users for \(items.count) items")
    var out = [Float](repeating: 0, count: users.count)
    let d = model.dimension
    let userCount = model.userCount, itemCount = model.itemCount
    let bias = model.itemBias
    out.withUnsafeMutableBufferPointer { o in
      let op = SendablePointer(o.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
      model.userFactors.storage.withUnsafeBufferPointer { u in
        model.itemFactors.storage.withUnsafeBufferPointer { v in
          users.withUnsafeBufferPointer { us in
            items.withUnsafeBufferPointer { its in
              let up = SendableConstPointer(u.baseAddress ?? UnsafePointer(bitPattern: 8)!)
              let vp = SendableConstPointer(v.baseAddress ?? UnsafePointer(bitPattern: 8)!)
              let usp = SendableConstPointer(us.baseAddress ?? UnsafePointer(bitPattern: 8)!)
              let itp = SendableConstPointer(its.baseAddress ?? UnsafePointer(bitPattern: 8)!)
              Parallel.forChunks(users.count, threads: threads) { range in
                for j in range {
                  let user = Int(usp.base[j]), item = Int(itp.base[j])
                  precondition(user >= 0 && user < userCount && item >= 0 && item < itemCount,
                               "pair (\(user), \(item)) outside \(userCount) x \(itemCount)")
                  let s = d > 0 ? Kernels.dot(d, up.base + user * d, vp.base + item * d) : 0
                  op.base[j] = s + (bias?[item] ?? 0)
                }
              }
            }
          }
        }
      }
    }
    return out
  }

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
    var chunks = [[UInt8]](repeating: [], count: parts)
    chunks.withUnsafeMutableBufferPointer { c in
      let cp = SendablePointer(c.baseAddress!)
      Parallel.forChunks(parts, threads: parts) { range in
        for part in range {
          let lo = n * part / parts, hi = n * (part + 1) / parts
          var bytes: [UInt8] = []
          bytes.reserveCapacity((hi - lo) * 32)
          for j in lo..<hi {
            userNames.append(Int(users[j]), to: &bytes)
            bytes.append(9)
            itemNames.append(Int(items[j]), to: &bytes)
            bytes.append(9)
            var text = scores[j].isNaN ? "nan" : scores[j].description
            text.withUTF8 { bytes.append(contentsOf: $0) }
            bytes.append(10)
          }
          cp.base[part] = bytes
        }
      }
    }
    if parts == 1 { return chunks[0] }
    var out: [UInt8] = []
    out.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
    for c in chunks { out.append(contentsOf: c) }
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
  func append(_ i: Int, to out: inout [UInt8]) {
    let lo = i == 0 ? 0 : ends[i - 1]
    out.append(contentsOf: bytes[lo..<ends[i]])
  }
}
