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

  /// The fingerprint of the vectors the index was built from by
  /// ``init(vectors:configuration:threads:)`` (kept in the file from format
  /// version 2), or nil: an index that grew by ``add(_:threads:)`` or was
  /// read from a version-1 file. A model compares it with its own to refuse
  /// an index built from another model (``Recommender/indexCheck(_:)``).
  public internal(set) var sourceFingerprint: UInt64? = nil

  /// An empty index for `dimension`-wide vectors.
  public init(dimension: Int, configuration: Configuration = Configuration()) {
    precondition(dimension >= 1, "dimension must be at least 1")
    storage = HNSWStorage(dimension: dimension, configuration: configuration)
  }

  /// An index over the rows of `vectors` (item `i` is row `i`), built on
  /// `threads` threads (one thread: deterministic for a given seed).
  ///
  /// - Throws: ``HNSWError/invalidParameter(_:)`` when the vectors have no
  ///   columns, M is above ``maxM``, or the graph would not fit in the
  ///   ``MemoryBudget`` (``estimatedBytes(count:dimension:M:threads:)``).
  public init(vectors: Matrix, configuration: Configuration = Configuration(), threads: Int = 1) throws(HNSWError) {
    guard vectors.columns >= 1 else {
      throw .invalidParameter("the vectors have no columns: an index needs a model with at least one factor")
    }
    guard configuration.M <= Self.maxM else {
      throw .invalidParameter("M = \(configuration.M) is above the ceiling of \(Self.maxM) (4 to 64 is the useful range)")
    }
    guard configuration.efConstruction <= Self.maxEf else {
      throw .invalidParameter("efConstruction = \(configuration.efConstruction) is above the ceiling of \(Self.maxEf)")
    }
    do {
      try MemoryBudget.check(Self.estimatedBytes(count: vectors.rows, dimension: vectors.columns, M: configuration.M, threads: threads),
                             for: "an HNSW index of \(vectors.rows) items of width \(vectors.columns) with M = \(configuration.M)")
    } catch { throw .invalidParameter(error.description) }
    self.init(dimension: vectors.columns, configuration: configuration)
    try add(vectors, threads: threads)
    sourceFingerprint = Self.fingerprint(of: vectors)
  }

  /// A 64-bit fingerprint of a matrix: its shape and every value's bits
  /// (``HNSWChecksum``; never 0, which the file uses for "unknown"). O(rows · columns).
  public static func fingerprint(of m: Matrix) -> UInt64 {
    var h = m.storage.withUnsafeBytes { HNSWChecksum.of($0) }
    h ^= (UInt64(m.rows) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(m.columns) &* 0xC2B2_AE3D_27D4_EB4F)
    return h == 0 ? 1 : h
  }

  /// The largest M accepted (links per node; level 0 keeps 2M).
  public static let maxM = 1024
  /// The largest efConstruction or search ef accepted.
  public static let maxEf = 1 << 20

  /// The bytes a graph holds, roughly: each item's vector, level and
  /// 2M + 1 level-0 slots, the upper levels (1 / ln M of the items on
  /// average, M + 1 slots each), and a visited list per thread.
  public static func estimatedBytes(count: Int, dimension: Int, M: Int, threads: Int) -> Int {
    let B = MemoryBudget.self
    let perItem = B.sum(B.product(4, dimension), 8, B.product(4, B.sum(B.product(2, M), 1)), B.product(4, M + 1))
    return B.sum(B.product(count, perItem), B.product(max(threads, 1), count, 8))
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
  /// A build parameter is out of range, or the graph would exceed the memory budget.
  case invalidParameter(String)

  public var description: String {
    switch self {
    case .dimensionMismatch(let e, let f): return "error: vectors have \(f) columns, the index \(e)"
    case .invariantsViolated(let v):
      return "error: HNSW invariants violated (\(v.count)): " + v.prefix(5).joined(separator: "; ")
    case .invalidParameter(let m): return "error: \(m)"
    }
  }
}
