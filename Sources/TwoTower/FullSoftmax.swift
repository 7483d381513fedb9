import LinearAlgebra

/// Softmax cross-entropy over the whole catalogue: row r of Y (`rows x d`)
/// against every item of the table E (`items x d`),
/// `-log softmax_i(<y_r, E_i> / tau)[target_r]`, summed over rows. Its
/// gradient is `G = (P - onehot) / tau`, so `dY = G E` and `dE = Gᵀ Y`.
///
/// Rows go in blocks that bound the logits to about 16 MB (G of one block,
/// `block x items`); within a block, rows are split over the workers
/// (logits GEMM, ``TowerScalar/softmaxRow(_:_:diagonal:scale:)``, their
/// rows of dY), then item columns (their rows of dE, one GEMM each), so
/// every output row is written by one worker and the result does not
/// depend on the thread count.
/// - Complexity: 6·rows·items·d flops and rows·items exponentials.
enum FullSoftmax {
  static func apply<T: TowerScalar>(y: [T], rows n: Int, table: [T], items: Int, dim d: Int, targets: [Int32],
                                    temperature: T, threads: Int, block: Int? = nil, dY: inout [T], dTable: inout [T]) -> T {
    precondition(y.count == n * d && table.count == items * d && dY.count == n * d && dTable.count == items * d)
    guard n > 0, items > 0 else { return 0 }
    let blockRows = max(1, min(n, block ?? max(64, (4 << 20) / items)))
    let g = UnsafeMutablePointer<T>.allocate(capacity: blockRows * items)
    defer { g.deallocate() }
    var rowLoss = [T](repeating: 0, count: n)
    let invTau = 1 / temperature
    y.withUnsafeBufferPointer { yp in
      table.withUnsafeBufferPointer { tp in
        dY.withUnsafeMutableBufferPointer { dyp in
          dTable.withUnsafeMutableBufferPointer { dtp in
            rowLoss.withUnsafeMutableBufferPointer { lp in
              let yB = SendableConstPointer(yp.baseAddress!), tB = SendableConstPointer(tp.baseAddress!)
              let dyB = SendablePointer(dyp.baseAddress!), dtB = SendablePointer(dtp.baseAddress!)
              let gB = SendablePointer(g), lB = SendablePointer(lp.baseAddress!)
              var lo = 0
              while lo < n {
                let rows = min(blockRows, n - lo), base = lo
                let rowsPhase: @Sendable (Range<Int>) -> Void = { part in
                  let s = gB.base + part.lowerBound * items
                  T.gemm(transA: false, transB: true, m: part.count, n: items, k: d, alpha: invTau,
                         a: yB.base + (base + part.lowerBound) * d, lda: d, b: tB.base, ldb: d, beta: 0, c: s, ldc: items)
                  for r in part {
                    lB.base[base + r] = T.softmaxRow(gB.base + r * items, items, diagonal: Int(targets[base + r]), scale: invTau)
                  }
                  T.gemm(transA: false, transB: false, m: part.count, n: d, k: items, alpha: 1, a: s, lda: items,
                         b: tB.base, ldb: d, beta: 1, c: dyB.base + (base + part.lowerBound) * d, ldc: d)
                }
                let columnsPhase: @Sendable (Range<Int>) -> Void = { cols in
                  T.gemm(transA: true, transB: false, m: cols.count, n: d, k: rows, alpha: 1, a: gB.base + cols.lowerBound,
                         lda: items, b: yB.base + base * d, ldb: d, beta: 1, c: dtB.base + cols.lowerBound * d, ldc: d)
                }
                if threads <= 1 {
                  rowsPhase(0..<rows)
                  columnsPhase(0..<items)
                } else {
                  BLAS.withThreads(1) {
                    Parallel.forChunks(rows, threads: threads, rowsPhase)
                    Parallel.forChunks(items, threads: threads, columnsPhase)
                  }
                }
                lo += rows
              }
            }
          }
        }
      }
    }
    var total: T = 0
    for l in rowLoss { total += l }
    return total
  }
}
