import Evaluation
import InteractionData
import LinearAlgebra

/// EASE, the closed-form item-item model of Steck ("Embarrassingly Shallow
/// Autoencoders for Sparse Data", WWW 2019).
///
/// With `X` the binary `|U| x I` interaction matrix, EASE learns the item
/// weights `B` minimising `||X - X B||_F^2 + lambda ||B||_F^2` subject to
/// `diag(B) = 0`. The solution is closed form: with
/// `P = (X^T X + lambda I)^-1`, `B_ij = -P_ij / P_jj` for `i != j`, and the
/// score of user `u` for item `i` is `sum_j X_uj B_ji`.
///
/// As a ``Recommender`` it is a factor model of width `I`: a user's vector
/// is their binary interaction row (``userFactors``, `|U| x I`), item `i`'s
/// vector is column `i` of `B` (``itemFactors`` = `B^T`, `I x I`). Scoring
/// a block of users exploits the rows' sparsity: `O(n_u I)` per user, not
/// `O(I^2)`. Fold-in is exact and free: a new user's vector is their
/// history's indicator row.
///
/// Memory: `4 I^2` bytes for `B^T` plus `4 |U| I` for the dense user rows;
/// ``EASEConfig/maxItems`` bounds the first, the memory budget both.
public struct EASEModel: Sendable {
  public let config: EASEConfig
  /// `B^T`: row `i` is item `i`'s weights over the items a user has seen
  /// (`itemFactors[i, j] = B_ji`, zero on the diagonal). `I x I`.
  public let itemFactors: Matrix
  /// The binary training rows `X`, `|U| x I` (a user's vector).
  public let userFactors: Matrix
  /// `P_ii`, the diagonal of `(X^T X + lambda I)^-1`: `B_ij = B^T_ji` and
  /// `B_ji = B_ij P_jj / P_ii` (P is symmetric), which lets a user's scores
  /// be summed over contiguous rows of ``itemFactors``.
  let inverseDiagonal: [Float]
  public let userIds: IdMap
  public let itemIds: IdMap
  /// What the model was trained on (always present: scoring needs the rows).
  let summary: TrainingSummary
  /// Each user's training items (``summary``'s seen items): the non-zeros of ``userFactors``.
  let rows: SeenItems

  /// `summary` must carry each user's training items (``TrainingSummary/seen``): they are the rows of X.
  init(config: EASEConfig, itemFactors: Matrix, inverseDiagonal: [Float], summary: TrainingSummary,
       userIds: IdMap, itemIds: IdMap) {
    guard let rows = summary.seen else { preconditionFailure("an EASE model needs its training rows") }
    self.config = config
    self.itemFactors = itemFactors
    self.inverseDiagonal = inverseDiagonal
    self.rows = rows
    self.userIds = userIds
    self.itemIds = itemIds
    self.summary = summary
    let n = itemFactors.rows
    var x = [Float](repeating: 0, count: rows.userCount * n)
    for u in 0..<rows.userCount {
      for i in rows.items(ofUser: u) { x[u * n + Int(i)] = 1 }
    }
    userFactors = Matrix(rows: rows.userCount, columns: n, storage: x)
  }

  /// The weight `B_ij`: how much having seen item `i` adds to item `j`'s score.
  public func weight(from i: Int, to j: Int) -> Float {
    itemFactors[j, i]
  }
}

extension EASEModel: Recommender {
  public static var kind: String { "ease" }
  public var itemBias: [Float]? { nil }
  public var training: TrainingSummary? { summary }

  /// Scores of `users` against every item, from the users' training items
  /// only: `s_i = (1 / P_ii) sum_{j in u} P_jj B^T_ji`, one contiguous row of
  /// ``itemFactors`` per seen item. O(n_u I) per user.
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    let n = itemFactors.rows
    itemFactors.storage.withUnsafeBufferPointer { f in
      inverseDiagonal.withUnsafeBufferPointer { p in
        for (r, u) in users.enumerated() {
          let out = output + r * n
          out.initialize(repeating: 0, count: n)
          precondition(u >= 0 && Int(u) < rows.userCount, "user \(u) out of range")
          for j in rows.items(ofUser: Int(u)) {
            Kernels.axpy(n, p[Int(j)], f.baseAddress! + Int(j) * n, out)
          }
          for i in 0..<n { out[i] /= p[i] }
        }
      }
    }
  }

  /// The indicator row of `history` (weights replace the ones when given;
  /// a repeated item counts once, as in training, where `X` is binary).
  public func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float] {
    let n = itemFactors.rows
    if let weights, weights.count != history.count {
      throw .outOfRange("\(weights.count) weights for \(history.count) history items")
    }
    var x = [Float](repeating: 0, count: n)
    for (k, i) in history.enumerated() {
      guard i >= 0, Int(i) < n else { throw .outOfRange("history item \(i) is not in 0..<\(n)") }
      x[Int(i)] = weights?[k] ?? 1
    }
    return x
  }

  /// The items whose score rises most from having seen `item`: the largest
  /// `B_item,j` (what a user whose only item is `item` is recommended),
  /// never `item` itself. O(I log k).
  public func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    let n = itemFactors.rows
    precondition(item >= 0 && item < n, "item \(item) outside 0..<\(n)")
    // B_item,j = B^T_j,item = B^T_item,j P_item,item / P_jj (P symmetric): one contiguous row.
    var scores = [Float](repeating: 0, count: n)
    let pi = inverseDiagonal[item]
    for j in 0..<n { scores[j] = itemFactors[item, j] * pi / inverseDiagonal[j] }
    scores[item] = -.infinity
    return scores.withUnsafeBufferPointer { TopK.selectFinite($0.baseAddress!, count: n, k: k) }
  }
}
