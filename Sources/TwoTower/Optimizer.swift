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
    guard !g.rows.isEmpty else { return }
    let config = config, step = step
    withState(p) { m, v in
      table.withUnsafeMutableBufferPointer { t in
        g.values.withUnsafeBufferPointer { gv in
          g.rows.withUnsafeBufferPointer { rp in
            let run = TableRun(values: t.baseAddress!, first: m, second: v, grads: gv.baseAddress!, rows: rp.baseAddress!,
                               count: rp.count, width: g.width)
            Self.update([run], config: config, step: step, lr: lr, scale: scale, threads: threads)
          }
        }
      }
    }
  }

  /// Updates the touched rows of every table (parameters `0..<tables.count`,
  /// the network's tables come first) in one parallel loop over all their
  /// rows, split over `threads` workers: one fork-join per step instead of
  /// one per table. Same result as ``update(table:_:_:lr:scale:threads:)``
  /// table by table (every row is updated by the same arithmetic).
  mutating func update(tables: inout [[Float]], _ grads: [SparseRows<Float>], lr: Float, scale: Float, threads: Int = 1) {
    precondition(tables.count == grads.count && tables.count <= first.count)
    guard grads.contains(where: { !$0.rows.isEmpty }) else { return }
    let config = config, step = step
    withTableRuns(&tables, grads) { runs in
      Self.update(runs, config: config, step: step, lr: lr, scale: scale, threads: threads)
    }
  }

  /// The rows of all `runs`, taken as one sequence, in contiguous chunks
  /// over `threads` workers.
  private static func update(_ runs: [TableRun], config: TwoTowerConfig, step: Int, lr: Float, scale: Float,
                             threads: Int) {
    var bounds = [0]
    for r in runs { bounds.append(bounds.last! + r.count) }
    let total = bounds.last!, starts = bounds
    // Below ~256 rows a second worker costs more than it saves.
    Parallel.forChunks(total, threads: total >= 256 ? threads : 1) { range in
      for (t, run) in runs.enumerated() {
        let lo = max(range.lowerBound, starts[t]), hi = min(range.upperBound, starts[t + 1])
        if lo < hi { updateRows(run, (lo - starts[t])..<(hi - starts[t]), config: config, step: step, lr: lr, scale: scale) }
      }
    }
  }

  /// One table's parameters, optimiser state and sparse gradient, as
  /// pointers valid while ``withTableRuns(_:_:_:)`` runs; workers write
  /// disjoint rows.
  private struct TableRun: @unchecked Sendable {
    var values: UnsafeMutablePointer<Float>
    var first: UnsafeMutablePointer<Float>
    var second: UnsafeMutablePointer<Float>?
    var grads: UnsafePointer<Float>
    var rows: UnsafePointer<Int32>
    var count: Int
    var width: Int
  }

  /// Runs `body` with a ``TableRun`` for every table with touched rows,
  /// each array pinned for the whole call (one nested scope per table).
  private mutating func withTableRuns(_ tables: inout [[Float]], _ grads: [SparseRows<Float>], _ body: ([TableRun]) -> Void) {
    tables.withUnsafeMutableBufferPointer { tb in
      first.withUnsafeMutableBufferPointer { fb in
        second.withUnsafeMutableBufferPointer { sb in
          var runs: [TableRun] = []
          func pin(_ t: Int) {
            if t == tb.count { body(runs); return }
            if grads[t].rows.isEmpty { pin(t + 1); return }
            tb[t].withUnsafeMutableBufferPointer { tp in
              fb[t].withUnsafeMutableBufferPointer { fp in
                grads[t].values.withUnsafeBufferPointer { gp in
                  grads[t].rows.withUnsafeBufferPointer { rp in
                    func add(_ second: UnsafeMutablePointer<Float>?) {
                      runs.append(TableRun(values: tp.baseAddress!, first: fp.baseAddress!, second: second,
                                           grads: gp.baseAddress!, rows: rp.baseAddress!, count: rp.count,
                                           width: grads[t].width))
                      pin(t + 1)
                    }
                    if sb.isEmpty { add(nil) } else { sb[t].withUnsafeMutableBufferPointer { add($0.baseAddress) } }
                  }
                }
              }
            }
          }
          pin(0)
        }
      }
    }
  }

  /// Updates slots `range` of `run`. The rows are scattered over tables of
  /// many MB: each group's parameter and state rows are requested one
  /// group ahead.
  private static func updateRows(_ run: TableRun, _ range: Range<Int>, config: TwoTowerConfig, step: Int, lr: Float,
                                 scale: Float) {
    let w = run.width, group = 16
    var lo = range.lowerBound
    prefetch(run.rows + lo, count: min(group, range.upperBound - lo), w, run.values, run.first, run.second)
    while lo < range.upperBound {
      let hi = min(range.upperBound, lo + group)
      prefetch(run.rows + hi, count: min(group, range.upperBound - hi), w, run.values, run.first, run.second)
      for s in lo..<hi {
        apply(config, step: step, run.values, offset: Int(run.rows[s]) * w, run.grads + s * w, count: w,
              lr: lr, scale: scale, first: run.first, second: run.second)
      }
      lo = hi
    }
  }

  /// Requests rows `rows[0..<count]` of the parameters and state (for writing).
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
