import Evaluation

/// One named hyperparameter value of a grid point.
public struct Parameter: Sendable, Codable, Equatable {
  public var name: String
  public var value: Double
  public init(_ name: String, _ value: Double) { self.name = name; self.value = value }
}

/// A grid point: parameter values in a fixed order, e.g. `tau=0.2 lambda_g=5`.
public struct Setting: Sendable, Codable, Equatable, CustomStringConvertible {
  public var parameters: [Parameter]
  public init(_ parameters: [Parameter] = []) { self.parameters = parameters }

  public subscript(name: String) -> Double? { parameters.first { $0.name == name }?.value }

  /// `tau=0.2 lambda_g=5` (shortest decimal form), or `-` when empty.
  public var description: String {
    parameters.isEmpty ? "-" : parameters.map { "\($0.name)=\(Self.format($0.value))" }.joined(separator: " ")
  }

  /// The shortest readable form of a grid value (`5`, `0.2`, `1e-04`).
  public static func format(_ v: Double) -> String {
    let f = Float(v)
    return f == f.rounded() && abs(f) < 1e6 ? String(Int(f)) : "\(f)"
  }
}

/// One fit (or evaluation) of a grid point on the validation split.
public struct Trial: Sendable, Codable, Equatable {
  public var setting: Setting
  /// Validation metrics (recall/ndcg at the tune cut-off).
  public var metrics: [String: Double]
  /// Wall seconds of the fit (0 for evaluation-only grids such as beta).
  public var fitSeconds: Double

  enum CodingKeys: String, CodingKey { case setting, metrics, fitSeconds = "fit_seconds" }
}

/// Test recall after each epoch of the final fit, on a sample of test users.
public struct CurvePoint: Sendable, Codable, Equatable {
  public var epoch: Int
  public var value: Double
}

/// Everything measured for one method.
public struct MethodResult: Sendable, Codable, Equatable {
  public var method: ComparisonMethod
  public var title: String
  /// Every grid point tried on the validation split, in grid order.
  public var trials: [Trial]
  /// The chosen grid point (best validation metric; ties: the first).
  public var chosen: Setting
  /// Parameters taken from the parent method's choice, e.g. `tau`.
  public var inherited: Setting
  /// Test metrics of the chosen setting refitted on the whole training split.
  public var test: [String: Double]
  public var popularityBuckets: [PopularityBucketRecall]
  /// The metric after each epoch (empty for popularity).
  public var curve: [CurvePoint]
  /// Wall seconds of the final fit on the whole training split.
  public var fitSeconds: Double
  /// Wall seconds of the whole method (grid, refit, evaluations).
  public var totalSeconds: Double
  /// Two-tower throughput of the final fit (nil for popularity and iALS).
  public var examplesPerSecond: Double?
  /// Extra facts for the report (e.g. the lambda_g an alpha0 maps to).
  public var notes: [String]
  /// Each test user's `recall@K` / `ndcg@K` (increasing user index), for
  /// the paired intervals; not encoded (as long as the test set).
  public var perUser: [String: [Double]] = [:]

  /// The chosen setting with what was inherited, e.g. `lambda_g=5, tau=1 (from softmax)`, or `-`.
  public var choice: String {
    var parts: [String] = []
    if !chosen.parameters.isEmpty { parts.append(chosen.description) }
    if !inherited.parameters.isEmpty, let p = method.parent { parts.append("\(inherited) (from \(p.rawValue))") }
    return parts.isEmpty ? "-" : parts.joined(separator: ", ")
  }

  enum CodingKeys: String, CodingKey {
    case method, title, trials, chosen, inherited, test, curve, notes
    case popularityBuckets = "popularity_buckets", fitSeconds = "fit_seconds", totalSeconds = "total_seconds"
    case examplesPerSecond = "examples_per_second"
  }
}

/// The sizes of the data a comparison ran on.
public struct ComparisonDataSummary: Sendable, Codable, Equatable {
  public var name: String
  public var users: Int
  public var items: Int
  public var trainPairs: Int
  public var testPairs: Int
  public var testUsers: Int
  public var validationTrainPairs: Int
  public var validationPairs: Int
  public var validationUsers: Int

  enum CodingKeys: String, CodingKey {
    case name, users, items
    case trainPairs = "train_pairs", testPairs = "test_pairs", testUsers = "test_users"
    case validationTrainPairs = "validation_train_pairs", validationPairs = "validation_pairs"
    case validationUsers = "validation_users"
  }
}

/// The whole comparison: what ran, on what, and every number measured.
public struct ComparisonResults: Sendable, Codable, Equatable {
  public var data: ComparisonDataSummary
  public var config: ComparisonConfig
  public var methods: [MethodResult]
  /// Wall seconds of the whole run.
  public var seconds: Double
  /// The command line that produced it, when run from the CLI.
  public var command: String? = nil
  /// Methods that were asked for but could not run, and why.
  public var notes: [String] = []
  /// The seeds run (each re-draws the split when the data allow it, and
  /// the initialisation); ``methods`` and ``data`` are the first seed's.
  public var seeds: [UInt64] = []
  /// Mean and standard error over seeds of each method's test metrics.
  public var summary: [MethodSummary] = []
  /// The discussion's questions as paired differences with 95% intervals.
  public var differences: [PairedDifference] = []

  public init(data: ComparisonDataSummary, config: ComparisonConfig, methods: [MethodResult], seconds: Double,
              command: String? = nil, notes: [String] = []) {
    self.data = data; self.config = config; self.methods = methods; self.seconds = seconds
    self.command = command; self.notes = notes
  }

  enum CodingKeys: String, CodingKey { case data, config, methods, seconds, command, notes, seeds, summary, differences }

  /// Reads results of every version (those written before seeds existed have one run).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(data: try c.decode(ComparisonDataSummary.self, forKey: .data), config: try c.decode(ComparisonConfig.self, forKey: .config),
              methods: try c.decode([MethodResult].self, forKey: .methods), seconds: try c.decode(Double.self, forKey: .seconds),
              command: try c.decodeIfPresent(String.self, forKey: .command),
              notes: try c.decodeIfPresent([String].self, forKey: .notes) ?? [])
    seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? [config.seed]
    summary = try c.decodeIfPresent([MethodSummary].self, forKey: .summary) ?? methods.map {
      MethodSummary(method: $0.method, title: $0.title, perSeed: [$0])
    }
    differences = try c.decodeIfPresent([PairedDifference].self, forKey: .differences) ?? []
  }

  /// The summary row of `method`.
  public func summary(of method: ComparisonMethod) -> MethodSummary? { summary.first { $0.method == method } }

  public subscript(method: ComparisonMethod) -> MethodResult? { methods.first { $0.method == method } }
}
