/// The element-wise optimiser updates on contiguous runs of parameters:
/// the one place their pointer loops live. Each element's update depends
/// only on its own state, so any split of the runs over workers gives the
/// same bits.
enum OptimizerKernels {
  /// Adagrad (Duchi, Hazan, Singer, JMLR 2011) as Keras applies it:
  /// `g = scale · grad`, `a += g²`, `p -= lr · g / sqrt(a + eps)`
  /// (epsilon inside the square root, `tf_keras.optimizers.Adagrad`).
  /// - Complexity: O(count), 8 lanes at a time.
  @inline(__always)
  static func adagrad(_ p: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ grad: UnsafePointer<Float>,
                      count: Int, lr: Float, scale: Float, epsilon: Float) {
    var j = 0
    let vlr = SIMD8<Float>(repeating: lr), vs = SIMD8<Float>(repeating: scale), ve = SIMD8<Float>(repeating: epsilon)
    while j + 8 <= count {
      let g = vs * load8(grad + j)
      let acc = load8(a + j) + g * g
      store8(acc, a + j)
      store8(load8(p + j) - vlr * g / (acc + ve).squareRoot(), p + j)
      j += 8
    }
    while j < count {
      let g = scale * grad[j]
      let acc = a[j] + g * g
      a[j] = acc
      p[j] -= lr * g / (acc + epsilon).squareRoot()
      j += 1
    }
  }

  /// Adam (Kingma & Ba, ICLR 2015) with the bias corrections folded into
  /// `lrT = lr · sqrt(1 - b2^t) / (1 - b1^t)`:
  /// `m = b1 m + (1-b1) g`, `v = b2 v + (1-b2) g²`, `p -= lrT · m / (sqrt(v) + eps)`.
  /// - Complexity: O(count).
  @inline(__always)
  static func adam(_ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                   _ grad: UnsafePointer<Float>, count: Int, lrT: Float, scale: Float, b1: Float, b2: Float, epsilon: Float) {
    for j in 0..<count {
      let g = scale * grad[j]
      let mj = b1 * m[j] + (1 - b1) * g
      let vj = b2 * v[j] + (1 - b2) * g * g
      m[j] = mj
      v[j] = vj
      p[j] -= lrT * mj / (vj.squareRoot() + epsilon)
    }
  }

  /// True when every entry is finite (`g · 0` is 0 for finite g, NaN otherwise).
  /// - Complexity: O(count).
  static func allFinite(_ g: UnsafePointer<Float>, count: Int) -> Bool {
    var acc = SIMD8<Float>(repeating: 0)
    var j = 0
    while j + 8 <= count { acc += load8(g + j) * 0; j += 8 }
    var tail: Float = 0
    while j < count { tail += g[j] * 0; j += 1 }
    return (acc.sum() + tail) == 0
  }

  @inline(__always)
  private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }

  @inline(__always)
  private static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> { load8(UnsafePointer(p)) }

  @inline(__always)
  private static func store8(_ x: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<Float>.self)
  }
}
