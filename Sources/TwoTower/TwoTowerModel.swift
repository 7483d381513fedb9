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
  /// What the model was trained on (format version 2 on), or nil.
  public var training: TrainingSummary?
  /// The attention tower's weights (``SequenceTowerWeights``) when the
  /// query side is the self-attention history tower: it folds in a user's
  /// latest history. Nil for the pair-based towers.
  public private(set) var sequenceTower: SequenceTowerWeights? {
    didSet { sequenceNetwork = Self.makeSequenceNetwork(config, itemEmbeddings, sequenceTower) }
  }
  private var sequenceNetwork: SequenceNetwork<Float>?
  private var scorer: FactorScorer

  public init(config: TwoTowerConfig, userEmbeddings: Matrix, itemEmbeddings: Matrix, itemLogPrior: [Float],
              priorExponent: Float = 0, userIds: IdMap, itemIds: IdMap, training: TrainingSummary? = nil) {
    precondition(userEmbeddings.columns == itemEmbeddings.columns, "user and item embeddings differ in width")
    precondition(itemLogPrior.count == itemEmbeddings.rows, "one log prior per item")
    self.config = config
    self.userEmbeddings = userEmbeddings
    self.itemEmbeddings = itemEmbeddings
    self.itemLogPrior = itemLogPrior
    self.priorExponent = priorExponent
    self.userIds = userIds
    self.itemIds = itemIds
    self.training = training
    scorer = Self.makeScorer(userEmbeddings, itemEmbeddings, itemLogPrior, priorExponent)
  }

  /// A model whose query side is the attention tower `tower` (its shapes
  /// checked against `config.sequence` and d).
  public init(config: TwoTowerConfig, userEmbeddings: Matrix, itemEmbeddings: Matrix, itemLogPrior: [Float],
              priorExponent: Float = 0, userIds: IdMap, itemIds: IdMap, training: TrainingSummary? = nil,
              sequenceTower: SequenceTowerWeights) throws(TwoTowerError) {
    self.init(config: config, userEmbeddings: userEmbeddings, itemEmbeddings: itemEmbeddings, itemLogPrior: itemLogPrior,
              priorExponent: priorExponent, userIds: userIds, itemIds: itemIds, training: training)
    guard Self.makeSequenceNetwork(config, itemEmbeddings, sequenceTower) != nil else {
      throw .dimensionMismatch("the attention tower's weights do not match its configuration (\(config.sequence.map { "\($0.blocks) blocks, window \($0.maxLength)" } ?? "no sequence configuration"), d = \(itemEmbeddings.columns))")
    }
    self.sequenceTower = sequenceTower
    sequenceNetwork = Self.makeSequenceNetwork(config, itemEmbeddings, sequenceTower)
  }

  static func makeSequenceNetwork(_ config: TwoTowerConfig, _ items: Matrix, _ tower: SequenceTowerWeights?) -> SequenceNetwork<Float>? {
    guard let tower, let seq = config.sequence,
          let encoder = SequenceEncoder<Float>(config: seq, embeddingDim: items.columns, params: tower.parameters) else { return nil }
    if let h = tower.historyTable, h.rows != items.rows || h.columns != items.columns { return nil }
    if seq.shareItemTable != (tower.historyTable == nil) { return nil }
    return SequenceNetwork(d: items.columns, itemCount: items.rows, itemTable: items.storage,
                           historyTable: tower.historyTable?.storage, encoder: encoder)
  }

  /// The attention tower's query vector after `history` (item indices,
  /// oldest first; the last ``SequenceTowerConfig/maxLength`` are read),
  /// or nil when the model has no attention tower. O(L·(d² + L·d) · blocks).
  public func sequenceQuery(history: [Int32]) -> [Float]? {
    guard let net = sequenceNetwork, !history.isEmpty else { return nil }
    return net.queries(histories: [history], threads: 1)
  }

  /// The attention tower's query vectors after each of `histories` (row j
  /// of the returned `histories.count x d` row-major buffer is history j's
  /// last state), or nil when the model has no attention tower or a history
  /// is empty. Histories are encoded in batches over `threads` workers.
  /// - Complexity: O(sum_j L_j · (d² + L_j·d) · blocks).
  public func sequenceQueries(histories: [[Int32]], threads: Int) -> [Float]? {
    guard let net = sequenceNetwork, !histories.contains(where: \.isEmpty) else { return nil }
    return net.queries(histories: histories, threads: threads, chunk: 256)  // the chunk of the fit's own evaluation
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

  static func makeScorer(_ u: Matrix, _ v: Matrix, _ logPrior: [Float], _ beta: Float) -> FactorScorer {
    FactorScorer(userFactors: u, itemFactors: v, itemBias: beta == 0 ? nil : logPrior.map { beta * $0 })
  }
}

extension TwoTowerModel: Recommender {
  public static var kind: String { "two-tower" }
  /// The query tower's output for each training user.
  public var userFactors: Matrix { userEmbeddings }
  /// The item tower's output for each item.
  public var itemFactors: Matrix { itemEmbeddings }
  /// `beta · log P(d)`, or nil when beta is 0.
  public var itemBias: [Float]? { scorer.itemBias }

  /// The model with prior exponent `beta` (replacing its own).
  public func withPrior(exponent beta: Float) throws(RecommenderError) -> any Recommender {
    withPriorExponent(beta)
  }

  /// The attention tower's last state after `history` (items oldest
  /// first; `weights` are ignored: order, not weight, is the input). A
  /// pair-based two-tower model holds the towers' outputs, not the query
  /// tower itself, so it cannot embed a new user's history.
  public func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float] {
    if sequenceNetwork != nil {
      if let bad = history.first(where: { $0 < 0 || Int($0) >= itemEmbeddings.rows }) {
        throw .outOfRange("history item \(bad) is outside 0..<\(itemEmbeddings.rows)")
      }
      guard let q = sequenceQuery(history: history) else {
        throw .foldInUnsupported(kind: Self.kind, reason: "the attention tower needs at least one history item")
      }
      return q
    }
    throw .foldInUnsupported(
      kind: Self.kind,
      reason: "the model file stores the query tower's outputs for its training users, not the tower; refit with the new user's history, or use an iALS model for fold-in")
  }

  /// One sgemm of the gathered user rows against all item embeddings, plus
  /// `beta log P(d)` per column (``FactorScorer`` with an item bias).
  /// - Complexity: O(users·|I|·d).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    scorer.scoreBlock(users: users, into: output)
  }
}
