import InteractionData
import LinearAlgebra

/// The one model interface: every model kind (popularity, iALS, two-tower)
/// conforms, and the command line, the comparison and the server use only
/// this (in the spirit of implicit's `RecommenderBase`).
///
/// A recommender is a factor model in the wide sense:
/// `score(u, i) = <userFactors[u], itemFactors[i]> + itemBias[i]`, with
/// external ids for both sides. Popularity is the zero-dimensional case
/// (no vectors, the bias is the item's training count).
///
/// Conventions, the same for every kind:
/// - a filter says which items *may* be returned (``ItemFilter``);
/// - seen items are passed as `excluding:` and are never returned;
/// - ``similarItems(to:k:)`` never returns the query item;
/// - the item bias is applied by every path (single scores, exact top-K,
///   HNSW through the `Retrieval` module).
public protocol Recommender: Scorer {
  /// The model kind as written in files and JSON: "popularity", "ials", "two-tower".
  static var kind: String { get }
  /// External user ids by dense index (may be empty for id-less models).
  var userIds: IdMap { get }
  /// External item ids by dense index (may be empty for id-less models).
  var itemIds: IdMap { get }
  /// User vectors, `userCount x d`.
  var userFactors: Matrix { get }
  /// Item vectors, `itemCount x d`.
  var itemFactors: Matrix { get }
  /// The additive per-item score term (e.g. `beta * log P(d)`, or the
  /// popularity counts), or nil.
  var itemBias: [Float]? { get }
  /// What the model was trained on (pair count, fingerprint, sketch), when
  /// the file records it (models saved before format version 2 do not).
  var training: TrainingSummary? { get }
  /// The query vector of a user who is not in the model, from the items of
  /// their history (dense item indices; repeated items count separately).
  /// iALS solves its user half-step exactly; popularity needs no vector.
  /// - Throws: ``RecommenderError/foldInUnsupported(kind:reason:)`` when the
  ///   model kind cannot fold in a new user.
  func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float]
  /// Computes now what ``foldIn(history:weights:)`` computes on first use
  /// (iALS: the item Gram matrix, O(|I| d²)), so that a server's first
  /// fold-in request does not pay for it. Default: nothing.
  func prepareFoldIn()
  /// The `k` items most similar to `item`, best first, never `item` itself.
  func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)]
  /// Writes the model atomically (temporary file, then rename).
  func save(to path: String) throws
  /// The model scored with the popularity prior `P(d)^beta` added at
  /// serving time (`+ beta * log P(d)`); see ``addingPrior(exponent:)``.
  func withPrior(exponent beta: Float) throws(RecommenderError) -> any Recommender
}

/// Errors of the model interface.
public enum RecommenderError: Error, Equatable, CustomStringConvertible {
  /// The model kind cannot compute a vector for a new user.
  case foldInUnsupported(kind: String, reason: String)
  /// An index outside the model (user, item or a history entry).
  case outOfRange(String)
  /// A query vector of the wrong width.
  case dimensionMismatch(String)
  /// Something this model kind or file cannot do.
  case unsupported(String)

  public var description: String {
    switch self {
    case .foldInUnsupported(let kind, let reason): "a \(kind) model cannot fold in a new user: \(reason)"
    case .outOfRange(let s): "out of range: \(s)"
    case .dimensionMismatch(let s): "dimension mismatch: \(s)"
    case .unsupported(let s): s
    }
  }
}

/// Which items a recommendation may return: `allows(item)` is true for
/// items that may be returned. The one filter convention of the library.
public struct ItemFilter: Sendable {
  /// True for items that may be returned.
  public let allows: @Sendable (Int32) -> Bool

  public init(allows: @escaping @Sendable (Int32) -> Bool) {
    self.allows = allows
  }

  /// Only these items may be returned (an allow list).
  public static func only(_ items: some Sequence<Int32>) -> ItemFilter {
    let set = Set(items)
    return ItemFilter { set.contains($0) }
  }

  /// Every item but these may be returned (a deny list).
  public static func excluding(_ items: some Sequence<Int32>) -> ItemFilter {
    let set = Set(items)
    return ItemFilter { !set.contains($0) }
  }
}

extension Recommender {
  /// The model kind of this instance (``Recommender/kind``).
  public var kind: String { Self.kind }
  public var userCount: Int { userFactors.rows }
  public var itemCount: Int { itemFactors.rows }
  /// Vector width d (0 for popularity).
  public var dimension: Int { itemFactors.columns }

  /// `<userFactors[user], itemFactors[item]> + itemBias[item]`. O(d).
  public func score(user: Int, item: Int) -> Float {
    precondition(user >= 0 && user < userCount && item >= 0 && item < itemCount,
                 "pair (\(user), \(item)) outside \(userCount) x \(itemCount)")
    let d = dimension
    var s: Float = 0
    if d > 0 {
      userFactors.storage.withUnsafeBufferPointer { u in
        itemFactors.storage.withUnsafeBufferPointer { v in
          s = Kernels.dot(d, u.baseAddress! + user * d, v.baseAddress! + item * d)
        }
      }
    }
    return s + (itemBias?[item] ?? 0)
  }

  /// Scores of the pairs `(users[j], items[j])`, equal bit for bit to
  /// ``score(user:item:)`` of each, on `threads` workers (one C kernel per
  /// contiguous part; rows of later pairs are prefetched, since pairs in
  /// input order hit random rows). O(pairs·d).
  public func score(users: [Int32], items: [Int32], threads: Int = 1) -> [Float] {
    precondition(users.count == items.count, "\(users.count) users for \(items.count) items")
    let n = users.count
    var out = [Float](repeating: 0, count: n)
    guard n > 0 else { return out }
    // Range checks once, so the kernel can trust the ids.
    let (uLo, uHi) = (users.min()!, users.max()!), (iLo, iHi) = (items.min()!, items.max()!)
    precondition(uLo >= 0 && Int(uHi) < userCount && iLo >= 0 && Int(iHi) < itemCount,
                 "pairs outside \(userCount) x \(itemCount): users \(uLo)...\(uHi), items \(iLo)...\(iHi)")
    out.withUnsafeMutableBufferPointer { o in
      let target = SendablePointer(o.baseAddress!)
      Parallel.forChunks(n, threads: min(threads, n / 4096 + 1)) { range in
        pairScores(users[range], items[range], into: target.base + range.lowerBound)
      }
    }
    return out
  }

  /// One kernel call over a slice of pairs (ids already checked).
  private func pairScores(_ users: ArraySlice<Int32>, _ items: ArraySlice<Int32>, into out: UnsafeMutablePointer<Float>) {
    let dummy: [Float] = [0]
    users.withUnsafeBufferPointer { us in
      items.withUnsafeBufferPointer { its in
        userFactors.storage.withUnsafeBufferPointer { u in
          itemFactors.storage.withUnsafeBufferPointer { v in
            (itemBias ?? dummy).withUnsafeBufferPointer { b in
              // Zero-width factors (popularity) have no storage: any valid
              // pointer will do, the kernel reads d = 0 floats from it.
              Kernels.pairDots(n: us.count, d: dimension, users: us.baseAddress!, items: its.baseAddress!,
                               u: u.baseAddress ?? b.baseAddress!, v: v.baseAddress ?? b.baseAddress!,
                               bias: itemBias == nil ? nil : b.baseAddress!, into: out)
            }
          }
        }
      }
    }
  }

  /// `<vector, itemFactors[item]> + itemBias[item]` for a folded-in query vector. O(d).
  public func score(vector: [Float], item: Int) -> Float {
    precondition(vector.count == dimension && item >= 0 && item < itemCount)
    var s: Float = 0
    if dimension > 0 {
      vector.withUnsafeBufferPointer { q in
        itemFactors.storage.withUnsafeBufferPointer { v in
          s = Kernels.dot(dimension, q.baseAddress!, v.baseAddress! + item * dimension)
        }
      }
    }
    return s + (itemBias?[item] ?? 0)
  }

  /// The top `k` (item, score) pairs of each user, best first (ties: lower
  /// item index), exactly, by blocks of sgemm through ``scoreBlock(users:into:)``.
  ///
  /// - Parameters:
  ///   - excluding: each user's seen items (rows indexed like the model's
  ///     users; users beyond its rows exclude nothing), never returned.
  ///   - filter: which items may be returned.
  /// - Complexity: O(|users|·|I|·(d + 1)) plus O(|I|) filter calls per user.
  public func recommend(
    users: [Int32], k: Int, excluding seen: InteractionMatrix? = nil, filter: ItemFilter? = nil,
    threads: Int = Parallel.availableThreads
  ) -> [[(item: Int32, score: Float)]] {
    Recommendations.topK(self, users: users, k: k, exclude: seen, filter: filter, threads: threads)
  }

  /// The top `k` items for one of the model's users, without `seen` and the
  /// items `filter` does not allow. O(|I|·d + |I| log k).
  public func recommend(
    user: Int, k: Int, excluding seen: [Int32] = [], filter: ItemFilter? = nil
  ) -> [(item: Int32, score: Float)] {
    precondition(user >= 0 && user < userCount, "user \(user) outside 0..<\(userCount)")
    return (try? recommend(vector: userVector(user), k: k, excluding: seen, filter: filter)) ?? []
  }

  /// ``recommend(user:k:excluding:filter:)`` with the seen items as a
  /// slice (e.g. `train.items(ofUser: u)`).
  public func recommend(
    user: Int, k: Int, excluding seen: ArraySlice<Int32>, filter: ItemFilter? = nil
  ) -> [(item: Int32, score: Float)] {
    recommend(user: user, k: k, excluding: Array(seen), filter: filter)
  }

  /// The items user `user` was trained on, from the model file's training
  /// summary (``TrainingSummary/seen``); nil when the model does not carry
  /// them (fitted before they were saved, or built from bare factors).
  public func seenItems(ofUser user: Int) -> ArraySlice<Int32>? {
    training?.seen?.items(ofUser: user)
  }

  /// Row `user` of ``userFactors``.
  public func userVector(_ user: Int) -> [Float] {
    let d = dimension
    return Array(userFactors.storage[(user * d)..<((user + 1) * d)])
  }

  /// The top `k` items for one query vector (a user's row or a folded-in
  /// history), without `seen` and the items `filter` does not allow.
  /// - Complexity: O(|I|·d + |I| log k).
  public func recommend(
    vector: [Float], k: Int, excluding seen: [Int32] = [], filter: ItemFilter? = nil
  ) throws(RecommenderError) -> [(item: Int32, score: Float)] {
    guard vector.count == dimension else {
      throw .dimensionMismatch("the query vector has \(vector.count) values, the model's items \(dimension)")
    }
    let n = itemCount, d = dimension
    guard n > 0, k > 0 else { return [] }
    var scores = [Float](repeating: 0, count: n)
    if d > 0 {
      itemFactors.storage.withUnsafeBufferPointer { v in
        vector.withUnsafeBufferPointer { q in
          scores.withUnsafeMutableBufferPointer { s in
            BLAS.sgemv(m: n, n: d, a: v.baseAddress!, lda: d, x: q.baseAddress!, y: s.baseAddress!)
          }
        }
      }
    }
    if let b = itemBias { for i in 0..<n { scores[i] += b[i] } }
    Recommendations.mask(&scores, seen: seen[...], filter: filter)
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: n, k: k) }
  }

  /// Folds in `history` (``foldIn(history:weights:)``) and recommends the
  /// top `k` items outside it.
  public func recommend(
    history: [Int32], weights: [Float]? = nil, k: Int, filter: ItemFilter? = nil
  ) throws(RecommenderError) -> [(item: Int32, score: Float)] {
    for i in history where i < 0 || Int(i) >= itemCount {
      throw .outOfRange("history item \(i) is not in 0..<\(itemCount)")
    }
    return try recommend(vector: try foldIn(history: history, weights: weights), k: k, excluding: history, filter: filter)
  }

  /// The mean of the user vectors: the model's "average user", used to
  /// score users it does not know (`--unknown popular`). O(|U|·d).
  public var meanUserVector: [Float] {
    let d = dimension, n = userCount
    var mean = [Double](repeating: 0, count: d)
    for u in 0..<n {
      for j in 0..<d { mean[j] += Double(userFactors.storage[u * d + j]) }
    }
    return mean.map { Float(n > 0 ? $0 / Double(n) : 0) }
  }

  /// Cosine similarity of item vectors, the query item never returned;
  /// ties to the lower index. The default ``similarItems(to:k:)``.
  /// - Complexity: O(|I|·d + |I| log k).
  public func cosineSimilarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    let n = itemCount, d = dimension
    precondition(item >= 0 && item < n, "item \(item) outside 0..<\(n)")
    guard d > 0 else { return [] }
    var scores = [Float](repeating: 0, count: n)
    itemFactors.storage.withUnsafeBufferPointer { h in
      scores.withUnsafeMutableBufferPointer { s in
        let base = h.baseAddress!
        let q = base + item * d
        let qn = Kernels.dot(d, q, q).squareRoot()
        BLAS.sgemv(m: n, n: d, a: base, lda: d, x: q, y: s.baseAddress!)
        for j in 0..<n {
          let r = base + j * d
          let denom = Kernels.dot(d, r, r).squareRoot() * qn
          s[j] = denom > 0 ? s[j] / denom : 0
        }
        s[item] = -.infinity
      }
    }
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: n, k: k) }
  }

  public func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    cosineSimilarItems(to: item, k: k)
  }

  public func withPrior(exponent beta: Float) throws(RecommenderError) -> any Recommender {
    try addingPrior(exponent: beta)
  }

  public func prepareFoldIn() {}
}
