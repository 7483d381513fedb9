import LinearAlgebra

/// The per-block work of ``SyntheticData/generate(_:threads:)``: scores of a
/// block of users by sgemm, then each user's draws without replacement.
struct BlockSampler: Sendable {
  let userFactors: Matrix
  let itemFactors: Matrix
  let logPopularity: [Float]
  let inverseTemperature: Float
  let seed: UInt64
  let blockRows: Int

  /// Samples the users of block `block` into `output[offsets[u]..<offsets[u+1]]`.
  func sample(
    block: Int, scores: UnsafeMutablePointer<Float>, offsets: [Int], counts: [Int],
    output: UnsafeMutablePointer<Int32>
  ) {
    let items = itemFactors.rows, k = userFactors.columns
    let lo = block * blockRows, hi = min(userFactors.rows, lo + blockRows)
    userFactors.storage.withUnsafeBufferPointer { u in
      itemFactors.storage.withUnsafeBufferPointer { v in
        BLAS.sgemm(transB: true, m: hi - lo, n: items, k: k, a: u.baseAddress! + lo * k, lda: k,
                   b: v.baseAddress!, ldb: k, c: scores, ldc: items)
      }
    }
    var tree = FenwickSampler(count: items)
    var weights = [Double](repeating: 0, count: items)
    for user in lo..<hi {
      weights.withUnsafeMutableBufferPointer { w in
        logPopularity.withUnsafeBufferPointer { lp in
          Self.weights(row: scores + (user - lo) * items, logPopularity: lp, scale: inverseTemperature, into: w)
        }
      }
      var rng = SeededGenerator(seed: seed, stream: UInt64(user))
      tree.drawWithoutReplacement(
        counts[user], weights: weights, into: output + offsets[user], rng: &rng)
    }
  }

  /// w[i] = exp(row[i]·scale + logPopularity[i] − max), the sampling weights
  /// of one user relative to their largest, floored at a tiny positive value
  /// so every item stays drawable. O(|I|).
  static func weights(
    row: UnsafeMutablePointer<Float>, logPopularity: UnsafeBufferPointer<Float>, scale: Float,
    into w: UnsafeMutableBufferPointer<Double>
  ) {
    let n = logPopularity.count
    assert(w.count == n)
    var maxKey = -Float.infinity
    for i in 0..<n {
      let key = row[i] * scale + logPopularity[i]
      row[i] = key
      maxKey = max(maxKey, key)
    }
    for i in 0..<n { w[i] = max(Double(expf(row[i] - maxKey)), 1e-300) }
  }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
