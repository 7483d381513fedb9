import Foundation
import LinearAlgebra

/// A hierarchical navigable small-world graph (Malkov & Yashunin, "Efficient
/// and robust approximate nearest neighbor search using Hierarchical
/// Navigable Small World graphs", IEEE TPAMI 2018) for maximum inner product
/// search over item vectors.
///
/// Each item gets a level `floor(-ln U · mL)`, `mL = 1/ln M`; on every level
/// up to its own it links to at most `M` (level 0: `2M`) neighbours chosen by
/// the paper's heuristic (Algorithm 4). A query descends greedily through the
/// upper levels and runs a best-first search with a candidate list of `ef`
/// on level 0. Build costs about O(n · efConstruction · log n) distance
/// evaluations, a query O(ef · log n) on data of low intrinsic dimension.
///
/// Two metrics (``Metric``): the inner product itself, as hnswlib's `ip`
/// space, and the norm augmentation of Bachrach et al. (RecSys 2014).
/// Queries always rank by `<q, x>`; the metric decides how the graph is built.
///
/// The type is a value: copies share storage until one of them adds items
/// (copy on write). Searching is thread-safe; adding is not (it is itself
/// parallel, see ``add(_:threads:)``).
public struct HNSWIndex: Sendable {
  /// How the graph measures closeness between items while it is built.
  public enum Metric: String, Sendable, CaseIterable {
    /// `d(x, y) = -<x, y>` (hnswlib's `ip` space, `1 - <x, y>`, up to a
    /// constant). Not a metric: an item can be closer to a long vector than
    /// to itself; the graph still works well on recommendation factors.
    case innerProduct = "ip"
    /// Bachrach et al. 2014: items become `[sqrt(phi² - |x|²), x]` with
    /// `phi = max |x|`, queries `[0, q]`; then
    /// `|[0,q] - [a,x]|² = phi² + |q|² - 2<q, x>`, so the Euclidean nearest
    /// neighbour is the maximum inner product, and the graph is built on a
    /// true metric.
    case augmented
  }

  /// Build parameters.
  public struct Configuration: Sendable, Equatable {
    /// Links per node on levels above 0 (level 0 keeps up to `2M`).
    public var M: Int
    /// Candidate list size while inserting.
    public var efConstruction: Int
    /// How closeness between items is measured while building.
    public var metric: Metric
    /// Seed of the level draws: a single-threaded build is a function of
    /// (vectors, configuration).
    public var seed: UInt64
    /// Verify ``invariantViolations()`` after every build, add and load and
    /// throw ``HNSWError/invariantsViolated(_:)``. Defaults to on when the
    /// environment has `GRAMIAN_HNSW_CHECKS=1`.
    public var checkInvariants: Bool

    /// Inner product is the default metric: on iALS factors of amazon-book it
    /// reached every recall level at more queries/s than the augmented build
    /// (Benchmarks/retrieval/README.md).
    public init(
      M: Int = 16, efConstruction: Int = 200, metric: Metric = .innerProduct, seed: UInt64 = 1,
      checkInvariants: Bool = ProcessInfo.processInfo.environment["GRAMIAN_HNSW_CHECKS"] == "1"
    ) {
      precondition(M >= 2, "M must be at least 2, got \(M)")
      self.M = M
      self.efConstruction = max(1, efConstruction)
      self.metric = metric
      self.seed = seed
      self.checkInvariants = checkInvariants
    }
  }

  var storage: HNSWStorage

  /// An empty index for `dimension`-wide vectors.
  public init(dimension: Int, configuration: Configuration = Configuration()) {
    precondition(dimension >= 1, "dimension must be at least 1")
    storage = HNSWStorage(dimension: dimension, configuration: configuration)
  }

  /// An index over the rows of `vectors` (item `i` is row `i`), built on
  /// `threads` threads (one thread: deterministic for a given seed).
  public init(vectors: Matrix, configuration: Configuration = Configuration(), threads: Int = 1) throws(HNSWError) {
    self.init(dimension: vectors.columns, configuration: configuration)
    try add(vectors, threads: threads)
  }

  /// Number of items.
  public var count: Int { storage.count }
  /// Vector width.
  public var dimension: Int { storage.dimension }
  /// The build parameters.
  public var configuration: Configuration { storage.configuration }
  /// The highest level of the graph (−1 when empty).
  public var maxLevel: Int { Int(storage.maxLevel) }

  /// Item `i`'s vector.
  public func vector(_ i: Int) -> [Float] {
    precondition(i >= 0 && i < count, "item \(i) out of range 0..<\(count)")
    return Array(UnsafeBufferPointer(start: storage.vector(Int32(i)), count: dimension))
  }

  /// Item `i`'s level-`level` neighbours (for tests and diagnostics).
  public func neighbours(of i: Int, level: Int) -> [Int32] {
    precondition(i >= 0 && i < count && level >= 0 && level <= storage.level(Int32(i)))
    let l = storage.links(Int32(i), level)
    return Array(UnsafeBufferPointer(start: l + 1, count: Int(l[0])))
  }

  mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
  }
}

/// Errors of the HNSW index that are not about a file.
public enum HNSWError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Added vectors have the wrong width.
  case dimensionMismatch(expected: Int, found: Int)
  /// A check of ``HNSWIndex/invariantViolations()`` failed (listed).
  case invariantsViolated([String])

  public var description: String {
    switch self {
    case .dimensionMismatch(let e, let f): return "error: vectors have \(f) columns, the index \(e)"
    case .invariantsViolated(let v):
      return "error: HNSW invariants violated (\(v.count)): " + v.prefix(5).joined(separator: "; ")
    }
  }
}
