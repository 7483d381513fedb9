/// Settings of an EASE fit (Steck, "Embarrassingly Shallow Autoencoders for
/// Sparse Data", WWW 2019).
public struct EASEConfig: Sendable, Codable, Equatable {
  /// L2 weight lambda on the item-item weights: the diagonal added to the
  /// Gram matrix `X^T X` before it is inverted. Steck reports 500 on ML-20M
  /// and Netflix; smaller catalogues usually want 10-500 (tune it).
  public var regularization: Float = 200
  /// The largest catalogue a fit accepts. EASE holds a dense `I x I` float32
  /// matrix (4 I^2 bytes: 3.6 GB at 30,000 items) and inverts it in
  /// O(I^3) flops (about a minute at 30,000 items on 2 cores), so this is a
  /// ceiling against accidents; raise it deliberately (the memory budget is
  /// still checked).
  public var maxItems = 30_000
  /// Worker threads for the Gram matrix and LAPACK.
  public var threads = 1

  public init() {}

  public init(regularization: Float, maxItems: Int = 30_000, threads: Int = 1) {
    self.regularization = regularization
    self.maxItems = maxItems
    self.threads = threads
  }

  /// Throws ``EASEError/invalidConfig(_:)`` naming the parameter.
  public func validate() throws(EASEError) {
    guard regularization.isFinite, regularization > 0 else {
      throw .invalidConfig("regularization (lambda) must be a finite number > 0, got \(regularization)")
    }
    guard maxItems >= 1 else { throw .invalidConfig("maxItems must be at least 1, got \(maxItems)") }
    guard threads >= 1 else { throw .invalidConfig("threads must be at least 1, got \(threads)") }
  }
}
