import InteractionData
import LinearAlgebra

/// An implicit-feedback matrix factorisation model fitted by alternating
/// least squares: user factors `W` (`|U| x k`) and item factors `H`
/// (`|I| x k`); the score of `(u, i)` is `<w_u, h_i>`.
///
/// Fit with ``fit(_:userIds:itemIds:config:onEpoch:)``; the loss and the
/// solvers are described on ``ALSFormulation`` and ``ALSSolver``.
public struct IALSModel: Sendable {
  /// The hyperparameters the factors were fitted with.
  public var config: IALSConfig
  /// `|U| x k`, row u is user u's vector.
  public var userFactors: Matrix
  /// `|I| x k`, row i is item i's vector.
  public var itemFactors: Matrix {
    didSet { itemGramCache = GramCache() }
  }
  /// External user ids, by dense index.
  public var userIds: IdMap
  /// External item ids, by dense index.
  public var itemIds: IdMap
  /// What the model was trained on (set by ``fit(_:userIds:itemIds:config:onEpoch:onEpochModel:)``
  /// and kept in the file from format version 2), or nil.
  public var training: TrainingSummary?
  /// `HᵀH` for fold-in, computed on first use; a new, empty cache after
  /// `itemFactors` changes.
  var itemGramCache = GramCache()

  /// A model over given factors (rows must match the id maps when these are
  /// non-empty). The item Gram matrix used by fold-in is computed at the
  /// first fold-in, not here.
  public init(config: IALSConfig, userFactors: Matrix, itemFactors: Matrix, userIds: IdMap, itemIds: IdMap,
              training: TrainingSummary? = nil) {
    precondition(userFactors.columns == itemFactors.columns, "user and item factors differ in width")
    self.config = config
    self.userFactors = userFactors
    self.itemFactors = itemFactors
    self.userIds = userIds
    self.itemIds = itemIds
    self.training = training
  }

  /// Embedding dimension k.
  public var factors: Int { itemFactors.columns }

  /// `HᵀH` of the current item factors, computed at the first call and
  /// cached. O(|I| k²) the first time, O(1) after.
  public var itemGram: Matrix { itemGramCache.get { Self.gram(itemFactors, threads: config.threads) } }

  /// `MᵀM` with both triangles, with OpenBLAS at `threads` threads.
  package static func gram(_ m: Matrix, threads: Int) -> Matrix {
    BLAS.withThreads(threads) { m.gram() }
  }
}
