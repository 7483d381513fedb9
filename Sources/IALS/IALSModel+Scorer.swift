import Evaluation
import LinearAlgebra

extension IALSModel: Scorer {
  /// `W[users] Hᵀ` into `output` (row-major `users.count x |I|`), through
  /// ``FactorScorer`` (one sgemm per block). O(users·|I|·k).
  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    FactorScorer(userFactors: userFactors, itemFactors: itemFactors).scoreBlock(users: users, into: output)
  }
}
