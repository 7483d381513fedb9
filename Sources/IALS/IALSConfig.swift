import LinearAlgebra
import InteractionData

/// How an observed weight `r` (a count, a rating, or 1) becomes a confidence.
public enum ConfidenceMode: String, Sendable, CaseIterable, Codable {
  /// Every observed pair counts the same: `c = 1` (``ALSFormulation/rendle``)
  /// or `c = alpha` (``ALSFormulation/hu``).
  case binary
  /// `c = 1 + alpha * r` (rendle) or `c = alpha * r` (hu, as implicit has it).
  case linear
  /// `c = 1 + alpha * log(1 + r / eps)` (Hu, Koren, Volinsky 2008), both formulations.
  case log
}

/// Which loss the solvers minimise. Both are solved by the same code: each
/// row solves `(alpha0 G + sum_i a_i h_i h_iᵀ + lambda_u I) w = sum_i b_i h_i`
/// with per-pair coefficients `a_i`, `b_i` given here.
///
/// - `rendle` (Rendle, Zhang, Koren, "Revisiting the Performance of iALS on
///   Item Recommendation Benchmarks", RecSys 2022, with confidences):
///   `L = sum_S c (s - 1)² + alpha0 sum_{U x I} s² + reg`, so `a = b = c`.
/// - `hu` (Hu, Koren, Volinsky, ICDM 2008, as benfred/implicit solves it):
///   the unobserved weight covers only the unobserved pairs,
///   `L = sum_S c (s - 1)² + alpha0 sum_{(U x I) \ S} s² + reg`, so
///   `a = c - alpha0`, `b = c`. implicit's `AlternatingLeastSquares(alpha,
///   regularization)` is `hu` with `alpha0 = 1`, `lambda = regularization`,
///   `nu = 0`, confidence `linear` (`c = alpha * r`) and the same alpha.
///
/// The two map onto each other: `hu` with confidence `c` is `rendle` with
/// confidence `c - alpha0` on the observed pairs and the observed target
/// `c / (c - alpha0)` instead of 1 (same normal equations up to that target).
public enum ALSFormulation: String, Sendable, CaseIterable, Codable {
  case rendle
  case hu
}

/// How each row's k x k system is solved.
public enum ALSSolver: String, Sendable, CaseIterable, Codable {
  /// Cholesky on the formed system (blocked rank-k accumulation).
  case exact
  /// `cgSteps` conjugate-gradient steps warm-started from the previous row,
  /// the system never formed (Takács, Pilászy, Tikk 2011; implicit's default).
  case cg
  /// iALS++ block coordinate descent over blocks of `blockSize` coordinates
  /// (Rendle, Krichene, Zhang, Koren 2021). With `blockSize >= factors` it is `exact`.
  case block
}

/// What a row's regularisation grows with (``IALSConfig/regularizationExponent`` nu).
public enum RegularizationScaling: String, Sendable, CaseIterable, Codable {
  /// `lambda (n_u + alpha0 |I|)^nu`: the row's total weight (Rendle et al. 2022).
  case total
  /// `lambda n_u^nu`: the observed count only, ALS-WR (Zhou et al. 2008);
  /// with nu = 1 this is Spark MLlib's implicit ALS (`regParam * n_u`).
  case observed
}

/// Hyperparameters of ``IALSModel/fit(_:userIds:itemIds:config:onEpoch:)``.
///
/// Regularisation of a row with `n` observations on the other side's `N`
/// rows is `lambda_u = regularization * (n + unobservedWeight * N)^regularizationExponent`
/// (Rendle et al. 2022's frequency-scaled regularisation; `nu = 0` is plain L2),
/// or `regularization * n^regularizationExponent` with ``regularizationScaling`` `.observed`.
public struct IALSConfig: Sendable, Codable, Equatable {
  /// Embedding dimension k.
  public var factors = 64
  /// Number of epochs (one user half-step then one item half-step each).
  public var epochs = 15
  /// lambda.
  public var regularization: Float = 0.01
  /// nu.
  public var regularizationExponent: Float = 0
  /// The base that nu scales: nil or `.total` is `n + alpha0 N`, `.observed`
  /// is `n` (optional so that model files written before it still load).
  public var regularizationScaling: RegularizationScaling? = nil
  /// alpha0, the weight of the unobserved (or all) pairs.
  public var unobservedWeight: Float = 1
  public var confidence: ConfidenceMode = .binary
  public var alpha: Float = 1
  public var eps: Float = 1
  public var formulation: ALSFormulation = .rendle
  /// Initial factors are N(0, (initStd / sqrt(k))²).
  public var initStd: Float = 0.1
  public var solver: ALSSolver = .exact
  public var cgSteps = 3
  /// Block size b of the `block` solver; values above ``factors`` act as
  /// ``factors`` (one block: the exact solve), see ``effectiveBlockSize``.
  public var blockSize = 128
  /// The block size the solver uses: `min(blockSize, factors)`.
  public var effectiveBlockSize: Int { min(blockSize, factors) }
  /// Worker threads; with the seed, fixes the result bit for bit.
  public var threads = Parallel.availableThreads
  public var seed: UInt64 = 1

  public init() {}

  /// The largest k accepted: the widest matrix a model file holds.
  public static let maxFactors = ModelContainer.maxColumns

  /// The bytes a fit holds at once, roughly: both factor matrices and the
  /// fold of their copies, the k x k Gram matrix and one k x k system (or
  /// block) per thread, and the user-major and item-major copies of the
  /// pairs (index and weight, 8 bytes each side). Saturates instead of
  /// overflowing; compared with ``MemoryBudget`` before allocating.
  public func estimatedBytes(users: Int, items: Int, pairs: Int) -> Int {
    let M = MemoryBudget.self
    let k = factors, b = min(blockSize, k)
    // The factors, a copy for the model, and the fixed side's huge-page copy.
    let factorBytes = M.product(3, M.sum(users, items), k, 4)
    // k x k systems, and the CG solver's gathered rows (768 KB a worker).
    let systems = M.sum(M.product(M.sum(threads, 2), k, k, 4), M.product(threads, 786_432))
    let blocks = solver == .block ? M.product(threads, b, M.sum(b, k), 4) : 0
    return M.sum(factorBytes, systems, blocks, M.product(pairs, 16))
  }

  /// Throws ``IALSError/invalidConfig(_:)`` naming the first bad value.
  public func validate() throws(IALSError) {
    func bad(_ s: String) -> IALSError { .invalidConfig(s) }
    if factors < 1 { throw bad("factors must be at least 1, got \(factors)") }
    if factors > Self.maxFactors { throw bad("factors must be at most \(Self.maxFactors), got \(factors)") }
    if blockSize > Self.maxFactors { throw bad("block size must be at most \(Self.maxFactors), got \(blockSize)") }
    if cgSteps > 10_000 { throw bad("cg steps must be at most 10000, got \(cgSteps)") }
    if threads > 4096 { throw bad("threads must be at most 4096, got \(threads)") }
    if epochs < 0 { throw bad("epochs must be non-negative, got \(epochs)") }
    if !(regularization >= 0) { throw bad("regularization must be >= 0, got \(regularization)") }
    if !regularizationExponent.isFinite { throw bad("regularization exponent must be finite") }
    if !(unobservedWeight >= 0) { throw bad("unobserved weight must be >= 0, got \(unobservedWeight)") }
    if !(alpha >= 0) || !alpha.isFinite { throw bad("alpha must be finite and >= 0, got \(alpha)") }
    if !(eps > 0) { throw bad("eps must be > 0, got \(eps)") }
    if !(initStd >= 0) { throw bad("init std must be >= 0, got \(initStd)") }
    if cgSteps < 1 { throw bad("cg steps must be at least 1, got \(cgSteps)") }
    if blockSize < 1 { throw bad("block size must be at least 1, got \(blockSize)") }
    if threads < 1 { throw bad("threads must be at least 1, got \(threads)") }
    if regularization == 0 && unobservedWeight == 0 {
      throw bad("regularization and unobserved weight are both 0: the systems are singular; set the regularization above 0")
    }
  }

  /// The confidence of an observed weight `r` under this config.
  @inlinable
  public func confidence(_ r: Float) -> Float {
    switch (confidence, formulation) {
    case (.binary, .rendle): return 1
    case (.binary, .hu): return alpha
    case (.linear, .rendle): return 1 + alpha * r
    case (.linear, .hu): return alpha * r
    case (.log, _): return 1 + alpha * _logf(1 + r / eps)
    }
  }

  /// The per-pair coefficients `(a, b)` of the normal equations (see
  /// ``ALSFormulation``) for an observed weight `r`.
  @inlinable
  public func coefficients(_ r: Float) -> (a: Float, b: Float) {
    let c = confidence(r)
    switch formulation {
    case .rendle: return (c, c)
    case .hu: return (c - unobservedWeight, c)
    }
  }

  /// lambda_u for a row with `n` observations against `others` rows.
  @inlinable
  public func rowRegularization(observed n: Int, others: Int) -> Float {
    if regularizationExponent == 0 { return regularization }
    // A row with no observations keeps lambda under `.observed` (never 0).
    let base = regularizationScaling == .observed
      ? Double(Swift.max(n, 1)) : Double(n) + Double(unobservedWeight) * Double(others)
    return Float(Double(regularization) * _pow(base, Double(regularizationExponent)))
  }
}

/// One epoch's record: wall seconds of its two half-steps and the exact loss
/// after it (computed with the Gram trick, not counted in `seconds`).
/// `userSeconds` and `itemSeconds` split `seconds` by half-step (each
/// includes its Gram matrix), so a profile can say which side is slow.
public struct EpochReport: Sendable, Codable, Equatable {
  public var epoch: Int
  public var seconds: Double
  public var loss: Double
  public var userSeconds: Double?
  public var itemSeconds: Double?
  public init(epoch: Int, seconds: Double, loss: Double, userSeconds: Double? = nil, itemSeconds: Double? = nil) {
    self.epoch = epoch; self.seconds = seconds; self.loss = loss
    self.userSeconds = userSeconds; self.itemSeconds = itemSeconds
  }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _logf(_ x: Float) -> Float { Glibc.logf(x) }
@usableFromInline func _pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
#else
import Foundation
@usableFromInline func _logf(_ x: Float) -> Float { Foundation.logf(x) }
@usableFromInline func _pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
#endif
