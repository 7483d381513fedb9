import IALS
import LinearAlgebra
import TwoTower

/// Settings of the leave-one-out comparison (``SequenceComparison``): the
/// attention tower's shape and training, its early stopping, the grids and
/// the seeds.
public struct SequenceComparisonConfig: Sendable, Codable, Equatable {
  public var methods: [SequenceMethod] = SequenceMethod.allCases
  /// Base attention-tower settings (d, blocks, window, dropout, batch, the
  /// maximum epochs, Adam); the loss and its terms are set per method.
  /// Defaults: SASRec's shape (d = 64, 2 blocks, 1 head, window 50) with
  /// dropout 0.5, batch 128, Adam 0.001, at most 200 epochs.
  public var twoTower: TwoTowerConfig = {
    var c = TwoTowerConfig.recommendedSequence
    c.sequence!.dropout = 0.5
    return c
  }()
  /// Validation metrics every N epochs of an attention fit; the network with
  /// the best validation NDCG@10 is kept (this chooses the epoch count).
  public var evaluateEvery = 5
  /// Stop after this many evaluations without a better validation NDCG@10.
  public var patience = 4
  /// Base iALS settings (its factors are the tower's d); alpha0 and lambda from the grids.
  public var ials: IALSConfig = {
    var c = IALSConfig()
    c.regularizationExponent = 1
    return c
  }()
  public var ialsUnobservedWeights: [Float] = ComparisonGrids().ialsUnobservedWeights
  public var ialsRegularizations: [Float] = ComparisonGrids().ialsRegularizations
  /// attention-prior's beta grid (on attention-softmax's network).
  public var priorExponents: [Float] = ComparisonGrids().priorExponents
  /// The Gram weights lambda_g tried by attention-gram and attention-logq-gram.
  public var gramWeights: [Float] = [0.1]
  public var threads = Parallel.availableThreads
  public var seed: UInt64 = 1
  /// Seeds of the repetitions (each re-draws every initialisation, shuffle
  /// and sampled negative; the leave-one-out split itself is fixed by the
  /// data). Empty: ``seed`` only.
  public var seeds: [UInt64] = []
  /// Whether later seeds tune again or refit the first seed's choices
  /// (for the attention tower: its kept epoch count as well).
  public var retune: ComparisonConfig.Retune = .everySeed
  public var bootstrapReplicates = 2000
  /// Widenings of the iALS and beta grids past their edges.
  public var gridWidenings = 2

  /// The validation metric that chooses every setting (as the early stopping).
  public static let tuneMetric = "ndcg@10"

  public init() {}

  public var runSeeds: [UInt64] { seeds.isEmpty ? [seed] : seeds }
  public var dimension: Int { twoTower.embeddingDim }

  /// CI-sized: 2 epochs evaluated every epoch, 3 iALS epochs, one point per grid.
  public static func quick(_ base: SequenceComparisonConfig = SequenceComparisonConfig()) -> SequenceComparisonConfig {
    var c = base
    c.twoTower.epochs = min(c.twoTower.epochs, 2)
    c.evaluateEvery = 1
    c.ials.epochs = min(c.ials.epochs, 3)
    c.ialsUnobservedWeights = [0.1]
    c.ialsRegularizations = [0.1]
    c.priorExponents = [0, 0.5]
    c.gramWeights = [0.1]
    c.gridWidenings = 0
    return c
  }

  /// Throws ``ComparisonError/invalidConfig(_:)`` naming the first bad value.
  public func validate() throws(ComparisonError) {
    if methods.isEmpty { throw .invalidConfig("no methods selected") }
    guard twoTower.sequence != nil else { throw .invalidConfig("the leave-one-out comparison needs the attention tower's settings") }
    if twoTower.embeddingDim < 1 { throw .invalidConfig("dimension must be at least 1, got \(twoTower.embeddingDim)") }
    if twoTower.epochs < 1 { throw .invalidConfig("epochs must be at least 1, got \(twoTower.epochs)") }
    if evaluateEvery < 1 { throw .invalidConfig("--eval-every must be at least 1, got \(evaluateEvery)") }
    if patience < 1 { throw .invalidConfig("--patience must be at least 1, got \(patience)") }
    if threads < 1 { throw .invalidConfig("threads must be at least 1") }
    if Set(seeds).count != seeds.count { throw .invalidConfig("seeds must differ, got \(seeds)") }
    if gridWidenings < 0 { throw .invalidConfig("grid widenings must be >= 0, got \(gridWidenings)") }
    if bootstrapReplicates < 100 { throw .invalidConfig("bootstrap replicates must be at least 100, got \(bootstrapReplicates)") }
    func need(_ ok: Bool, _ what: String) throws(ComparisonError) { if !ok { throw .invalidConfig(what) } }
    try need(!ialsUnobservedWeights.isEmpty && ialsUnobservedWeights.allSatisfy { $0 >= 0 && $0.isFinite }, "iALS unobserved weights must be finite and >= 0")
    try need(!ialsRegularizations.isEmpty && ialsRegularizations.allSatisfy { $0 >= 0 && $0.isFinite }, "iALS regularisations must be finite and >= 0")
    try need(!priorExponents.isEmpty && priorExponents.allSatisfy(\.isFinite), "prior exponents must be finite")
    try need(!gramWeights.isEmpty && gramWeights.allSatisfy { $0 > 0 && $0.isFinite }, "Gram weights must be finite and > 0")
  }
}
