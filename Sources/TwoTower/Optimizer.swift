import Foundation

/// Adam or Adagrad state for every parameter array of a network, with
/// lazy sparse updates for embedding tables: a step touches only the rows
/// in its batch (their moments or accumulators), as TF's sparse
/// `IndexedSlices` updates do.
///
/// - Adam (Kingma & Ba, ICLR 2015): `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`,
///   `p -= lr · sqrt(1-b2^t)/(1-b1^t) · m / (sqrt(v) + eps)` with the global step t.
/// - Adagrad (Duchi, Hazan, Singer, JMLR 2011): `a += g²`, `p -= lr g / (sqrt(a) + 1e-7)`,
///   `a` starting at `adagradInitial` (Keras's 0.1).
/// - Complexity: O(touched rows · d + dense parameters) per step.
struct Optimizer {
  let config: TwoTowerConfig
  /// First moments (Adam) or accumulators (Adagrad), parallel to the parameters.
  var first: [[Float]]
  /// Second moments (Adam only).
  var second: [[Float]]
  var step = 0

  /// State for parameter arrays of the given sizes.
  init(sizes: [Int], config: TwoTowerConfig) {
    self.config = config
    switch config.optimizer {
    case .adam:
      first = sizes.map { [Float](repeating: 0, count: $0) }
      second = sizes.map { [Float](repeating: 0, count: $0) }
    case .adagrad:
      first = sizes.map { [Float](repeating: config.adagradInitial, count: $0) }
      second = []
    }
  }

  /// The learning rate at step `t` (1-based) of `total`: linear warm-up,
  /// then constant, linear or cosine decay to 0 at `total`.
  static func learningRate(step t: Int, total: Int, config: TwoTowerConfig) -> Float {
    let base = config.learningRate
    if t <= config.warmupSteps { return base * Float(t) / Float(max(1, config.warmupSteps)) }
    let span = max(1, total - config.warmupSteps)
    let progress = min(1, Float(t - config.warmupSteps) / Float(span))
    switch config.decay {
    case .none: return base
    case .linear: return base * (1 - progress)
    case .cosine: return base * 0.5 * (1 + Float(cos(Double.pi * Double(progress))))
    }
  }

  /// Applies `scale · g` to `values[offset ..< offset + g.count]` of parameter array `p`.
  @inline(__always)
  private mutating func apply(_ p: Int, _ values: UnsafeMutablePointer<Float>, offset: Int,
                              _ g: UnsafePointer<Float>, count: Int, lr: Float, scale: Float) {
    switch config.optimizer {
    case .adam:
      let b1 = config.adamBeta1, b2 = config.adamBeta2, eps = config.adamEpsilon
      let t = Float(step)
      let lrT = lr * (1 - powf(b2, t)).squareRoot() / (1 - powf(b1, t))
      first[p].withUnsafeMutableBufferPointer { m in
        second[p].withUnsafeMutableBufferPointer { v in
          for j in 0..<count {
            let gj = scale * g[j]
            let mj = b1 * m[offset + j] + (1 - b1) * gj
            let vj = b2 * v[offset + j] + (1 - b2) * gj * gj
            m[offset + j] = mj; v[offset + j] = vj
            values[offset + j] -= lrT * mj / (vj.squareRoot() + eps)
          }
        }
      }
    case .adagrad:
      first[p].withUnsafeMutableBufferPointer { a in
        for j in 0..<count {
          let gj = scale * g[j]
          let aj = a[offset + j] + gj * gj
          a[offset + j] = aj
          values[offset + j] -= lr * gj / (aj.squareRoot() + 1e-7)
        }
      }
    }
  }

  /// Updates the touched rows of table parameter `p`.
  mutating func update(table p: Int, _ table: inout [Float], _ g: SparseRows<Float>, lr: Float, scale: Float) {
    let w = g.width
    table.withUnsafeMutableBufferPointer { t in
      g.values.withUnsafeBufferPointer { gv in
        for (s, row) in g.rows.enumerated() {
          apply(p, t.baseAddress!, offset: Int(row) * w, gv.baseAddress! + s * w, count: w, lr: lr, scale: scale)
        }
      }
    }
  }

  /// Updates dense parameter `p` (every entry).
  mutating func update(dense p: Int, _ values: inout [Float], _ g: [Float], lr: Float, scale: Float) {
    values.withUnsafeMutableBufferPointer { v in
      g.withUnsafeBufferPointer { gp in
        apply(p, v.baseAddress!, offset: 0, gp.baseAddress!, count: g.count, lr: lr, scale: scale)
      }
    }
  }
}
