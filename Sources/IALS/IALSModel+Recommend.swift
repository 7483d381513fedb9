import Evaluation
import InteractionData
import LinearAlgebra

extension IALSModel {
  /// `<w_u, h_i>`. O(k).
  public func score(user: Int, item: Int) -> Float {
    userFactors.storage.withUnsafeBufferPointer { w in
      itemFactors.storage.withUnsafeBufferPointer { h in
        Kernels.dot(factors, w.baseAddress! + user * factors, h.baseAddress! + item * factors)
      }
    }
  }

  /// Scores of the pairs `(users[j], items[j])`. O(pairs·k).
  public func score(users: [Int32], items: [Int32]) -> [Float] {
    precondition(users.count == items.count)
    return zip(users, items).map { score(user: Int($0), item: Int($1)) }
  }

  /// The `k` best items for a training user: scores `H w_u` (one sgemv),
  /// without the items in `seen` (e.g. `train.items(ofUser:)`) and those
  /// for which `filter` returns false; best first, ties to the smaller index.
  /// - Complexity: O(|I|·k + |I| log k).
  public func recommend(
    user: Int, k: Int, excluding seen: ArraySlice<Int32> = [], filter: ((Int32) -> Bool)? = nil
  ) -> [(item: Int32, score: Float)] {
    rank(vector: userFactors.row(user), k: k, excluding: seen, filter: filter)
  }

  /// ``recommend(user:k:excluding:filter:)`` for many users, in parallel on
  /// `config.threads` workers, excluding each user's items in `train` when given.
  public func recommend(users: [Int32], k: Int, excludingSeenIn train: InteractionMatrix? = nil) -> [[(item: Int32, score: Float)]] {
    Recommendations.topK(self, users: users, k: k, exclude: train, threads: config.threads)
  }

  /// Recommendations for a user who is not in the training data, from the
  /// items they interacted with (and optional raw weights `r`): the user
  /// vector is ``foldIn(items:weights:)``, the given items are excluded.
  /// - Complexity: O(n·k² + k³ + |I|·k).
  public func recommend(forItems items: [Int32], weights: [Float]? = nil, k: Int) -> [(item: Int32, score: Float)] {
    rank(vector: foldIn(items: items, weights: weights), k: k, excluding: items[...], filter: nil)
  }

  /// The exact user half-step for one new user (implicit's
  /// `recalculate_user`): solves `(alpha0 HᵀH + sum a_i h_i h_iᵀ + lambda_u I) w = sum b_i h_i`
  /// against the fixed item factors, with the cached `HᵀH`. Items may be
  /// given in any order; repeated items count separately.
  /// - Complexity: O(n·k² + k³).
  public func foldIn(items: [Int32], weights: [Float]?) -> [Float] {
    precondition(weights == nil || weights!.count == items.count, "weights and items differ in length")
    let coef = (0..<items.count).map { config.coefficients(weights?[$0] ?? 1) }
    let side = SideData(
      rows: 1, offsets: [0, items.count], indices: items, a: coef.map(\.a), b: coef.map(\.b),
      lambda: [config.rowRegularization(observed: items.count, others: itemFactors.rows)])
    var target = Matrix(rows: 1, columns: factors)
    let g = Self.scaledGram(itemGram, config: config)
    _ = withHalfStep(side, fixed: itemFactors, gram: g, target: &target) { step in
      step.solve(.exact, threads: 1)
    }
    return target.storage
  }

  /// Recomputes the rows of `users` by an exact user half-step against the
  /// current item factors, from their full histories in `train` (which must
  /// have the model's shape). Other rows are unchanged.
  /// - Complexity: O(nnz) to read `train`, plus O(n_u·k² + k³) per row.
  public mutating func partialFit(users: [Int32], train: InteractionMatrix) {
    precondition(train.userCount == userFactors.rows && train.itemCount == itemFactors.rows,
                 "train is \(train.userCount) x \(train.itemCount), model is \(userFactors.rows) x \(itemFactors.rows)")
    let g = Self.scaledGram(itemGram, config: config)
    let items = itemFactors, threads = config.threads
    _ = withHalfStep(SideData(train, config: config), fixed: items, gram: g, target: &userFactors) { step in
      BLAS.withThreads(1) { step.solve(.exact, rows: users, threads: threads) }
    }
  }

  /// Recomputes the rows of `items` by an exact item half-step against the
  /// current user factors (see ``partialFit(users:train:)``).
  /// - Complexity: O(nnz + |U|·k²), plus O(n_i·k² + k³) per row.
  public mutating func partialFit(items: [Int32], train: InteractionMatrix) {
    precondition(train.userCount == userFactors.rows && train.itemCount == itemFactors.rows,
                 "train is \(train.userCount) x \(train.itemCount), model is \(userFactors.rows) x \(itemFactors.rows)")
    let g = Self.scaledGram(Self.gram(userFactors, threads: config.threads), config: config)
    let users = userFactors, threads = config.threads
    _ = withHalfStep(SideData(train.transposed, config: config), fixed: users, gram: g, target: &itemFactors) { step in
      BLAS.withThreads(1) { step.solve(.exact, rows: items, threads: threads) }
    }
  }

  /// The `k` items most similar to `item` by cosine similarity of item
  /// factors, the item itself first (score 1) as in implicit.
  /// - Complexity: O(|I|·k + |I| log k).
  public func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    let n = itemFactors.rows, d = factors
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
        s[item] = 1
      }
    }
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: n, k: k) }
  }

  /// Top-k of `H v` with exclusions.
  func rank(vector v: [Float], k: Int, excluding seen: ArraySlice<Int32>, filter: ((Int32) -> Bool)?) -> [(item: Int32, score: Float)] {
    let n = itemFactors.rows
    var scores = [Float](repeating: 0, count: n)
    itemFactors.storage.withUnsafeBufferPointer { h in
      v.withUnsafeBufferPointer { x in
        scores.withUnsafeMutableBufferPointer { s in
          guard n > 0 else { return }
          BLAS.sgemv(m: n, n: factors, a: h.baseAddress!, lda: factors, x: x.baseAddress!, y: s.baseAddress!)
        }
      }
    }
    for i in seen where i >= 0 && Int(i) < n { scores[Int(i)] = -.infinity }
    if let filter { for i in 0..<n where !filter(Int32(i)) { scores[i] = -.infinity } }
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: n, k: k) }
  }
}
