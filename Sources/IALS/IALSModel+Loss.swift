import InteractionData
import LinearAlgebra

extension IALSModel {
  /// The exact training loss of the current factors on `train` (see
  /// ``ALSFormulation``), computed with the Gram trick: the unobserved term
  /// `alpha0 sum_{u,i} <w_u,h_i>²` equals `alpha0 <WᵀW, HᵀH>_F`, so only
  /// the observed pairs are visited.
  ///
  /// Sums are accumulated in Double, per fixed chunk of users, then added in
  /// chunk order (deterministic for a thread count).
  /// - Complexity: O(nnz·k + (|U|+|I|)·k²).
  public func loss(_ train: InteractionMatrix) -> Double {
    precondition(train.userCount == userFactors.rows && train.itemCount == itemFactors.rows,
                 "train is \(train.userCount) x \(train.itemCount), model is \(userFactors.rows) x \(itemFactors.rows)")
    return Self.loss(users: userFactors, items: itemFactors,
                     userSide: SideData(train, config: config),
                     itemSide: SideData(train.transposed, config: config), config: config)
  }

  static func loss(users: Matrix, items: Matrix, userSide: SideData, itemSide: SideData, config: IALSConfig) -> Double {
    let k = users.columns
    let gu = gram(users, threads: config.threads)
    let gi = gram(items, threads: config.threads)
    var unobserved = 0.0
    for j in 0..<(k * k) { unobserved += Double(gu.storage[j]) * Double(gi.storage[j]) }
    let observed = observedTerm(rows: users, columns: items, side: userSide, threads: config.threads)
    var total = Double(config.unobservedWeight) * unobserved + observed
    total += regularizationTerm(users, lambda: userSide.lambda)
    total += regularizationTerm(items, lambda: itemSide.lambda)
    return total
  }

  /// The observed pairs' part of the loss, `sum a s² - 2 b s + b` with
  /// `s = <rows_r, columns_c>` over `side`'s entries (`side.indices` index
  /// `columns`). Summed in Double per fixed chunk of rows, chunks added in
  /// order: deterministic for a thread count. BLAS must not be threaded
  /// around it (it sets one thread). O(nnz·k).
  package static func observedTerm(rows: Matrix, columns: Matrix, side: SideData, threads: Int) -> Double {
    let k = rows.columns
    let chunks = max(1, threads) * 8
    var partial = [Double](repeating: 0, count: chunks)
    BLAS.setThreads(1)
    rows.storage.withUnsafeBufferPointer { wp in
      columns.storage.withUnsafeBufferPointer { hp in
        partial.withUnsafeMutableBufferPointer { out in
          let w = constBase(wp), h = constBase(hp)
          let res = SendablePointer(out.baseAddress!)
          Parallel.forEach(chunks, threads: threads, grain: 1) { c, _ in
            var sum = 0.0
            for r in (side.rows * c / chunks)..<(side.rows * (c + 1) / chunks) {
              for q in side.offsets[r]..<side.offsets[r + 1] {
                let s = Double(Kernels.dot(k, w.base + r * k, h.base + Int(side.indices[q]) * k))
                sum += Double(side.a[q]) * s * s - 2 * Double(side.b[q]) * s + Double(side.b[q])
              }
            }
            res.base[c] = sum
          }
        }
      }
    }
    return partial.reduce(0, +)
  }

  /// `sum_r lambda_r ||row_r||²` in Double. O(rows·k).
  package static func regularizationTerm(_ m: Matrix, lambda: [Float]) -> Double {
    var total = 0.0
    let k = m.columns
    m.storage.withUnsafeBufferPointer { p in
      for r in 0..<m.rows {
        var s = 0.0
        for j in 0..<k { let v = Double(p[r * k + j]); s += v * v }
        total += Double(lambda[r]) * s
      }
    }
    return total
  }
}

/// A sendable view of a buffer's base (a never-dereferenced non-null
/// placeholder when the buffer is empty).
func constBase<T>(_ b: UnsafeBufferPointer<T>) -> SendableConstPointer<T> {
  SendableConstPointer(b.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!)
}
