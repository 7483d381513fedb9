/// Recall of the test pairs whose item falls in one popularity bucket: of
/// the test pairs (u, i) with i in the bucket, the fraction with i in u's
/// top-K. Shows where in the popularity distribution a model finds its hits
/// (a model biased to popular items scores high in the last buckets only).
public struct PopularityBucketRecall: Sendable, Codable, Equatable {
  /// 1 = least popular items ... n = most popular.
  public var bucket: Int
  /// Items in the bucket.
  public var items: Int
  /// Training counts (users per item) of the bucket's least and most popular item.
  public var minCount: Int
  public var maxCount: Int
  /// Test pairs whose item is in the bucket, and how many of them were in the top-K.
  public var testPairs: Int
  public var hits: Int
  /// The cut-off K.
  public var cutoff: Int
  /// hits / testPairs (0 when the bucket has no test pair).
  public var recall: Double

  public init(bucket: Int, items: Int, minCount: Int, maxCount: Int, testPairs: Int, hits: Int, cutoff: Int, recall: Double) {
    self.bucket = bucket; self.items = items; self.minCount = minCount; self.maxCount = maxCount
    self.testPairs = testPairs; self.hits = hits; self.cutoff = cutoff; self.recall = recall
  }

  enum CodingKeys: String, CodingKey {
    case bucket, items, minCount = "min_count", maxCount = "max_count", testPairs = "test_pairs", hits, cutoff, recall
  }
}

/// Assigns items to `n` equal-sized popularity buckets and counts hits per
/// bucket (a micro-average over test pairs).
///
/// Items are ranked by training count, ties by index; item of rank r (from
/// 0, least popular first) goes to bucket `r * n / |I|`, so bucket sizes
/// differ by at most one.
struct PopularityBuckets {
  let bucketOf: [Int]
  let counts: [Int]
  var pairs: [Int]
  var hits: [Int]

  /// nil when `buckets <= 0` or there are no items. O(|I| log |I|).
  init?(counts: [Int], buckets: Int) {
    guard buckets > 0, !counts.isEmpty else { return nil }
    let n = min(buckets, counts.count)
    let order = counts.indices.sorted { (counts[$0], $0) < (counts[$1], $1) }
    var of = [Int](repeating: 0, count: counts.count)
    for (rank, item) in order.enumerated() { of[item] = rank * n / counts.count }
    bucketOf = of
    self.counts = counts
    pairs = [Int](repeating: 0, count: n)
    hits = pairs
  }

  mutating func add(item: Int, hit: Bool) {
    let b = bucketOf[item]
    pairs[b] += 1
    if hit { hits[b] += 1 }
  }

  func result(cutoff: Int) -> [PopularityBucketRecall] {
    var lo = [Int](repeating: Int.max, count: pairs.count), hi = [Int](repeating: 0, count: pairs.count)
    var size = [Int](repeating: 0, count: pairs.count)
    for (item, b) in bucketOf.enumerated() {
      lo[b] = min(lo[b], counts[item]); hi[b] = max(hi[b], counts[item]); size[b] += 1
    }
    return pairs.indices.map { b in
      PopularityBucketRecall(bucket: b + 1, items: size[b], minCount: lo[b], maxCount: hi[b], testPairs: pairs[b],
                             hits: hits[b], cutoff: cutoff,
                             recall: pairs[b] > 0 ? Double(hits[b]) / Double(pairs[b]) : 0)
    }
  }
}
