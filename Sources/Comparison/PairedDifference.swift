import LinearAlgebra

/// A paired difference of one metric between two methods, over seeds and
/// test users, with a 95% interval and a verdict in words.
///
/// Both methods are evaluated on the same test users of each seed's split,
/// so the difference is taken per user (`d_u = a_u - b_u`) and averaged:
/// the estimate is the mean over seeds of each seed's mean `d_u`. The
/// interval is a two-stage (hierarchical) percentile bootstrap: each
/// replicate draws the seeds with replacement and, within each drawn seed,
/// its users with replacement (Davison and Hinkley 1997, sec. 3.8). With one
/// seed only the users are resampled, so the interval then covers user
/// sampling but not the variation between splits and initialisations.
public struct PairedDifference: Sendable, Codable, Equatable {
  /// What is compared, e.g. "prior vs logQ (exact)".
  public var question: String
  /// The method whose metric is first (`a - b`), by its name
  /// (``ComparisonMethod`` or ``SequenceMethod`` raw value).
  public var a: String
  public var b: String
  public var metric: String
  /// Mean over seeds of the methods' test metric.
  public var meanA: Double
  public var meanB: Double
  /// `mean(a - b)`.
  public var difference: Double
  /// The 2.5% and 97.5% bootstrap quantiles of the difference.
  public var lower: Double
  public var upper: Double
  public var seeds: Int
  public var replicates: Int

  /// "better" when the interval lies above 0, "worse" below, else
  /// "not distinguishable".
  public var verdict: String {
    lower > 0 ? "better" : upper < 0 ? "worse" : "not distinguishable"
  }

  /// The difference relative to `b`'s mean, in percent.
  public var relative: Double { meanB != 0 ? 100 * difference / meanB : .nan }

  enum CodingKeys: String, CodingKey {
    case question, a, b, metric, difference, lower, upper, seeds, replicates
    case meanA = "mean_a", meanB = "mean_b"
  }

  /// The paired difference of per-user values: `valuesA[s][u]` and
  /// `valuesB[s][u]` are the metric of test user `u` in seed `s` (equal
  /// lengths within a seed). `replicates` bootstrap draws from `seed`.
  /// - Complexity: O(replicates x total users).
  public static func estimate(
    question: String, a: ComparisonMethod, b: ComparisonMethod, metric: String,
    valuesA: [[Double]], valuesB: [[Double]], replicates: Int = 2000, seed: UInt64 = 0xB007
  ) -> PairedDifference {
    estimate(question: question, a: a.rawValue, b: b.rawValue, metric: metric, valuesA: valuesA, valuesB: valuesB,
             replicates: replicates, seed: seed)
  }

  /// The same for methods named by strings.
  public static func estimate(
    question: String, a: String, b: String, metric: String,
    valuesA: [[Double]], valuesB: [[Double]], replicates: Int = 2000, seed: UInt64 = 0xB007
  ) -> PairedDifference {
    precondition(valuesA.count == valuesB.count && !valuesA.isEmpty, "one list of users per seed for both methods")
    let diffs = zip(valuesA, valuesB).map { pa, pb in
      precondition(pa.count == pb.count && !pa.isEmpty, "both methods need the same non-empty test users in a seed")
      return zip(pa, pb).map { $0 - $1 }
    }
    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    let seedMeans = diffs.map(mean)
    let estimate = mean(seedMeans)
    var rng = SeededGenerator(seed: seed, stream: 0xB0075)
    var draws = [Double]()
    draws.reserveCapacity(replicates)
    let s = diffs.count
    for _ in 0..<replicates {
      var total = 0.0
      for _ in 0..<s {
        let d = diffs[s == 1 ? 0 : Int.random(in: 0..<s, using: &rng)]
        var sum = 0.0
        for _ in 0..<d.count { sum += d[Int.random(in: 0..<d.count, using: &rng)] }
        total += sum / Double(d.count)
      }
      draws.append(total / Double(s))
    }
    draws.sort()
    func quantile(_ q: Double) -> Double {
      let x = q * Double(draws.count - 1)
      let lo = Int(x.rounded(.down)), hi = min(draws.count - 1, lo + 1)
      return draws[lo] + (draws[hi] - draws[lo]) * (x - Double(lo))
    }
    return PairedDifference(
      question: question, a: a, b: b, metric: metric, meanA: mean(valuesA.map(mean)), meanB: mean(valuesB.map(mean)),
      difference: estimate, lower: quantile(0.025), upper: quantile(0.975), seeds: s, replicates: replicates)
  }
}

/// Mean and standard error of each test metric of a method over seeds.
public struct MethodSummary: Sendable, Codable, Equatable {
  public var method: ComparisonMethod
  public var title: String
  /// Metric -> mean over seeds.
  public var mean: [String: Double]
  /// Metric -> standard error of the mean over seeds (`sd / sqrt(S)`,
  /// sample sd); absent with one seed.
  public var standardError: [String: Double]
  /// Each seed's value of each metric, in seed order.
  public var values: [String: [Double]]
  /// The setting chosen on each seed's validation split.
  public var choices: [String]

  enum CodingKeys: String, CodingKey {
    case method, title, mean, values, choices
    case standardError = "standard_error"
  }

  init(method: ComparisonMethod, title: String, perSeed: [MethodResult]) {
    self.method = method
    self.title = title
    (mean, standardError, values) = Self.statistics(perSeed.map(\.test))
    self.choices = perSeed.map(\.choice)
  }

  /// Per metric present in every seed: the mean, the standard error of the
  /// mean (sample sd / sqrt(seeds), only with two or more seeds) and the
  /// values in seed order.
  static func statistics(_ perSeed: [[String: Double]]) -> (mean: [String: Double], se: [String: Double], values: [String: [Double]]) {
    var mean: [String: Double] = [:], se: [String: Double] = [:], values: [String: [Double]] = [:]
    let keys = Set(perSeed.flatMap(\.keys))
    for k in keys {
      let v = perSeed.compactMap { $0[k] }
      guard v.count == perSeed.count else { continue }
      let m = v.reduce(0, +) / Double(v.count)
      mean[k] = m
      values[k] = v
      if v.count >= 2 {
        let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
        se[k] = (variance / Double(v.count)).squareRoot()
      }
    }
    return (mean, se, values)
  }
}
