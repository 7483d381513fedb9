import Collectives

/// Rows `0..<count` of one side cut into one contiguous range per rank,
/// balanced by interactions (plus a per-row cost): rank q owns
/// `starts[q]..<starts[q + 1]`.
///
/// Rows are counted into at most 65,536 buckets of consecutive rows (one
/// all-reduce); each cut falls on the bucket boundary where the running
/// count of interactions comes closest to q/P of the total. Contiguous ranges keep the
/// gather of the factors at rank 0 a concatenation in rank order.
public struct RowPartition: Sendable, Equatable {
  /// `ranks + 1` increasing row offsets, `starts[0] == 0`, last `== count`.
  public let starts: [Int]

  public var count: Int { starts.last! }
  public var ranks: Int { starts.count - 1 }
  public func range(_ rank: Int) -> Range<Int> { starts[rank]..<starts[rank + 1] }

  public init(starts: [Int]) {
    precondition(starts.first == 0 && zip(starts, starts.dropFirst()).allSatisfy { $0 <= $1 })
    self.starts = starts
  }

  /// The rank that owns `row`. O(log ranks).
  public func owner(_ row: Int) -> Int {
    var lo = 0, hi = ranks - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if starts[mid] <= row { lo = mid } else { hi = mid - 1 }
    }
    return lo
  }

  static let maxBuckets = 1 << 16

  /// Bucket of `row` among `buckets` buckets over `count` rows.
  @inline(__always)
  static func bucket(_ row: Int, count: Int, buckets: Int) -> Int { row * buckets / count }
  /// First row of bucket `b` (the smallest row r with r * buckets / count >= b).
  @inline(__always)
  static func bucketStart(_ b: Int, count: Int, buckets: Int) -> Int { (b * count + buckets - 1) / buckets }

  /// The balanced partition of `count` rows given this rank's interactions
  /// by row (`rows`: the global row of each of its events).
  /// - Complexity: O(events + buckets) plus one all-reduce of `buckets` integers.
  /// `rowCost` adds that many interactions' worth of work per row (a
  /// solver's per-row cost in units of its per-pair cost: about k for CG,
  /// k/3 for the exact solver, b for the block solver), so that a rank of
  /// many light rows is not overloaded.
  static func balanced(count: Int, rows: [Int32], rowCost: Int = 0, comm: any Communicator) throws -> RowPartition {
    let p = comm.size
    guard count > 0 else { return RowPartition(starts: [Int](repeating: 0, count: p + 1)) }
    let buckets = min(count, maxBuckets)
    var local = [Int64](repeating: 0, count: buckets)
    for r in rows { local[bucket(Int(r), count: count, buckets: buckets)] += 1 }
    var hist = try comm.sum(local)
    if rowCost > 0 {
      for b in 0..<buckets {
        let n = bucketStart(b + 1, count: count, buckets: buckets) - bucketStart(b, count: count, buckets: buckets)
        hist[b] += Int64(n * rowCost)
      }
    }
    return cut(hist, count: count, ranks: p)
  }

  /// Cuts `hist` (interactions per bucket) into `ranks` ranges.
  static func cut(_ hist: [Int64], count: Int, ranks p: Int) -> RowPartition {
    let buckets = hist.count
    let total = hist.reduce(0, +)
    var starts = [0]
    var running: Int64 = 0
    var b = 0
    for q in 1..<p {
      // Cut where the running count comes closest to q/p of the total.
      let target = Double(total) * Double(q) / Double(p)
      while b < buckets && Double(running + hist[b]) <= target {
        running += hist[b]
        b += 1
      }
      if b < buckets && Double(running + hist[b]) - target < target - Double(running) {
        running += hist[b]
        b += 1
      }
      starts.append(max(starts.last!, bucketStart(b, count: count, buckets: buckets)))
    }
    starts.append(count)
    return RowPartition(starts: starts)
  }
}
