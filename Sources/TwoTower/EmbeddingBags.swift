import GramianKernels
import LinearAlgebra

/// The embedding inputs of a batch of examples: example `e` is the weighted
/// sum `x_e = sum_q w_q E_{t_q}[r_q]` over its entries `q` in
/// `offsets[e]..<offsets[e+1]`, each naming a table `t`, a row `r` and a
/// weight `w`. An id embedding is one entry of weight 1; a bag of n feature
/// values or n history items is n entries of weight 1/n (mean pooling).
struct EmbeddingBags<T: TowerScalar> {
  var offsets: [Int] = [0]
  var tables: [Int32] = []
  var rows: [Int32] = []
  var weights: [T] = []

  var count: Int { offsets.count - 1 }

  mutating func removeAll() {
    offsets.removeAll(keepingCapacity: true); offsets.append(0)
    tables.removeAll(keepingCapacity: true)
    rows.removeAll(keepingCapacity: true)
    weights.removeAll(keepingCapacity: true)
  }

  /// Reserves room for `examples` examples of one entry each.
  mutating func reserve(_ examples: Int) {
    offsets.reserveCapacity(examples + 1)
    tables.reserveCapacity(examples)
    rows.reserveCapacity(examples)
    weights.reserveCapacity(examples)
  }

  mutating func add(table: Int, row: Int32, weight: T) {
    tables.append(Int32(table)); rows.append(row); weights.append(weight)
  }

  /// Ends the current example.
  mutating func close() { offsets.append(rows.count) }

  /// `X` (`count x width`, row-major): every example's weighted sum of rows,
  /// examples split over `threads` workers (each writes its own rows).
  /// - Complexity: O(entries · width).
  func gather(_ tableValues: [[T]], width: Int, threads: Int = 1) -> [T] {
    var x = [T](repeating: 0, count: count * width)
    let n = count
    guard n > 0 else { return x }
    x.withUnsafeMutableBufferPointer { xp in
      let xB = SendablePointer(xp.baseAddress!)
      rows.withUnsafeBufferPointer { rp in
        let rB = SendableConstPointer(rp.baseAddress!), rowBytes = width * MemoryLayout<T>.stride
        for t in tableValues.indices where !tableValues[t].isEmpty {
          tableValues[t].withUnsafeBufferPointer { tp in
            let tB = SendableConstPointer(tp.baseAddress!)
            let t32 = Int32(t)
            // Below ~512 examples a second worker costs more than it saves.
            Parallel.forChunks(n, threads: n >= 512 ? threads : 1) { range in
              for e in range {
                // The table rows are scattered over many MB: request example e + 8's ahead.
                if e + 8 < range.upperBound {
                  for q in offsets[e + 8]..<offsets[e + 9] where tables[q] == t32 {
                    gk_prefetch_rows(tB.base, rowBytes, rB.base + q, 1, 0)
                  }
                }
                let out = xB.base + e * width
                for q in offsets[e]..<offsets[e + 1] where tables[q] == t32 {
                  Self.axpy(weights[q], tB.base + Int(rB.base[q]) * width, out, width)
                }
              }
            }
          }
        }
      }
    }
    return x
  }

  /// `y += w · x` on `n` entries.
  @inline(__always)
  static func axpy(_ w: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    for j in 0..<n { y[j] += w * x[j] }
  }

  /// Adds `w · dX[e]` to the gradient of every row entry `q` of example `e`.
  ///
  /// First every entry gets its row's slot (new rows start at zero), then
  /// `threads` workers add the entries, worker `w` owning the slots
  /// `s ≡ w (mod workers)` and visiting entries in order, so each row's sum
  /// is formed in the same order for any thread count.
  /// - Complexity: O(entries · width).
  func scatter(_ dx: [T], width: Int, into grads: inout [SparseRows<T>], threads: Int = 1) {
    let entries = rows.count
    guard entries > 0 else { return }
    var slot = [Int32](repeating: 0, count: entries)
    for q in 0..<entries { slot[q] = grads[Int(tables[q])].slot(of: rows[q]) }
    // Below ~512 entries a second worker costs more than it saves.
    let workers = entries >= 512 ? max(1, threads) : 1
    dx.withUnsafeBufferPointer { dp in
      slot.withUnsafeBufferPointer { sp in
        let dB = SendableConstPointer(dp.baseAddress!), sB = SendableConstPointer(sp.baseAddress!)
        for t in grads.indices where !grads[t].rows.isEmpty {
          let t32 = Int32(t)
          grads[t].values.withUnsafeMutableBufferPointer { vp in
            let vB = SendablePointer(vp.baseAddress!)
            Parallel.forChunks(workers, threads: workers) { owned in
              for w in owned {
                for e in 0..<count {
                  for q in offsets[e]..<offsets[e + 1] where tables[q] == t32 && Int(sB.base[q]) % workers == w {
                    Self.axpy(weights[q], dB.base + e * width, vB.base + Int(sB.base[q]) * width, width)
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/// A sparse gradient of an embedding table: the distinct rows touched in a
/// step and their accumulated gradients, with a dense `row -> slot` map
/// (reset in O(touched) after each step, so steps never pay O(rows)).
struct SparseRows<T: TowerScalar> {
  let width: Int
  private(set) var slots: [Int32]
  private(set) var rows: [Int32] = []
  var values: [T] = []

  init(rows tableRows: Int, width: Int) {
    self.width = width
    slots = [Int32](repeating: -1, count: tableRows)
  }

  /// The slot of `row`, given one (with a zero gradient) if it has none.
  mutating func slot(of row: Int32) -> Int32 {
    let s = slots[Int(row)]
    if s >= 0 { return s }
    let new = Int32(rows.count)
    slots[Int(row)] = new
    rows.append(row)
    values.append(contentsOf: repeatElement(0, count: width))
    return new
  }

  /// Gives every row of the table a slot. On an empty gradient the slots
  /// are the rows in order, so ``values`` is the dense `rows x width` matrix.
  mutating func touchAll() {
    for r in 0..<slots.count { _ = slot(of: Int32(r)) }
  }

  /// The accumulated gradient of `row` (zeros when untouched).
  func gradient(ofRow row: Int) -> [T] {
    let s = Int(slots[row])
    return s < 0 ? [T](repeating: 0, count: width) : Array(values[(s * width)..<((s + 1) * width)])
  }

  mutating func reset() {
    for r in rows { slots[Int(r)] = -1 }
    rows.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
  }
}
