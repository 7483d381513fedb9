import LinearAlgebra

/// The parameters of the self-attention history tower
/// (``SequenceTowerConfig``) in scalar type `T`: float32 for training and
/// serving, float64 for the reference the finite-difference tests
/// differentiate. The item tables (the item tower's, and the history's own
/// when it is not shared) live in ``SequenceNetwork``; this holds the dense
/// arrays, in a fixed order (``names``):
///
/// - 0: positional embeddings P, `maxLength x d`;
/// - 1, 2: the final LayerNorm's gamma and beta (d);
/// - per block b, from `3 + 16 b`: LN1 gamma, beta; W_Q (`d x d`, applied
///   as `x W`), b_Q; W_K, b_K; W_V, b_V; W_O, b_O; LN2 gamma, beta; W_1
///   (`d x f`), b_1 (f); W_2 (`f x d`), b_2 (d). The ``BlockLayout/sasrec``
///   wiring leaves W_O, b_O and LN2 unused (their gradients are 0).
struct SequenceEncoder<T: TowerScalar> {
  let d: Int
  let heads: Int
  let maxLength: Int
  let inner: Int
  let blockCount: Int
  let activation: FeedForwardActivation
  let layout: BlockLayout
  let epsilon: T
  var params: [[T]]

  static var perBlock: Int { 16 }
  static var blockBase: Int { 3 }

  enum Slot: Int, CaseIterable {
    case ln1Gamma, ln1Beta, wq, bq, wk, bk, wv, bv, wo, bo, ln2Gamma, ln2Beta, w1, b1, w2, b2
  }

  /// Index of block `b`'s parameter `slot` in ``params``.
  @inline(__always) func index(_ b: Int, _ slot: Slot) -> Int { Self.blockBase + Self.perBlock * b + slot.rawValue }

  var headDim: Int { d / heads }

  /// Parameter names in ``params`` order (as saved in model files).
  var names: [String] {
    var out = ["positions", "final_ln_gamma", "final_ln_beta"]
    for b in 0..<blockCount {
      for s in ["ln1_gamma", "ln1_beta", "query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel",
                "value_bias", "output_kernel", "output_bias", "ln2_gamma", "ln2_beta", "ffn1_kernel", "ffn1_bias",
                "ffn2_kernel", "ffn2_bias"] {
        out.append("block\(b)_\(s)")
      }
    }
    return out
  }

  /// `(rows, columns)` of every parameter, in ``params`` order.
  var shapes: [(Int, Int)] {
    var out = [(maxLength, d), (1, d), (1, d)]
    for _ in 0..<blockCount {
      out += [(1, d), (1, d), (d, d), (1, d), (d, d), (1, d), (d, d), (1, d), (d, d), (1, d), (1, d), (1, d),
              (d, inner), (1, inner), (inner, d), (1, d)]
    }
    return out
  }

  /// The shape of `config` at width d, with no parameters yet.
  private init(shape config: SequenceTowerConfig, embeddingDim d: Int) {
    self.d = d
    heads = config.heads
    maxLength = config.maxLength
    inner = config.inner(d)
    blockCount = config.blocks
    activation = config.activation
    layout = config.layout
    epsilon = T(config.layerNormEpsilon)
    params = []
  }

  /// Fresh parameters: positions uniform in `[-initScale, initScale]`
  /// (as the tables), projections and feed-forward kernels Glorot-uniform,
  /// biases 0, LayerNorm gamma 1 and beta 0.
  init(config: SequenceTowerConfig, embeddingDim d: Int, initScale: Double, rng: inout some RandomNumberGenerator) {
    self.init(shape: config, embeddingDim: d)
    let names = self.names, shapes = self.shapes
    for (name, (r, c)) in zip(names, shapes) {
      let n = r * c
      if name.hasSuffix("gamma") {
        params.append([T](repeating: 1, count: n))
      } else if name.hasSuffix("bias") || name.hasSuffix("beta") {
        params.append([T](repeating: 0, count: n))
      } else if name == "positions" {
        params.append((0..<n).map { _ in T(Double.random(in: -initScale...initScale, using: &rng)) })
      } else {
        let limit = (6.0 / Double(r + c)).squareRoot()
        params.append((0..<n).map { _ in T(Double.random(in: -limit..<limit, using: &rng)) })
      }
    }
  }

  /// An encoder with the given parameters (checked against the shapes).
  init?(config: SequenceTowerConfig, embeddingDim d: Int, params: [[T]]) {
    self.init(shape: config, embeddingDim: d)
    self.params = params
    let shapes = self.shapes
    guard params.count == shapes.count, zip(params, shapes).allSatisfy({ $0.count == $1.0 * $1.1 }) else { return nil }
  }

  /// Zero arrays of the parameters' shapes (a gradient).
  func zeros() -> [[T]] { params.map { [T](repeating: 0, count: $0.count) } }

  /// The same encoder in another scalar type.
  func converted<U: TowerScalar>(to _: U.Type, config: SequenceTowerConfig) -> SequenceEncoder<U> {
    SequenceEncoder<U>(config: config, embeddingDim: d, params: params.map { $0.map { U($0) } })!
  }
}
