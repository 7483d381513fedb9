import Evaluation
import InteractionData
import LinearAlgebra

extension IALSModel: Recommender {
  public static var kind: String { "ials" }
  /// iALS has no item bias: scores are `<w_u, h_i>`.
  public var itemBias: [Float]? { nil }

  /// Computes the item Gram matrix that fold-in uses (otherwise computed by
  /// the first fold-in). O(|I| k²) once.
  public func prepareFoldIn() { _ = itemGram }

  /// The exact fold-in of a new user (``foldIn(items:weights:)``).
  public func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float] {
    if let weights, weights.count != history.count {
      throw .dimensionMismatch("\(weights.count) weights for \(history.count) history items")
    }
    for i in history where i < 0 || Int(i) >= itemFactors.rows {
      throw .outOfRange("history item \(i) is not in 0..<\(itemFactors.rows)")
    }
    return foldIn(items: history, weights: weights)
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
}
