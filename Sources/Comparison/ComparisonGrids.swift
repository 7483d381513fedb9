/// The hyperparameter grids searched on the validation split. Each method
/// grids only its own parameters (``ComparisonMethod/parent`` supplies the
/// temperature otherwise); the report states every grid.
public struct ComparisonGrids: Sendable, Codable, Equatable {
  /// Softmax temperature tau (softmax, logq-exact; and any child run without its parent).
  public var temperatures: [Float] = [0.1, 0.3, 1, 3, 10, 30]
  /// Prior exponent beta: `score = <u, v> + beta log P(d)` (evaluations of one model, no refit).
  public var priorExponents: [Float] = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5]
  /// lambda_g of the Gram term added to softmax (gram, logq-gram; SOGram estimate).
  public var gramWeights: [Float] = [0.3, 1, 3, 10, 30, 100]
  /// MSE + Gram, in iALS units: the unobserved weight alpha0 per pair. The
  /// two-tower weight is `lambda_g = alpha0 |U| |I| / N` (N training pairs),
  /// which makes the per-example loss `1/N` times iALS's
  /// `sum_S (s - 1)^2 + alpha0 sum_{U x I} s^2`.
  public var mseUnobservedWeights: [Float] = [0.01, 0.03, 0.1, 0.3, 1]
  /// Uniformly sampled extra negatives per batch (mixed).
  public var mixedNegatives: [Int] = [256, 1024]
  /// iALS alpha0 (unobserved weight) x lambda (regularisation, frequency-scaled with nu = 1).
  public var ialsUnobservedWeights: [Float] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
  public var ialsRegularizations: [Float] = [0.003, 0.01, 0.03, 0.1]
  /// EASE's L2 weight lambda (one `I x I` inversion each).
  public var easeRegularizations: [Float] = [10, 30, 100, 300, 1000, 3000]

  public init() {}

  enum CodingKeys: String, CodingKey {
    case temperatures, priorExponents, gramWeights, mseUnobservedWeights, mixedNegatives, ialsUnobservedWeights
    case ialsRegularizations, easeRegularizations
  }

  /// Grids of results.json files written before a grid existed get its default.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = ComparisonGrids()
    temperatures = try c.decodeIfPresent([Float].self, forKey: .temperatures) ?? d.temperatures
    priorExponents = try c.decodeIfPresent([Float].self, forKey: .priorExponents) ?? d.priorExponents
    gramWeights = try c.decodeIfPresent([Float].self, forKey: .gramWeights) ?? d.gramWeights
    mseUnobservedWeights = try c.decodeIfPresent([Float].self, forKey: .mseUnobservedWeights) ?? d.mseUnobservedWeights
    mixedNegatives = try c.decodeIfPresent([Int].self, forKey: .mixedNegatives) ?? d.mixedNegatives
    ialsUnobservedWeights = try c.decodeIfPresent([Float].self, forKey: .ialsUnobservedWeights) ?? d.ialsUnobservedWeights
    ialsRegularizations = try c.decodeIfPresent([Float].self, forKey: .ialsRegularizations) ?? d.ialsRegularizations
    easeRegularizations = try c.decodeIfPresent([Float].self, forKey: .easeRegularizations) ?? d.easeRegularizations
  }

  /// One or two points per grid, for CI-sized runs.
  public static var quick: ComparisonGrids {
    var g = ComparisonGrids()
    g.temperatures = [0.2, 1]
    g.priorExponents = [0, 0.5, 1]
    g.gramWeights = [2]
    g.mseUnobservedWeights = [0.1]
    g.mixedNegatives = [64]
    g.ialsUnobservedWeights = [0.1]
    g.ialsRegularizations = [0.01, 0.1]
    g.easeRegularizations = [30, 300]
    return g
  }

  func validate() throws(ComparisonError) {
    func need(_ ok: Bool, _ what: String) throws(ComparisonError) { if !ok { throw .invalidConfig(what) } }
    try need(!temperatures.isEmpty && temperatures.allSatisfy { $0 > 0 && $0.isFinite }, "temperatures must be a non-empty list of values > 0")
    try need(!priorExponents.isEmpty && priorExponents.allSatisfy(\.isFinite), "prior exponents must be a non-empty list of finite values")
    try need(!gramWeights.isEmpty && gramWeights.allSatisfy { $0 >= 0 && $0.isFinite }, "Gram weights must be a non-empty list of values >= 0")
    try need(!mseUnobservedWeights.isEmpty && mseUnobservedWeights.allSatisfy { $0 > 0 && $0.isFinite }, "MSE + Gram alpha0 values must be > 0")
    try need(!mixedNegatives.isEmpty && mixedNegatives.allSatisfy { $0 >= 1 }, "mixed negative counts must be >= 1")
    try need(!ialsUnobservedWeights.isEmpty && ialsUnobservedWeights.allSatisfy { $0 >= 0 && $0.isFinite }, "iALS alpha0 values must be >= 0")
    try need(!ialsRegularizations.isEmpty && ialsRegularizations.allSatisfy { $0 >= 0 && $0.isFinite }, "iALS lambda values must be >= 0")
    try need(!easeRegularizations.isEmpty && easeRegularizations.allSatisfy { $0 > 0 && $0.isFinite }, "EASE lambda values must be > 0")
  }
}
