import Evaluation
import InteractionData
import LinearAlgebra

/// HNSW search for any ``Recommender``, item bias included.
///
/// A score `<q, v_i> + b_i` is the inner product of `[q, 1]` with
/// `[v_i, b_i]`, so an index over the item vectors with the bias appended
/// as one more coordinate answers the biased query exactly as maximum
/// inner-product search: exact top-K and HNSW then rank by the same score
/// (at high ef, the same items).
///
/// The appended coordinate is the bias shifted to be non-negative
/// (`b_i - min b`): a constant shift changes no ranking, and it keeps the
/// items with the largest bias the ones of largest norm, which the
/// inner-product graph reaches first (with raw log-prior biases, all
/// negative, the graph's links favour the rarest items and searches miss
/// the top). Returned scores have the shift added back.
extension Recommender {
  /// The constant subtracted from the bias in the index (its minimum), 0 without a bias.
  public var indexBiasShift: Float { itemBias.flatMap { $0.min() } ?? 0 }

  /// The vectors an index over this model's items holds: the item factors,
  /// with the item bias as a last column when the model has one.
  /// `itemCount x (d + 1)` with a bias, `itemCount x d` without. O(|I|·d).
  public var indexVectors: Matrix {
    guard let bias = itemBias else { return itemFactors }
    let d = dimension, n = itemCount, shift = indexBiasShift
    var m = Matrix(rows: n, columns: d + 1)
    for i in 0..<n {
      for j in 0..<d { m.storage[i * (d + 1) + j] = itemFactors.storage[i * d + j] }
      m.storage[i * (d + 1) + d] = bias[i] - shift
    }
    return m
  }

  /// `vector` as an index query: `[vector, 1]` when the model has a bias.
  public func indexQuery(_ vector: [Float]) -> [Float] {
    itemBias == nil ? vector : vector + [1]
  }

  /// Whether `index` answers for this model: ``IndexCheck/fits``, or
  /// ``IndexCheck/wrongShape(_:)`` (another item count or width: unusable),
  /// or ``IndexCheck/otherModel(_:)`` (same shape, but built from other
  /// vectors: another model, or another prior exponent). The index's
  /// ``HNSWIndex/sourceFingerprint`` is compared with the fingerprint of
  /// ``indexVectors``; an index from a version-1 file (no fingerprint) is
  /// compared vector by vector where its metric stores them unchanged.
  /// - Complexity: O(|I|·d).
  public func indexCheck(_ index: HNSWIndex) -> IndexCheck {
    let expected = indexVectors
    guard index.count == expected.rows, index.dimension == expected.columns else {
      return .wrongShape("the index holds \(index.count) items of width \(index.dimension); this model needs \(expected.rows) of width \(expected.columns)\(itemBias == nil ? "" : " (its factors and the item bias)")")
    }
    if let stored = index.sourceFingerprint {
      let mine = HNSWIndex.fingerprint(of: expected)
      return stored == mine ? .fits : .otherModel("it was built from another model (or with another prior exponent): its vectors' fingerprint is \(String(stored, radix: 16)), this model's \(String(mine, radix: 16))")
    }
    guard index.configuration.metric == .innerProduct else { return .fits }
    let w = expected.columns
    for i in 0..<index.count where index.vector(i) != Array(expected.storage[(i * w)..<((i + 1) * w)]) {
      return .otherModel("it was built from another model (or with another prior exponent): item \(i)'s vector in the index differs from the model's")
    }
    return .fits
  }

  /// Why `index` does not answer for this model (``indexCheck(_:)``), or
  /// nil when it does. O(|I|·d).
  public func indexMismatch(_ index: HNSWIndex) -> String? {
    switch indexCheck(index) {
    case .fits: nil
    case .wrongShape(let why), .otherModel(let why): why
    }
  }

  /// The approximate top `k` of each user through `index`, without each
  /// user's `seen` items and the items `filter` does not allow; scores
  /// include the item bias.
  /// - Complexity: about O(ef · M · log |I| · d) per user.
  public func recommend(
    users: [Int32], k: Int, excluding seen: InteractionMatrix? = nil, filter: ItemFilter? = nil,
    index: HNSWIndex, ef: Int, threads: Int = 1
  ) -> [[(item: Int32, score: Float)]] {
    let queries = itemBias == nil ? userFactors : appendOnes(userFactors)
    let allows: (@Sendable (Int32) -> Bool)? = filter?.allows
    var excluding: (@Sendable (Int, Int32) -> Bool)? = nil
    if seen != nil || allows != nil {
      excluding = { (u: Int, item: Int32) -> Bool in
        if let seen, u < seen.userCount, seen.contains(user: u, item: item) { return true }
        if let allows, !allows(item) { return true }
        return false
      }
    }
    let rows = users.map { Int($0) }
    let shift = indexBiasShift
    let found = index.search(queries: queries, rows: rows, k: k, ef: ef, threads: threads, excluding: excluding)
    return shift == 0 ? found : found.map { $0.map { (item: $0.item, score: $0.score + shift) } }
  }

  /// The approximate top `k` for one query vector through `index`.
  public func recommend(
    vector: [Float], k: Int, excluding seen: [Int32] = [], filter: ItemFilter? = nil, index: HNSWIndex, ef: Int
  ) throws(RecommenderError) -> [(item: Int32, score: Float)] {
    guard vector.count == dimension else {
      throw .dimensionMismatch("the query vector has \(vector.count) values, the model's items \(dimension)")
    }
    let skip = Set(seen), allows = filter?.allows, shift = indexBiasShift
    return index.search(indexQuery(vector), k: k, ef: ef) { item in
      skip.contains(item) || !(allows?(item) ?? true)
    }.map { (item: $0.item, score: $0.score + shift) }
  }

  private func appendOnes(_ m: Matrix) -> Matrix {
    let d = m.columns
    var out = Matrix(rows: m.rows, columns: d + 1)
    for r in 0..<m.rows {
      for j in 0..<d { out.storage[r * (d + 1) + j] = m.storage[r * d + j] }
      out.storage[r * (d + 1) + d] = 1
    }
    return out
  }
}

extension HNSWIndex {
  /// An index over `model`'s items (``Recommender/indexVectors``: factors
  /// plus the bias column when the model has one).
  public init(model: some Recommender, configuration: Configuration = Configuration(), threads: Int = 1) throws(HNSWError) {
    try self.init(vectors: model.indexVectors, configuration: configuration, threads: threads)
  }
}

/// The outcome of ``Recommender/indexCheck(_:)``.
public enum IndexCheck: Equatable, Sendable {
  /// The index was built from this model's item vectors.
  case fits
  /// Another item count or width: the index cannot be used at all.
  case wrongShape(String)
  /// Same shape, other vectors: searches run but rank by the other model's
  /// vectors (usable only when the caller insists, e.g. `--force`).
  case otherModel(String)
}
