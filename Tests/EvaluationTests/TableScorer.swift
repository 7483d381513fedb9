import Evaluation

/// A scorer over an explicit users x items table, for hand-computed fixtures.
struct TableScorer: Scorer {
  let table: [[Float]]
  var userCount: Int { table.count }
  var itemCount: Int { table.first?.count ?? 0 }

  func scoreBlock(users: ArraySlice<Int32>, into output: UnsafeMutablePointer<Float>) {
    for (r, u) in users.enumerated() {
      for i in 0..<itemCount { output[r * itemCount + i] = table[Int(u)][i] }
    }
  }
}
