import LinearAlgebra
import Retrieval

/// Seeded test data: Gaussian vectors, with optionally uneven norms (as
/// factors of popular items are longer).
enum TestData {
  static func gaussian(rows: Int, columns: Int, seed: UInt64, unevenNorms: Bool = false) -> Matrix {
    var g = SeededGenerator(seed: seed)
    var m = Matrix(rows: rows, columns: columns)
    for r in 0..<rows {
      let scale = unevenNorms ? Float(0.5 + 1.5 * g.nextUnit()) : 1
      for c in 0..<columns { m[r, c] = Float(g.nextNormal()) * scale }
    }
    return m
  }

  /// Clustered vectors: `clusters` Gaussian centres plus noise (closer to
  /// recommendation factors than isotropic noise).
  static func clustered(rows: Int, columns: Int, clusters: Int, seed: UInt64) -> Matrix {
    let centres = gaussian(rows: clusters, columns: columns, seed: seed &+ 1000)
    var g = SeededGenerator(seed: seed)
    var m = Matrix(rows: rows, columns: columns)
    for r in 0..<rows {
      let c = Int(g.next() % UInt64(clusters))
      let scale = Float(0.5 + g.nextUnit())
      for j in 0..<columns { m[r, j] = (centres[c, j] + 0.5 * Float(g.nextNormal())) * scale }
    }
    return m
  }

  /// Exact top-k by float64 inner product (ties to the lower index).
  static func bruteForce(_ items: Matrix, _ query: [Float], k: Int, excluding: (Int32) -> Bool = { _ in false }) -> [Int32] {
    var scored: [(Double, Int32)] = []
    for i in 0..<items.rows where !excluding(Int32(i)) {
      var s = 0.0
      for j in 0..<items.columns { s += Double(items[i, j]) * Double(query[j]) }
      scored.append((s, Int32(i)))
    }
    scored.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
    return scored.prefix(k).map(\.1)
  }

  /// Mean recall@k of HNSW results against brute force.
  static func recall(_ index: HNSWIndex, items: Matrix, queries: Matrix, k: Int, ef: Int) -> Double {
    var total = 0.0
    for r in 0..<queries.rows {
      let q = queries.row(r)
      let truth = Set(bruteForce(items, q, k: k))
      let got = index.search(q, k: k, ef: ef).map(\.item)
      total += Double(Set(got).intersection(truth).count) / Double(k)
    }
    return total / Double(queries.rows)
  }
}

