import Foundation
import GramianKernels
import LinearAlgebra

/// Adam or Adagrad state for every parameter array of a network, with
/// lazy sparse updates for embedding tables: a step touches only the rows
/// in its batch (their moments or accumulators), as TF's sparse
/// `IndexedSlices` updates do.
///
/// - Adam (Kingma & Ba, ICLR 2015): `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`,
///   `p -= lr · sqrt(1-b2^t)/(1-b1^t) · m / (sqrt(v) + eps)` with the global step t.
/// - Adagrad (Duchi, Hazan, Singer, JMLR 2011) as `tf_keras.optimizers.Adagrad`:
///   `a += g²`, `p -= lr g / sqrt(a + 1e-7)`, `a` starting at `adagradInitial`
///   (Keras's 0.1). A table row's g is the sum of its duplicates in the batch
///   (``SparseRows``) before it is squared, as Keras deduplicates
///   `IndexedSlices` before the update.
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

  /// Applies `scale · g` to `values[offset ..< offset + count]` with the state `first`, `second` at the same offset.
  @inline(__always)
  private static func apply(_ config: TwoTowerConfig, step: Int, _ values: UnsafeMutablePointer<Float>, offset: Int,
                            _ g: UnsafePointer<Float>, count: Int, lr: Float, scale: Float,
                            first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>?) {
    switch config.optimizer {
    case .adam:
      let b1 = config.adamBeta1, b2 = config.adamBeta2, t = Float(step)
      let lrT = lr * (1 - powf(b2, t)).squareRoot() / (1 - powf(b1, t))
      OptimizerKernels.adam(values + offset, first + offset, second! + offset, g, count: count, lrT: lrT, scale: scale,
                            b1: b1, b2: b2, epsilon: config.adamEpsilon)
    case .adagrad:
      OptimizerKernels.adagrad(values + offset, first + offset, g, count: count, lr: lr, scale: scale,
                               epsilon: Self.adagradEpsilon)
    }
  }

  /// Keras's Adagrad epsilon (added to the accumulator under the square root).
  static let adagradEpsilon: Float = 1e-7

  /// Runs `body(first, second)` with pointers to parameter `p`'s state.
  private mutating func withState<R>(_ p: Int, _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> R) -> R {
    first[p].withUnsafeMutableBufferPointer { m in
      if second.isEmpty { return body(m.baseAddress!, nil) }
      return second[p].withUnsafeMutableBufferPointer { v in body(m.baseAddress!, v.baseAddress!) }
    }
  }

  /// Updates the touched rows of table parameter `p`, rows split over
  /// `threads` workers (the rows are distinct, so the split does not
  /// change the result).
  mutating func update(table p: Int, _ table: inout [Float], _ g: SparseRows<Float>, lr: Float, scale: Float,
                       threads: Int = 1) {
    let w = g.width, rows = g.rows.count
    guard rows > 0 else { return }
    let config = config, step = step
    withState(p) { m, v in
      table.withUnsafeMutableBufferPointer { t in
        g.values.withUnsafeBufferPointer { gv in
          g.rows.withUnsafeBufferPointer { rp in
            let tB = SendablePointer(t.baseAddress!), gB = SendableConstPointer(gv.baseAddress!)
            let rB = SendableConstPointer(rp.baseAddress!), mB = SendablePointer(m)
            let vB = v.map { SendablePointer($0) }
            // Below ~256 rows a second worker costs more than it saves.
            Parallel.forChunks(rows, threads: rows >= 256 ? threads : 1) { range in
              // The rows are scattered over tables of many MB: each group's
              // parameter and state rows are requested one group ahead.
              let group = 16
              var lo = range.lowerBound
              Self.prefetch(rB.base + lo, count: min(group, range.upperBound - lo), w, tB.base, mB.base, vB?.base)
              while lo < range.upperBound {
                let hi = min(range.upperBound, lo + group)
                Self.prefetch(rB.base + hi, count: min(group, range.upperBound - hi), w, tB.base, mB.base, vB?.base)
                for s in lo..<hi {
                  Self.apply(config, step: step, tB.base, offset: Int(rB.base[s]) * w, gB.base + s * w, count: w,
                             lr: lr, scale: scale, first: mB.base, second: vB?.base)
                }
                lo = hi
              }
            }
          }
        }
      }
    }
  }

  @inline(__always)
  private static func prefetch(_ rows: UnsafePointer<Int32>, count: Int, _ w: Int, _ values: UnsafeMutablePointer<Float>,
                               _ first: UnsafeMutablePointer<Float>, _ second: UnsafeMutablePointer<Float>?) {
    guard count > 0 else { return }
    let bytes = w * MemoryLayout<Float>.stride
    gk_prefetch_rows(values, bytes, rows, count, 1)
    gk_prefetch_rows(first, bytes, rows, count, 1)
    if let second { gk_prefetch_rows(second, bytes, rows, count, 1) }
  }

  /// Updates dense parameter `p` (every entry).
  mutating func update(dense p: Int, _ values: inout [Float], _ g: [Float], lr: Float, scale: Float) {
    let config = config, step = step
    withState(p) { m, v in
      values.withUnsafeMutableBufferPointer { vp in
        g.withUnsafeBufferPointer { gp in
          Self.apply(config, step: step, vp.baseAddress!, offset: 0, gp.baseAddress!, count: g.count,
                     lr: lr, scale: scale, first: m, second: v)
        }
      }
    }
  }
}
