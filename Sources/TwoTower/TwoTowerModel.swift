import Evaluation
import InteractionData
import LinearAlgebra

/// A fitted two-tower retrieval model, ready to serve: the query tower's
/// output for every training user and the item tower's output for every
/// item, precomputed. The score of (u, d) is
/// `<u, v_d> + beta · log P(d)`, i.e. the dot product times the popularity
/// prior `P(d)^beta`, with `P(d)` the item's training frequency and beta
/// (``priorExponent``) chosen at serving time.
///
/// Fit with ``fit(_:userIds:itemIds:config:callbacks:)``.
public struct TwoTowerModel: Sendable {
  /// The hyperparameters the towers were trained with.
  public var config: TwoTowerConfig
  /// `|U| x d`.
  public private(set) var userEmbeddings: Matrix
  /// `|I| x d`.
  public private(set) var itemEmbeddings: Matrix
  /// `log P(d)` with `P(d) = max(count_d, 0.5) / N` over the N training pairs.
  public private(set) var itemLogPrior: [Float]
  /// beta of the popularity prior (0: plain dot product).
  public var priorExponent: Float = 0 {
    didSet { scorer = Self.makeScorer(userEmbeddings, itemEmbeddings, itemLogPrior, priorExponent) }
  }
  public var userIds: IdMap
  public var itemIds: IdMap
  private var scorer: FactorScorer

  public init(config: TwoTowerConfig, userEmbeddings: Matrix, itemEmbeddings: Matrix, itemLogPrior: [Float],
              priorExponent: Float = 0, userIds: IdMap, itemIds: IdMap) {
    precondition(userEmbeddings.columns == itemEmbeddings.columns, "user and item embeddings differ in width")
    precondition(itemLogPrior.count == itemEmbeddings.rows, "one log prior per item")
    self.config = config
    self.userEmbeddings = userEmbeddings
    self.itemEmbeddings = itemEmbeddings
    self.itemLogPrior = itemLogPrior
    self.priorExponent = priorExponent
    self.userIds = userIds
    self.itemIds = itemIds
    scorer = Self.makeScorer(userEmbeddings, itemEmbeddings, itemLogPrior, priorExponent)
  }

  /// Output dimension d.
  public var dimension: Int { itemEmbeddings.columns }

  /// `log P(d)` per item from training counts (``PopularityPrior``).
  public static func logPrior(counts: [Int]) -> [Float] {
    PopularityPrior.logPrior(itemCounts: counts)
  }

  /// A copy with another beta.
  public func withPriorExponent(_ beta: Float) -> TwoTowerModel {
    var m = self
    m.priorExponent = beta
    return m
  }

  /// `<u, v_d> + beta log P(d)`. O(d).
  public func score(user: Int, item: Int) -> Float {
    var s: Float = 0
    for j in 0..<dimension { s += userEmbeddings[user, j] * itemEmbeddings[item, j] }
    return s + priorExponent * itemLogPrior[item]
  }

  /// The `k` items most similar to `item` by cosine of item embeddings,
  /// the item itself excluded; best first. O(|I|·d).
  public func similarItems(to item: Int, k: Int) -> [(item: Int32, score: Float)] {
    let d = dimension
    func norm(_ i: Int) -> Float {
      var s: Float = 0
      for j in 0..<d { s += itemEmbeddings[i, j] * itemEmbeddings[i, j] }
      return s.squareRoot()
    }
    let n0 = norm(item)
    var scored: [(item: Int32, score: Float)] = []
    for i in 0..<itemEmbeddings.rows where i != item {
      var s: Float = 0
      for j in 0..<d { s += itemEmbeddings[item, j] * itemEmbeddings[i, j] }
      let den = n0 * norm(i)
      scored.append((Int32(i), den > 0 ? s / den : 0))
    }
    scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
    return Array(scored.prefix(k))
  }

  static func makeScorer(_ u: Matrix, _ v: Matrix, _ logPrior: [Float], _ beta: Float) -> FactorScorer {
    FactorScorer(userFactors: u, itemFactors: v, itemBias: beta == 0 ? nil : logPrior.map { beta * $0 })
  }
}

extension TwoTowerModel: Scorer {
  public var userCount: Int { userEmbeddings.rows }
  public var itemCount: Int { itemEmbeddings.rows }

  /// One sgemm of the gathered user rows against all item embeddings, plus
  /// `beta log P(d)` per column (``FactorScorer`` with an item bias).
  /// - Complexity: O(users·|I|·d).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    scorer.scoreBlock(users: users, into: output)
  }
}
