/// How the query tower reads a user's history.
public enum HistoryEncoder: String, Sendable, Codable, CaseIterable {
  /// The mean embedding of the last N training items (``TwoTowerConfig/history``).
  case mean
  /// Causal self-attention over the last ``SequenceTowerConfig/maxLength``
  /// items (``SequenceTowerConfig``, SASRec-style).
  case attention
}

/// The feed-forward activation of a self-attention block.
public enum FeedForwardActivation: String, Sendable, Codable, CaseIterable {
  /// max(x, 0), as SASRec.
  case relu
  /// x Φ(x) with the exact normal CDF (Hendrycks & Gimpel 2016).
  case gelu
}

/// How a self-attention block is wired.
public enum BlockLayout: String, Sendable, Codable, CaseIterable {
  /// `x += W_O Attn(LN(x))`, then `x += FFN(LN(x))` (pre-LayerNorm, as in
  /// most transformers since Xiong et al. 2020).
  case preLN = "pre-ln"
  /// SASRec's own wiring, as its TensorFlow implementations run it: with
  /// `a = LN(x)`, queries from `a`, keys and values from the raw `x`, no
  /// output projection, `x1 = a + Attn`, then `x1 + FFN(x1)` with no second
  /// LayerNorm.
  case sasrec
}

/// The self-attention history tower: SASRec (Kang & McAuley, "Self-
/// Attentive Sequential Recommendation", ICDM 2018) with pre-LayerNorm
/// blocks, trained on every position's next item.
///
/// The input row of history item `s_t` at position t of the window is
/// `sqrt(d) E[s_t] + P[t]` (E the item table, P learned positional
/// embeddings; the most recent item always takes position `maxLength - 1`,
/// as in SASRec's left-padded window), with dropout. Each of ``blocks``
/// blocks is `x += Attn(LN(x))` then `x += FFN(LN(x))`, where Attn is causal
/// multi-head self-attention (``heads`` heads of width d / heads, query,
/// key, value and output projections, dropout on the attention weights)
/// and FFN is `W2 act(W1 x + b1) + b2` (dropout on its hidden and output
/// rows); a final LayerNorm gives the sequence states. The query vector of
/// a user is the state at the last position of their most recent history.
public struct SequenceTowerConfig: Sendable, Codable, Equatable {
  /// The last N items of a history the tower reads (SASRec's maxlen).
  public var maxLength = 50
  /// Self-attention blocks.
  public var blocks = 2
  /// Attention heads; must divide the embedding width.
  public var heads = 1
  /// Dropout rate on the input embeddings, the attention weights and the
  /// feed-forward hidden and output rows (0: off).
  public var dropout: Float = 0.2
  public var activation: FeedForwardActivation = .relu
  /// Feed-forward inner width (0: the embedding width, as SASRec).
  public var innerDim = 0
  /// The input embeddings are the item tower's table (as SASRec); false:
  /// the history reads its own table.
  public var shareItemTable = true
  /// LayerNorm's epsilon.
  public var layerNormEpsilon: Float = 1e-6
  /// Adam updates every row of the item tables at every step (their
  /// moments decaying while unused), as Keras's Adam does for the SASRec
  /// peer, instead of only the rows in the batch (TF's LazyAdam). Costs
  /// O(items · d) a step.
  public var denseTableUpdates = true
  /// The block wiring (``BlockLayout``).
  public var layout: BlockLayout = .preLN

  public init() {}

  enum CodingKeys: String, CodingKey {
    case maxLength, blocks, heads, dropout, activation, innerDim, shareItemTable, layerNormEpsilon, denseTableUpdates, layout
  }

  /// Reads every field, each absent one at its default (files written
  /// before a field existed stay readable).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = SequenceTowerConfig()
    maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? d.maxLength
    blocks = try c.decodeIfPresent(Int.self, forKey: .blocks) ?? d.blocks
    heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
    dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
    activation = try c.decodeIfPresent(FeedForwardActivation.self, forKey: .activation) ?? d.activation
    innerDim = try c.decodeIfPresent(Int.self, forKey: .innerDim) ?? d.innerDim
    shareItemTable = try c.decodeIfPresent(Bool.self, forKey: .shareItemTable) ?? d.shareItemTable
    layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? d.layerNormEpsilon
    denseTableUpdates = try c.decodeIfPresent(Bool.self, forKey: .denseTableUpdates) ?? d.denseTableUpdates
    layout = try c.decodeIfPresent(BlockLayout.self, forKey: .layout) ?? d.layout
  }

  /// The widest window accepted.
  public static let maxWindow = 4096

  /// The feed-forward width for embedding width `d`.
  public func inner(_ d: Int) -> Int { innerDim > 0 ? innerDim : d }

  func validate(embeddingDim d: Int) throws(TwoTowerError) {
    func bad(_ s: String) -> TwoTowerError { .invalidConfig(s) }
    if maxLength < 1 || maxLength > Self.maxWindow { throw bad("--max-len must be in 1...\(Self.maxWindow), got \(maxLength)") }
    if blocks < 0 || blocks > 64 { throw bad("--blocks must be in 0...64, got \(blocks)") }
    if heads < 1 || d % heads != 0 { throw bad("--heads must divide the embedding width \(d), got \(heads)") }
    if !(dropout >= 0 && dropout < 1) { throw bad("--dropout must be in [0, 1), got \(dropout)") }
    if innerDim < 0 || innerDim > TwoTowerConfig.maxWidth { throw bad("the feed-forward width must be in 0...\(TwoTowerConfig.maxWidth), got \(innerDim)") }
    if !(layerNormEpsilon > 0) || !layerNormEpsilon.isFinite { throw bad("LayerNorm epsilon must be > 0") }
  }
}
