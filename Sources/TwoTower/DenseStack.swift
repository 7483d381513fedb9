/// The MLP of a tower and its optional L2 normalisation: layer `l` maps
/// `x_l` (`B x in_l`) to `z_l = x_l W_l + b_l`; hidden layers apply ReLU,
/// the last is linear (as the TFRS peer). With `normalize`, the output is
/// `y / |y|`. No layers: the output is the input.
///
/// Forward and backward are GEMMs through BLAS (`?gemm` of ``TowerScalar``).
/// - Complexity: per batch, 2·B·sum(in_l·out_l) flops forward, twice that backward.
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

  /// Runs the stack on `input` (`rows x inputDim`).
  func forward(_ input: [T], rows: Int) -> Pass {
    var x = [input]
    for l in 0..<layerCount {
      let n = widths[l + 1]
      var z = [T](repeating: 0, count: rows * n)
      let b = biases[l]
      for r in 0..<rows { for j in 0..<n { z[r * n + j] = b[j] } }
      gemm(m: rows, n: n, k: widths[l], x[l], lda: widths[l], weights[l], ldb: n, beta: 1, &z, ldc: n)
      if l < layerCount - 1 { for j in 0..<z.count where z[j] < 0 { z[j] = 0 } }
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
  func backward(_ pass: Pass, _ dOutput: [T], into grads: inout Gradients) -> [T] {
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
      let nIn = widths[l], nOut = widths[l + 1]
      if l < layerCount - 1 {
        let act = pass.x[l + 1]
        for j in 0..<dz.count where act[j] <= 0 { dz[j] = 0 }
      }
      gemm(transA: true, m: nIn, n: nOut, k: rows, pass.x[l], lda: nIn, dz, ldb: nOut, beta: 1, &grads.dW[l], ldc: nOut)
      for r in 0..<rows { for j in 0..<nOut { grads.db[l][j] += dz[r * nOut + j] } }
      var dx = [T](repeating: 0, count: rows * nIn)
      gemm(transB: true, m: rows, n: nIn, k: nOut, dz, lda: nOut, weights[l], ldb: nOut, &dx, ldc: nIn)
      dz = dx
      l -= 1
    }
    return dz
  }
}
