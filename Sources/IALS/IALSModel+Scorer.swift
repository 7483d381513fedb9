import Evaluation
import LinearAlgebra

extension IALSModel: Scorer {
  public var userCount: Int { userFactors.rows }
  public var itemCount: Int { itemFactors.rows }

  /// `W[users] Hᵀ` into `output` (row-major `users.count x |I|`): the rows
  /// are gathered, then one sgemm. O(users·|I|·k).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    let d = factors, n = users.count
    guard n > 0, itemCount > 0 else { return }
    var block = [Float](repeating: 0, count: n * d)
    userFactors.storage.withUnsafeBufferPointer { w in
      block.withUnsafeMutableBufferPointer { b in
        for (j, u) in users.enumerated() {
          (b.baseAddress! + j * d).update(from: w.baseAddress! + Int(u) * d, count: d)
        }
      }
    }
    block.withUnsafeBufferPointer { b in
      itemFactors.storage.withUnsafeBufferPointer { h in
        BLAS.sgemm(transB: true, m: n, n: itemCount, k: d, a: b.baseAddress!, lda: d,
                   b: h.baseAddress!, ldb: d, c: output, ldc: itemCount)
      }
    }
  }
}
