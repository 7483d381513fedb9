import LinearAlgebra

/// Scores of a factor model: `score(u, i) = <U_u, V_i> (+ b_i)`.
///
/// A block of users is gathered into a contiguous `b x k` buffer (unless the
/// users are consecutive) and multiplied by `Vᵀ` with one sgemm, so a block
/// costs 2·b·k·|I| flops. BLAS runs with whatever thread count the caller
/// set (``Evaluator`` sets 1 inside its workers).
public struct FactorScorer: Scorer {
  /// User factors, `userCount x k`.
  public let userFactors: Matrix
  /// Item factors, `itemCount x k`.
  public let itemFactors: Matrix
  /// Optional per-item additive bias, `itemCount` values.
  public let itemBias: [Float]?

  public var userCount: Int { userFactors.rows }
  public var itemCount: Int { itemFactors.rows }

  public init(userFactors: Matrix, itemFactors: Matrix, itemBias: [Float]? = nil) {
    precondition(userFactors.columns == itemFactors.columns,
                 "user factors have \(userFactors.columns) columns, item factors \(itemFactors.columns)")
    precondition(itemBias == nil || itemBias!.count == itemFactors.rows,
                 "item bias has \(itemBias!.count) values for \(itemFactors.rows) items")
    self.userFactors = userFactors
    self.itemFactors = itemFactors
    self.itemBias = itemBias
  }

  public func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    let b = users.count, k = userFactors.columns, n = itemFactors.rows
    guard b > 0, n > 0 else { return }
    guard k > 0 else {
      output.initialize(repeating: 0, count: b * n)
      addBias(rows: b, output)
      return
    }
    let consecutive = Int(users.last!) - Int(users.first!) == b - 1
      && zip(users, users.dropFirst()).allSatisfy { $0 + 1 == $1 }
    userFactors.storage.withUnsafeBufferPointer { u in
      itemFactors.storage.withUnsafeBufferPointer { v in
        if consecutive {
          multiply(u.baseAddress! + Int(users.first!) * k, rows: b, k: k, v.baseAddress!, n, output)
        } else {
          var gathered = [Float](repeating: 0, count: b * k)
          gathered.withUnsafeMutableBufferPointer { g in
            for (r, user) in users.enumerated() {
              precondition(user >= 0 && Int(user) < userFactors.rows, "user \(user) out of range")
              (g.baseAddress! + r * k).update(from: u.baseAddress! + Int(user) * k, count: k)
            }
          }
          gathered.withUnsafeBufferPointer { g in
            multiply(g.baseAddress!, rows: b, k: k, v.baseAddress!, n, output)
          }
        }
      }
    }
    addBias(rows: b, output)
  }

  /// output (rows x n) = a (rows x k) · vᵀ (v is n x k).
  private func multiply(
    _ a: UnsafePointer<Float>, rows: Int, k: Int, _ v: UnsafePointer<Float>, _ n: Int,
    _ output: UnsafeMutablePointer<Float>
  ) {
    BLAS.sgemm(transB: true, m: rows, n: n, k: k, a: a, lda: k, b: v, ldb: k, c: output, ldc: n)
  }

  private func addBias(rows: Int, _ output: UnsafeMutablePointer<Float>) {
    guard let itemBias else { return }
    let n = itemFactors.rows
    for r in 0..<rows {
      let row = output + r * n
      for i in 0..<n { row[i] += itemBias[i] }
    }
  }
}
