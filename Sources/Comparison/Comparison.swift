import Dispatch
import Evaluation
import IALS
import InteractionData
import LinearAlgebra
import TwoTower

/// The comparison of issue 6: iALS against in-batch softmax, logQ
/// correction, the serving-time popularity prior and the Gram regulariser,
/// on one dataset and protocol.
///
/// Protocol: a validation split is carved from the training split (a random
/// ``ComparisonConfig/validationFraction`` of each user's pairs, seeded);
/// each method fits every point of its grid on the validation training part
/// and is scored by ``ComparisonConfig/tuneMetric`` on the validation
/// pairs; the best point is refitted on the whole training split and
/// evaluated once on the test split. The test split never chooses anything.
/// Children reuse their parent's chosen temperature
/// (``ComparisonMethod/parent``); the prior evaluates softmax's chosen model
/// for every beta without refitting.
///
/// Cost: one fit per grid point plus one refit per method, one evaluation
/// per fit (O(|U_test| |I| d) each) and `epochs` small evaluations for the
/// learning curves.
public struct Comparison {
  public var config: ComparisonConfig
  /// Receives one line per grid point and per final fit.
  public var log: ((String) -> Void)?

  public init(config: ComparisonConfig, log: ((String) -> Void)? = nil) {
    self.config = config
    self.log = log
  }

  /// Runs every method of ``ComparisonConfig/methods``: tuning first (in
  /// dependency order), then the final fits, and returns all measurements.
  public func run(_ data: ComparisonData) throws -> ComparisonResults {
    let clock = ContinuousClock(), start = clock.now
    let session = try Session(config: config, data: data, log: log)
    var results: [MethodResult] = []
    // allCases lists every parent before its children, which is all the order tuning and finishing need.
    let methods = ComparisonMethod.allCases.filter(config.methods.contains)
    for m in methods { try session.tune(m) }
    for m in methods { results.append(try session.finish(m).result) }
    return ComparisonResults(data: session.summary(data.name), config: config, methods: results,
                            seconds: seconds(start.duration(to: clock.now)))
  }

  /// The same grid search for one method (its parent tuned first when it has
  /// one); returns its measurements and the final model (for `prior`, the
  /// softmax model with the chosen beta applied, ``Recommender/withPrior(exponent:)``).
  public func tune(_ method: ComparisonMethod, data: ComparisonData) throws -> (result: MethodResult, model: any Recommender) {
    var c = config
    c.methods = [method]
    let session = try Session(config: c, data: data, log: log)
    try session.tune(method)
    return try session.finish(method)
  }

}

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func wallSeconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
  let t0 = DispatchTime.now().uptimeNanoseconds
  let r = try body()
  return (r, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
}
