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

  mutating func add(table: Int, row: Int32, weight: T) {
    tables.append(Int32(table)); rows.append(row); weights.append(weight)
  }

  /// Ends the current example.
  mutating func close() { offsets.append(rows.count) }

  /// `X` (`count x width`, row-major): every example's weighted sum of rows.
  /// - Complexity: O(entries · width).
  func gather(_ tableValues: [[T]], width: Int) -> [T] {
    var x = [T](repeating: 0, count: count * width)
    x.withUnsafeMutableBufferPointer { xp in
      for e in 0..<count {
        let out = xp.baseAddress! + e * width
        for q in offsets[e]..<offsets[e + 1] {
          let w = weights[q]
          tableValues[Int(tables[q])].withUnsafeBufferPointer { tp in
            let src = tp.baseAddress! + Int(rows[q]) * width
            for j in 0..<width { out[j] += w * src[j] }
          }
        }
      }
    }
    return x
  }

  /// Adds `w · dX[e]` to the gradient of every row entry `q` of example `e`.
  /// - Complexity: O(entries · width).
  func scatter(_ dx: [T], width: Int, into grads: inout [SparseRows<T>]) {
    dx.withUnsafeBufferPointer { dp in
      for e in 0..<count {
        for q in offsets[e]..<offsets[e + 1] {
          grads[Int(tables[q])].add(row: rows[q], weight: weights[q], dp.baseAddress! + e * width)
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

  /// values[slot(row)] += w · v.
  mutating func add(row: Int32, weight w: T, _ v: UnsafePointer<T>) {
    var s = Int(slots[Int(row)])
    if s < 0 {
      s = rows.count
      slots[Int(row)] = Int32(s)
      rows.append(row)
      values.append(contentsOf: repeatElement(0, count: width))
    }
    let width = width
    values.withUnsafeMutableBufferPointer { vp in
      let dst = vp.baseAddress! + s * width
      for j in 0..<width { dst[j] += w * v[j] }
    }
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
