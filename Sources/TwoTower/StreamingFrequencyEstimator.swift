/// The streaming item-frequency estimator of Yi et al., "Sampling-bias-
/// corrected neural modeling for large corpus item recommendations"
/// (RecSys 2019), Algorithm 2: two hashed arrays, `A[h]` the last step at
/// which an item hashing to h was seen and `B[h]` an exponential moving
/// average (rate alpha) of the number of steps between its sightings. The
/// probability that the item appears in a step is estimated as `1 / B[h]`.
///
/// Within a step, an item's repeats count once (the estimate is the chance
/// that it appears in a batch). At an item's first sighting `B[h]` is set to
/// the full gap since step 0 (Yi et al. start from 0 and let the average
/// climb, which overstates early probabilities).
/// - Complexity: O(1) per observation, memory 2·buckets words.
public struct StreamingFrequencyEstimator: Sendable {
  public let buckets: Int
  public let rate: Float
  private var lastStep: [Int64]
  private var gap: [Float]

  public init(buckets: Int, rate: Float) {
    precondition(buckets >= 1 && rate > 0 && rate <= 1)
    self.buckets = buckets
    self.rate = rate
    lastStep = [Int64](repeating: 0, count: buckets)
    gap = [Float](repeating: 0, count: buckets)
  }

  /// The hash bucket of an item (multiplicative hashing).
  @inline(__always)
  public func bucket(_ item: Int32) -> Int {
    Int(((UInt64(UInt32(bitPattern: item)) &* 0x9E37_79B9_7F4A_7C15) >> 11) % UInt64(buckets))
  }

  /// Records the items seen at step `t` (t >= 1, increasing).
  public mutating func observe<S: Sequence>(_ items: S, step t: Int) where S.Element == Int32 {
    let t64 = Int64(t)
    for item in items {
      let h = bucket(item)
      let last = lastStep[h]
      if last == t64 { continue }
      let delta = Float(t64 - last)
      gap[h] = last == 0 ? delta : (1 - rate) * gap[h] + rate * delta
      lastStep[h] = t64
    }
  }

  /// The estimated probability that `item` appears in a step, `1 / B[h]`
  /// (at most 1; 0 for items never seen).
  public func probability(_ item: Int32) -> Float {
    let g = gap[bucket(item)]
    return g > 0 ? min(1, 1 / g) : 0
  }
}
