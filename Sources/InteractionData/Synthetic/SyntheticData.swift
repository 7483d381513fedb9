import LinearAlgebra

/// A seeded generator of implicit-feedback data with a realistic shape and
/// a structure that a factorisation model can learn (the same model as the
/// project's peer script `shared/bench/synthetic.py`, written afresh):
///
/// - item popularity: pop(i) = rank(i)^−popularityExponent, ranks assigned to
///   item ids at random (ids say nothing about popularity);
/// - latent factors: user and item vectors ~ N(0, I/√rank), so <u, v> has
///   unit variance;
/// - user activity: n(u) from ``SyntheticData/userCounts(users:total:exponent:cap:rng:)``,
///   summing exactly to `interactions`, each in [1, cap];
/// - choices: user u draws n(u) distinct items without replacement with
///   probability ∝ pop(i)·exp(<u, v_i>/T) (successive, Plackett–Luce
///   sampling), done exactly with a Fenwick tree of the remaining weights.
///
/// Events come user by user in draw order; `timestamps` hold the draw
/// position (so leave-last-out has a time to use); weights are 1; ids are
/// "u0", "u1", ... and "i0", "i1", ... with dense index = the number.
public enum SyntheticData {
  /// Generates the data set described by `c`. The result is identical for
  /// any `threads` (each user draws from its own random stream).
  ///
  /// - Complexity: O(|U|·|I|·rank) flops for the scores (sgemm in blocks)
  ///   plus O(|U|·|I| + interactions·log |I|) for the sampling; memory
  ///   O(interactions + threads·block·|I|).
  public static func generate(_ c: SyntheticConfig, threads: Int = 1) -> Interactions {
    precondition(c.users >= 1 && c.items >= 1 && c.rank >= 1, "users, items and rank must be >= 1")
    var rng = SeededGenerator(seed: c.seed)
    var popularityRank = Array(0..<c.items)
    popularityRank.shuffle(using: &rng)
    let logPopularity = popularityRank.map { Float(-c.popularityExponent * log(Double($0 + 1))) }
    let scale = pow(Double(c.rank), -0.25)
    let userFactors = normalMatrix(rows: c.users, columns: c.rank, scale: scale, rng: &rng)
    let itemFactors = normalMatrix(rows: c.items, columns: c.rank, scale: scale, rng: &rng)
    let counts = userCounts(users: c.users, total: c.interactions, exponent: c.activityExponent, cap: c.cap, rng: &rng)
    var starts = [Int](repeating: 0, count: c.users + 1)
    for u in 0..<c.users { starts[u + 1] = starts[u] + counts[u] }
    let offsets = starts

    var items = [Int32](repeating: 0, count: c.interactions)
    let blockRows = max(1, min(c.users, (1 << 22) / c.items))
    let blocks = (c.users + blockRows - 1) / blockRows
    let workers = max(1, min(threads, blocks))
    let sampler = BlockSampler(
      userFactors: userFactors, itemFactors: itemFactors, logPopularity: logPopularity,
      inverseTemperature: Float(1 / c.temperature), seed: c.seed, blockRows: blockRows)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * blockRows * c.items)
    defer { scratch.deallocate() }
    let scores = SendablePointer(scratch)
    items.withUnsafeMutableBufferPointer { out in
      let output = SendablePointer(out.baseAddress!)
      BLAS.withThreads(1) {
        Parallel.forEach(blocks, threads: workers, grain: 1) { b, worker in
          sampler.sample(
            block: b, scores: scores.base + worker * blockRows * c.items,
            offsets: offsets, counts: counts, output: output.base)
        }
      }
    }
    var users = [Int32](repeating: 0, count: c.interactions)
    var timestamps = [Int64](repeating: 0, count: c.interactions)
    for u in 0..<c.users {
      for (j, e) in (offsets[u]..<offsets[u + 1]).enumerated() {
        users[e] = Int32(u)
        timestamps[e] = Int64(j)
      }
    }
    return Interactions(
      users: users, items: items, weights: [Float](repeating: 1, count: c.interactions),
      timestamps: timestamps,
      userIds: IdMap(names: (0..<c.users).map { "u\($0)" }),
      itemIds: IdMap(names: (0..<c.items).map { "i\($0)" }))
  }

  /// A `rows x columns` matrix of N(0, scale²) entries.
  static func normalMatrix(rows: Int, columns: Int, scale: Double, rng: inout SeededGenerator) -> Matrix {
    var m = Matrix(rows: rows, columns: columns)
    for j in 0..<m.storage.count { m.storage[j] = Float(rng.nextNormal() * scale) }
    return m
  }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
