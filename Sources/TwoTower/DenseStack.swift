/// The MLP of a tower and its optional L2 normalisation: layer `l` maps
/// `x_l` (`B x in_l`) to `z_l = x_l W_l + b_l`; hidden layers apply ReLU,
/// the last is linear (as the TFRS peer). With `normalize`, the output is
/// `y / |y|`. No layers: the output is the input.
///
/// Forward and backward are GEMMs through BLAS (`?gemm` of ``TowerScalar``)
/// on contiguous row chunks, one per worker; the weight gradient is the sum
/// of per-chunk partials in chunk order (fixed for a thread count).
/// - Complexity: per batch, 2·B·sum(in_l·out_l) flops forward, twice that backward.
import LinearAlgebra

struct DenseStack<T: TowerScalar> {
  /// Widths, the input first: `[d0, w_1, ..., w_L]`.
  var widths: [Int]
  var normalize: Bool
  /// `W_l`, row-major `in_l x out_l`.
  var weights: [[T]]
  var biases: [[T]]

  var inputDim: Int { widths[0] }
  var outputDim: Int { widths.last! }
  var layerCount: Int { widths.count - 1 }

  /// Glorot-uniform weights (limit sqrt(6 / (in + out))), zero biases.
  init(input: Int, layers: [Int], normalize: Bool, rng: inout some RandomNumberGenerator) {
    widths = [input] + layers
    self.normalize = normalize
    weights = []
    biases = []
    for l in 0..<layers.count {
      let fanIn = widths[l], fanOut = widths[l + 1]
      let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
      weights.append((0..<(fanIn * fanOut)).map { _ in T(Double.random(in: -limit..<limit, using: &rng)) })
      biases.append([T](repeating: 0, count: fanOut))
    }
  }

  init(widths: [Int], normalize: Bool, weights: [[T]], biases: [[T]]) {
    self.widths = widths; self.normalize = normalize; self.weights = weights; self.biases = biases
  }

  /// Activations kept for the backward pass.
  struct Pass {
    var rows: Int
    /// `x[0]` is the input; `x[l+1]` the output of layer l (after ReLU if hidden).
    var x: [[T]]
    /// Row norms of the unnormalised output (normalize only).
    var norms: [T]
    /// The tower output, `rows x outputDim`.
    var output: [T]
  }

  /// Runs the stack on `input` (`rows x inputDim`), rows split over
  /// `threads` workers (BLAS at one thread inside them).
  func forward(_ input: [T], rows: Int, threads: Int = 1) -> Pass {
    var x = [input]
    for l in 0..<layerCount {
      let n = widths[l + 1], k = widths[l], hidden = l < layerCount - 1
      var z = [T](repeating: 0, count: rows * n)
      x[l].withUnsafeBufferPointer { xp in
        weights[l].withUnsafeBufferPointer { wp in
          biases[l].withUnsafeBufferPointer { bp in
            z.withUnsafeMutableBufferPointer { zp in
              let xB = SendableConstPointer(xp.baseAddress!), wB = SendableConstPointer(wp.baseAddress!)
              let bB = SendableConstPointer(bp.baseAddress!), zB = SendablePointer(zp.baseAddress!)
              RowChunks.run(rows, threads: threads) { lo, hi in
                let out = zB.base + lo * n
                for r in 0..<(hi - lo) { (out + r * n).update(from: bB.base, count: n) }
                T.gemm(transA: false, transB: false, m: hi - lo, n: n, k: k, alpha: 1, a: xB.base + lo * k, lda: k,
                       b: wB.base, ldb: n, beta: 1, c: out, ldc: n)
                if hidden { T.relu(out, count: (hi - lo) * n) }
              }
            }
          }
        }
      }
      x.append(z)
    }
    var output = x.last!
    var norms: [T] = []
    if normalize {
      let d = outputDim
      norms = [T](repeating: 0, count: rows)
      for r in 0..<rows {
        var s: T = 0
        for j in 0..<d { s += output[r * d + j] * output[r * d + j] }
        let nrm = Swift.max(s.squareRoot(), T(1e-12))
        norms[r] = nrm
        for j in 0..<d { output[r * d + j] /= nrm }
      }
    }
    return Pass(rows: rows, x: x, norms: norms, output: output)
  }

  /// Gradients of the layers (`dW_l`, `db_l`).
  struct Gradients {
    var dW: [[T]]
    var db: [[T]]
  }

  func zeroGradients() -> Gradients {
    Gradients(dW: weights.map { [T](repeating: 0, count: $0.count) },
              db: biases.map { [T](repeating: 0, count: $0.count) })
  }

  /// Back-propagates `dOutput` (`rows x outputDim`): accumulates into `grads`
  /// and returns the gradient of the input (`rows x inputDim`).
  func backward(_ pass: Pass, _ dOutput: [T], into grads: inout Gradients, threads: Int = 1) -> [T] {
    let rows = pass.rows
    var dz = dOutput
    if normalize {
      // y = z/|z|: dz = (dy - y <y, dy>) / |z|.
      let d = outputDim
      for r in 0..<rows {
        var dot: T = 0
        for j in 0..<d { dot += pass.output[r * d + j] * dOutput[r * d + j] }
        for j in 0..<d { dz[r * d + j] = (dOutput[r * d + j] - pass.output[r * d + j] * dot) / pass.norms[r] }
      }
    }
    var l = layerCount - 1
    while l >= 0 {
      let nIn = widths[l], nOut = widths[l + 1], hidden = l < layerCount - 1
      // Per chunk: the ReLU mask on its rows of dZ, its partial db (column
      // sums) and dW = Xᵀ dZ, and its rows of dX = dZ Wᵀ; the partials are
      // then added in chunk order.
      let chunks = RowChunks.count(rows, threads: threads)
      var partialW = [T](repeating: 0, count: chunks * nIn * nOut)
      var partialB = [T](repeating: 0, count: chunks * nOut)
      var dx = [T](repeating: 0, count: rows * nIn)
      pass.x[l].withUnsafeBufferPointer { xp in
        pass.x[l + 1].withUnsafeBufferPointer { ap in
          dz.withUnsafeMutableBufferPointer { dzp in
            weights[l].withUnsafeBufferPointer { wp in
              partialW.withUnsafeMutableBufferPointer { pwp in
                partialB.withUnsafeMutableBufferPointer { pbp in
                  dx.withUnsafeMutableBufferPointer { dxp in
                    let xB = SendableConstPointer(xp.baseAddress!), aB = SendableConstPointer(ap.baseAddress!)
                    let dzB = SendablePointer(dzp.baseAddress!), wB = SendableConstPointer(wp.baseAddress!)
                    let pwB = SendablePointer(pwp.baseAddress!), pbB = SendablePointer(pbp.baseAddress!)
                    let dxB = SendablePointer(dxp.baseAddress!)
                    RowChunks.run(rows, threads: threads) { lo, hi in
                      let c = RowChunks.index(of: lo, rows: rows, chunks: chunks)
                      let dzc = dzB.base + lo * nOut, db = pbB.base + c * nOut
                      T.reluMaskColumnSums(rows: hi - lo, n: nOut, activations: hidden ? aB.base + lo * nOut : nil,
                                           dz: dzc, db: db)
                      // Both targets start at zero: beta 1 spares BLAS its separate scaling pass.
                      T.gemm(transA: true, transB: false, m: nIn, n: nOut, k: hi - lo, alpha: 1, a: xB.base + lo * nIn,
                             lda: nIn, b: dzc, ldb: nOut, beta: 1, c: pwB.base + c * nIn * nOut, ldc: nOut)
                      T.gemm(transA: false, transB: true, m: hi - lo, n: nIn, k: nOut, alpha: 1, a: dzc, lda: nOut,
                             b: wB.base, ldb: nOut, beta: 1, c: dxB.base + lo * nIn, ldc: nIn)
                    }
                  }
                }
              }
            }
          }
        }
      }
      Self.addChunks(partialW, chunks: chunks, into: &grads.dW[l])
      Self.addChunks(partialB, chunks: chunks, into: &grads.db[l])
      dz = dx
      l -= 1
    }
    return dz
  }

  /// `target += sum_c partial[c]`, the chunks added in order.
  static func addChunks(_ partial: [T], chunks: Int, into target: inout [T]) {
    let n = target.count
    partial.withUnsafeBufferPointer { p in
      target.withUnsafeMutableBufferPointer { t in
        for c in 0..<chunks { for j in 0..<n { t[j] += p[c * n + j] } }
      }
    }
  }
}

/// Contiguous row chunks for the workers (the split of `Parallel.forChunks`).
enum RowChunks {
  /// Chunks used for `rows` rows on `threads` workers.
  static func count(_ rows: Int, threads: Int) -> Int { max(1, min(threads, rows)) }

  /// The chunk whose first row is `lo`.
  static func index(of lo: Int, rows: Int, chunks: Int) -> Int {
    for c in 0..<chunks where rows * c / chunks == lo { return c }
    preconditionFailure("row \(lo) starts no chunk")
  }

  /// Runs `body(lo, hi)` per chunk; with more than one chunk the workers
  /// run with OpenBLAS at one thread.
  static func run(_ rows: Int, threads: Int, _ body: @Sendable (Int, Int) -> Void) {
    guard rows > 0 else { return }
    let chunks = count(rows, threads: threads)
    if chunks == 1 { body(0, rows); return }
    BLAS.withThreads(1) {
      Parallel.forChunks(rows, threads: chunks) { r in body(r.lowerBound, r.upperBound) }
    }
  }
}
