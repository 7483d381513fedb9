import LinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// Row-parallel building blocks of the attention tower, each on contiguous
/// row chunks (``RowChunks``, OpenBLAS at one thread inside the workers).
/// Reductions over rows (weight, bias and LayerNorm gradients) are formed
/// per chunk and added in chunk order, so the thread count and the seed
/// fix the result.
enum SequenceOps {
  /// `x W + b` for `rows x fanIn` x, `fanIn x fanOut` W. O(2·rows·in·out).
  static func linear<T: TowerScalar>(_ x: [T], rows: Int, _ w: [T], _ b: [T], fanIn: Int, fanOut: Int, threads: Int) -> [T] {
    var y = [T](repeating: 0, count: rows * fanOut)
    guard rows > 0 else { return y }
    x.withUnsafeBufferPointer { xp in
      w.withUnsafeBufferPointer { wp in
        b.withUnsafeBufferPointer { bp in
          y.withUnsafeMutableBufferPointer { yp in
            let xB = SendableConstPointer(xp.baseAddress!), wB = SendableConstPointer(wp.baseAddress!)
            let bB = SendableConstPointer(bp.baseAddress!), yB = SendablePointer(yp.baseAddress!)
            RowChunks.run(rows, threads: threads) { lo, hi in
              let out = yB.base + lo * fanOut
              for r in 0..<(hi - lo) { (out + r * fanOut).update(from: bB.base, count: fanOut) }
              T.gemm(transA: false, transB: false, m: hi - lo, n: fanOut, k: fanIn, alpha: 1, a: xB.base + lo * fanIn,
                     lda: fanIn, b: wB.base, ldb: fanOut, beta: 1, c: out, ldc: fanOut)
            }
          }
        }
      }
    }
    return y
  }

  /// The backward of ``linear(_:rows:_:_:fanIn:fanOut:threads:)``:
  /// `dW += xᵀ dy`, `db += colsum(dy)` (`grads[weight]`, `grads[bias]`), `dx += dy Wᵀ`.
  static func linearBackward<T: TowerScalar>(_ x: [T], _ dy: [T], rows: Int, _ w: [T], fanIn: Int, fanOut: Int,
                                             grads: inout [[T]], weight: Int, bias: Int, dx: inout [T], threads: Int) {
    guard rows > 0 else { return }
    let chunks = RowChunks.count(rows, threads: threads)
    var partialW = [T](repeating: 0, count: chunks * fanIn * fanOut)
    var partialB = [T](repeating: 0, count: chunks * fanOut)
    x.withUnsafeBufferPointer { xp in
      dy.withUnsafeBufferPointer { gp in
        w.withUnsafeBufferPointer { wp in
          partialW.withUnsafeMutableBufferPointer { pw in
            partialB.withUnsafeMutableBufferPointer { pb in
              dx.withUnsafeMutableBufferPointer { dxp in
                let xB = SendableConstPointer(xp.baseAddress!), gB = SendableConstPointer(gp.baseAddress!)
                let wB = SendableConstPointer(wp.baseAddress!), pwB = SendablePointer(pw.baseAddress!)
                let pbB = SendablePointer(pb.baseAddress!), dxB = SendablePointer(dxp.baseAddress!)
                RowChunks.run(rows, threads: threads) { lo, hi in
                  let c = RowChunks.index(of: lo, rows: rows, chunks: chunks)
                  let g = gB.base + lo * fanOut
                  T.reluMaskColumnSums(rows: hi - lo, n: fanOut, activations: nil, dz: UnsafeMutablePointer(mutating: g),
                                       db: pbB.base + c * fanOut)
                  T.gemm(transA: true, transB: false, m: fanIn, n: fanOut, k: hi - lo, alpha: 1, a: xB.base + lo * fanIn,
                         lda: fanIn, b: g, ldb: fanOut, beta: 1, c: pwB.base + c * fanIn * fanOut, ldc: fanOut)
                  T.gemm(transA: false, transB: true, m: hi - lo, n: fanIn, k: fanOut, alpha: 1, a: g, lda: fanOut,
                         b: wB.base, ldb: fanOut, beta: 1, c: dxB.base + lo * fanIn, ldc: fanIn)
                }
              }
            }
          }
        }
      }
    }
    DenseStack<T>.addChunks(partialW, chunks: chunks, into: &grads[weight])
    DenseStack<T>.addChunks(partialB, chunks: chunks, into: &grads[bias])
  }

  /// LayerNorm of every row; returns `(y, xhat, rstd)`.
  static func layerNorm<T: TowerScalar>(_ x: [T], rows: Int, d: Int, gamma: [T], beta: [T], epsilon: T,
                                        threads: Int) -> (y: [T], xhat: [T], rstd: [T]) {
    var y = [T](repeating: 0, count: rows * d), xhat = y, rstd = [T](repeating: 0, count: rows)
    guard rows > 0 else { return (y, xhat, rstd) }
    x.withUnsafeBufferPointer { xp in
      gamma.withUnsafeBufferPointer { gp in
        beta.withUnsafeBufferPointer { bp in
          y.withUnsafeMutableBufferPointer { yp in
            xhat.withUnsafeMutableBufferPointer { hp in
              rstd.withUnsafeMutableBufferPointer { rp in
                let xB = SendableConstPointer(xp.baseAddress!), gB = SendableConstPointer(gp.baseAddress!)
                let bB = SendableConstPointer(bp.baseAddress!), yB = SendablePointer(yp.baseAddress!)
                let hB = SendablePointer(hp.baseAddress!), rB = SendablePointer(rp.baseAddress!)
                Parallel.forChunks(rows, threads: rows >= 256 ? threads : 1) { r in
                  let lo = r.lowerBound
                  T.layerNormForward(rows: r.count, d: d, x: xB.base + lo * d, gamma: gB.base, beta: bB.base,
                                     epsilon: epsilon, y: yB.base + lo * d, xhat: hB.base + lo * d, rstd: rB.base + lo)
                }
              }
            }
          }
        }
      }
    }
    return (y, xhat, rstd)
  }

  /// LayerNorm's backward: `dx += ...`, and the gamma and beta gradients
  /// into `grads[gammaIndex]`, `grads[betaIndex]`.
  static func layerNormBackward<T: TowerScalar>(_ dy: [T], xhat: [T], rstd: [T], rows: Int, d: Int, gamma: [T],
                                                dx: inout [T], grads: inout [[T]], gammaIndex: Int, betaIndex: Int,
                                                threads: Int) {
    guard rows > 0 else { return }
    let chunks = rows >= 256 ? max(1, min(threads, rows)) : 1
    var partial = [T](repeating: 0, count: chunks * 2 * d)
    dy.withUnsafeBufferPointer { gp in
      xhat.withUnsafeBufferPointer { hp in
        rstd.withUnsafeBufferPointer { rp in
          gamma.withUnsafeBufferPointer { gm in
            dx.withUnsafeMutableBufferPointer { dxp in
              partial.withUnsafeMutableBufferPointer { pp in
                let gB = SendableConstPointer(gp.baseAddress!), hB = SendableConstPointer(hp.baseAddress!)
                let rB = SendableConstPointer(rp.baseAddress!), gmB = SendableConstPointer(gm.baseAddress!)
                let dxB = SendablePointer(dxp.baseAddress!), pB = SendablePointer(pp.baseAddress!)
                Parallel.forChunks(rows, threads: chunks) { r in
                  let lo = r.lowerBound, c = RowChunks.index(of: lo, rows: rows, chunks: chunks)
                  T.layerNormBackward(rows: r.count, d: d, dy: gB.base + lo * d, xhat: hB.base + lo * d, rstd: rB.base + lo,
                                      gamma: gmB.base, dx: dxB.base + lo * d, dgamma: pB.base + c * 2 * d,
                                      dbeta: pB.base + c * 2 * d + d)
                }
              }
            }
          }
        }
      }
    }
    for c in 0..<chunks {
      for j in 0..<d { grads[gammaIndex][j] += partial[c * 2 * d + j] }
      for j in 0..<d { grads[betaIndex][j] += partial[c * 2 * d + d + j] }
    }
  }

  /// `act(x)` in place.
  static func activate<T: TowerScalar>(_ x: inout [T], _ activation: FeedForwardActivation) {
    switch activation {
    case .relu: x.withUnsafeMutableBufferPointer { T.relu($0.baseAddress!, count: $0.count) }
    case .gelu: for j in x.indices { x[j] = gelu(x[j]) }
    }
  }

  /// `dh *= act'(pre)` in place.
  static func activationBackward<T: TowerScalar>(_ dh: inout [T], pre: [T], _ activation: FeedForwardActivation) {
    switch activation {
    case .relu: for j in dh.indices where !(pre[j] > 0) { dh[j] = 0 }
    case .gelu: for j in dh.indices { dh[j] *= geluDerivative(pre[j]) }
    }
  }

  @inline(__always) static func gelu<T: TowerScalar>(_ x: T) -> T {
    let v = Double(x)
    return T(0.5 * v * (1 + erf(v / 2.0.squareRoot())))
  }

  @inline(__always) static func geluDerivative<T: TowerScalar>(_ x: T) -> T {
    let v = Double(x)
    return T(0.5 * (1 + erf(v / 2.0.squareRoot())) + v * Glibc.exp(-0.5 * v * v) / (2 * Double.pi).squareRoot())
  }

  /// `x *= mask` element-wise.
  static func multiply<T: TowerScalar>(_ x: inout [T], _ mask: [T]) {
    for j in x.indices { x[j] *= mask[j] }
  }
}
