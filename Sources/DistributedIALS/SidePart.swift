import Collectives
import InteractionData

/// One rank's rows of one side (users, or items): its interactions as
/// compressed rows over the other side's *global* indices, and the other
/// side's rows it reads (its "in block" in Spark's terms: ``halo``).
struct SidePart: Sendable {
  /// The global rows this rank owns.
  let rows: Range<Int>
  /// `rows.count + 1` offsets into ``columns``.
  let offsets: [Int]
  /// Other-side global indices, increasing within each row, de-duplicated.
  let columns: [Int32]
  let weights: [Float]
  /// The distinct other-side rows these rows touch, increasing.
  let halo: [Int32]
  /// For each entry of ``columns``, its position in ``halo``.
  let local: [Int32]
  /// Events merged into an existing pair of these rows.
  let duplicatesMerged: Int

  var nnz: Int { columns.count }

  /// Builds the rows from events that arrive in global input order.
  /// Duplicate pairs are merged by `policy` exactly as
  /// `InteractionMatrix` merges them (`.last`: the later event wins).
  /// - Complexity: O(events log(max degree) + otherCount / 64).
  init(
    rows: Range<Int>, otherCount: Int, events rowOf: [Int32], _ colOf: [Int32], _ w: [Float], duplicates policy: DuplicatePolicy
  ) {
    self.rows = rows
    let n = rowOf.count
    let count = rows.count
    // Counting sort by row (stable: events of a row keep input order)...
    var start = [Int](repeating: 0, count: count + 1)
    for r in rowOf { start[Int(r) - rows.lowerBound + 1] += 1 }
    for r in 0..<count { start[r + 1] += start[r] }
    var order = [Int](repeating: 0, count: n)
    var next = start
    for e in 0..<n { let r = Int(rowOf[e]) - rows.lowerBound; order[next[r]] = e; next[r] += 1 }
    // ...then each row by column, stably, and merge equal columns.
    var offsets = [0]
    offsets.reserveCapacity(count + 1)
    var cols: [Int32] = [], vals: [Float] = []
    cols.reserveCapacity(n)
    vals.reserveCapacity(n)
    var merged = 0
    for r in 0..<count {
      var slice = Array(order[start[r]..<start[r + 1]])
      slice.sort { colOf[$0] != colOf[$1] ? colOf[$0] < colOf[$1] : $0 < $1 }
      let rowStart = cols.count
      for e in slice {
        if cols.count > rowStart, cols[cols.count - 1] == colOf[e] {
          merged += 1
          vals[vals.count - 1] = policy.merge(vals[vals.count - 1], w[e])
        } else {
          cols.append(colOf[e])
          vals.append(w[e])
        }
      }
      offsets.append(cols.count)
    }
    self.offsets = offsets
    columns = cols
    weights = vals
    duplicatesMerged = merged
    // The halo and each entry's place in it through a bitmap over the other
    // side's rows: O(nnz + others / 64), no hashing or sorting of entries.
    let words = (otherCount + 63) / 64
    var bits = [UInt64](repeating: 0, count: words)
    for c in cols { bits[Int(c) >> 6] |= 1 << UInt64(c & 63) }
    var before = [Int32](repeating: 0, count: words)
    var halo: [Int32] = []
    for w in 0..<words {
      before[w] = Int32(halo.count)
      var b = bits[w]
      while b != 0 {
        halo.append(Int32(w * 64 + b.trailingZeroBitCount))
        b &= b - 1
      }
    }
    self.halo = halo
    local = cols.map { c in
      let w = Int(c) >> 6
      return before[w] + Int32((bits[w] & ((1 << UInt64(c & 63)) - 1)).nonzeroBitCount)
    }
  }

  /// Row `r`'s (0-based within ``rows``) number of distinct interactions.
  func degree(_ r: Int) -> Int { offsets[r + 1] - offsets[r] }
}
