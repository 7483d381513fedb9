import InteractionData
import LinearAlgebra

/// A plain factor model: given user and item vectors, an optional item
/// bias and ids, with no fitting rule of its own. It carries another
/// model's factors with a serving-time change (a popularity prior, see
/// ``Recommender/withPrior(exponent:)``), or factors read from `.npy` files.
public struct FactorModel: Recommender {
  public static var kind: String { "factors" }
  public var userIds: IdMap
  public var itemIds: IdMap
  public var userFactors: Matrix
  public var itemFactors: Matrix
  public var itemBias: [Float]?
  public var training: TrainingSummary?
  /// The kind of the model the factors came from ("ials", ...), for messages.
  public var source: String

  public init(userFactors: Matrix, itemFactors: Matrix, itemBias: [Float]? = nil, userIds: IdMap = IdMap(),
              itemIds: IdMap = IdMap(), training: TrainingSummary? = nil, source: String = "factors") {
    precondition(userFactors.columns == itemFactors.columns, "user and item factors differ in width")
    precondition(itemBias == nil || itemBias!.count == itemFactors.rows, "one bias per item")
    self.userFactors = userFactors
    self.itemFactors = itemFactors
    self.itemBias = itemBias
    self.userIds = userIds
    self.itemIds = itemIds
    self.training = training
    self.source = source
  }

  /// One sgemm per block through ``FactorScorer``, plus the bias.
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    FactorScorer(userFactors: userFactors, itemFactors: itemFactors, itemBias: itemBias).scoreBlock(users: users, into: output)
  }

  public func foldIn(history: [Int32], weights: [Float]?) throws(RecommenderError) -> [Float] {
    throw .foldInUnsupported(kind: source, reason: "plain factors carry no rule for a new user's vector")
  }

  /// Plain factors are not a model file; export them instead.
  public func save(to path: String) throws {
    throw RecommenderError.unsupported("\(path): plain factors (\(source) with a serving-time change) are not saved as a model; save the original model, or export the factors")
  }
}

extension Recommender {
  /// The same model scored with `+ beta * log P(d)`: the popularity prior
  /// `P(d)^beta`, `P(d)` each item's training frequency
  /// (``PopularityPrior``, from ``TrainingSummary/itemCounts``). Two-tower
  /// models replace their own exponent; other kinds add the term to their
  /// bias.
  /// - Throws: ``RecommenderError/unsupported(_:)`` when the model records
  ///   no training counts (files saved before format version 2).
  public func addingPrior(exponent beta: Float) throws(RecommenderError) -> FactorModel {
    guard let counts = training?.itemCounts else {
      throw .unsupported("the \(kind) model records no training counts (saved before format 2), so P(d) is unknown; refit it to use a prior")
    }
    let prior = PopularityPrior.bias(itemCounts: counts, beta: beta)
    let bias = itemBias.map { b in zip(b, prior).map { $0 + $1 } } ?? prior
    return FactorModel(userFactors: userFactors, itemFactors: itemFactors, itemBias: bias, userIds: userIds,
                       itemIds: itemIds, training: training, source: kind)
  }
}
