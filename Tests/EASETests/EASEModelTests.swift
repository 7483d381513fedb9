import EASE
import Evaluation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import Foundation
import XCTest

/// EASE against an independent float64 reference: the constrained least
/// squares problem solved column by column with a Lagrange multiplier
/// (Steck 2019, eq. 3-8), by plain Gaussian elimination, with no shortcut
/// through the inverse.
final class EASEModelTests: XCTestCase {
  /// A random binary matrix: `users x items`, each pair present with probability `density`.
  static func randomData(users: Int, items: Int, density: Double, seed: UInt64) -> InteractionMatrix {
    var rng = SeededGenerator(seed: seed)
    var us: [Int32] = [], its: [Int32] = []
    for u in 0..<users {
      for i in 0..<items where Double.random(in: 0..<1, using: &rng) < density { us.append(Int32(u)); its.append(Int32(i)) }
    }
    return InteractionMatrix(userCount: users, itemCount: items, users: us, items: its,
                             weights: [Float](repeating: 1, count: us.count))
  }

  /// Column j of B minimises ||X_j - X b||^2 + lambda ||b||^2 with b_j = 0:
  /// solve the normal equations over the other items (I - 1 unknowns), in Double.
  static func referenceWeights(_ train: InteractionMatrix, lambda: Double) -> [[Double]] {
    let n = train.itemCount
    var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for u in 0..<train.userCount {
      let items = train.items(ofUser: u).map(Int.init)
      for a in items { for b in items { g[a][b] += 1 } }
    }
    var b = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)  // b[i][j] = B_ij
    for j in 0..<n {
      let others = (0..<n).filter { $0 != j }
      let m = others.count
      var a = [Double](repeating: 0, count: m * m), rhs = [Double](repeating: 0, count: m)
      for (r, i) in others.enumerated() {
        for (c, k) in others.enumerated() { a[r * m + c] = g[i][k] + (i == k ? lambda : 0) }
        rhs[r] = g[i][j]
      }
      let x = Cholesky.solveReference(a, rhs, n: m)!
      for (r, i) in others.enumerated() { b[i][j] = x[r] }
    }
    return b
  }

  func testWeightsMatchTheConstrainedLeastSquaresSolution() throws {
    let train = Self.randomData(users: 60, items: 25, density: 0.2, seed: 3)
    for lambda in [0.5, 5.0, 50.0] {
      let model = try EASEModel.fit(train, config: EASEConfig(regularization: Float(lambda), threads: 2))
      let reference = Self.referenceWeights(train, lambda: lambda)
      var worst = 0.0, largest = 0.0
      for i in 0..<25 {
        for j in 0..<25 {
          worst = max(worst, abs(Double(model.weight(from: i, to: j)) - reference[i][j]))
          largest = max(largest, abs(reference[i][j]))
        }
      }
      // float32 Cholesky inverse of a matrix with entries up to ~15 + lambda.
      XCTAssertLessThan(worst, 2e-5 + 1e-4 * largest, "lambda \(lambda): largest weight \(largest)")
    }
  }

  func testDiagonalIsZeroAndScoresAreXTimesB() throws {
    let train = Self.randomData(users: 40, items: 30, density: 0.25, seed: 7)
    let model = try EASEModel.fit(train, config: EASEConfig(regularization: 3))
    for i in 0..<30 { XCTAssertEqual(model.weight(from: i, to: i), 0) }
    // Scores from the sparse path equal X B computed here in Double.
    let users = Array(0..<Int32(40))
    var block = [Float](repeating: 0, count: 40 * 30)
    block.withUnsafeMutableBufferPointer { model.scoreBlock(users: users[...], into: $0.baseAddress!) }
    for u in 0..<40 {
      for i in 0..<30 {
        var s = 0.0
        for j in train.items(ofUser: u) { s += Double(model.weight(from: Int(j), to: i)) }
        assertClose(Double(block[u * 30 + i]), s, relative: 1e-4, absolute: 1e-5, "user \(u) item \(i)")
      }
    }
  }

  /// A property of the closed form: at the optimum, the residual of each
  /// column is orthogonal (up to lambda B) to every other item's column:
  /// (X^T (X - X B))_ij = lambda B_ij for i != j.
  func testStationarityOfTheClosedForm() throws {
    let train = Self.randomData(users: 80, items: 20, density: 0.3, seed: 11)
    let lambda = 4.0
    let model = try EASEModel.fit(train, config: EASEConfig(regularization: Float(lambda)))
    let n = 20
    var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for u in 0..<train.userCount {
      let items = train.items(ofUser: u).map(Int.init)
      for a in items { for b in items { g[a][b] += 1 } }
    }
    for i in 0..<n {
      for j in 0..<n where i != j {
        var gb = 0.0
        for k in 0..<n { gb += g[i][k] * Double(model.weight(from: k, to: j)) }
        assertClose(g[i][j] - gb, lambda * Double(model.weight(from: i, to: j)), relative: 1e-3, absolute: 2e-4, "(\(i), \(j))")
      }
    }
  }

  func testLimitsAndEmptyDataAreClearErrors() throws {
    let train = Self.randomData(users: 10, items: 12, density: 0.3, seed: 1)
    var c = EASEConfig(regularization: 10)
    c.maxItems = 11
    XCTAssertThrowsError(try EASEModel.fit(train, config: c)) { error in
      XCTAssertEqual(error as? EASEError, .tooManyItems(items: 12, limit: 11))
      XCTAssertTrue("\(error)".contains("12 x 12"), "\(error)")
    }
    let empty = InteractionMatrix(userCount: 3, itemCount: 4, users: [], items: [], weights: [])
    XCTAssertThrowsError(try EASEModel.fit(empty, config: EASEConfig(regularization: 1))) { error in
      XCTAssertEqual(error as? EASEError, .emptyTraining)
    }
    XCTAssertThrowsError(try EASEModel.fit(train, config: EASEConfig(regularization: 0))) { error in
      XCTAssertTrue("\(error)".contains("regularization"), "\(error)")
    }
    MemoryBudget.limit = 1000
    defer { MemoryBudget.limit = nil }
    XCTAssertThrowsError(try EASEModel.fit(train, config: EASEConfig(regularization: 10))) { error in
      XCTAssertTrue("\(error)".contains("EASE"), "\(error)")
    }
  }

  func testFoldInOfAUsersRowGivesTheirScoresAndCorruptFilesAreNamed() throws {
    let train = Self.randomData(users: 30, items: 15, density: 0.3, seed: 5)
    let model = try EASEModel.fit(train, config: EASEConfig(regularization: 2))
    let u = 4
    let vector = try model.foldIn(history: Array(train.items(ofUser: u)), weights: nil)
    for i in 0..<15 { assertClose(Double(model.score(vector: vector, item: i)), Double(model.score(user: u, item: i)), relative: 1e-4, absolute: 1e-5) }
    XCTAssertThrowsError(try model.foldIn(history: [15], weights: nil))

    let dir = TemporaryFolder(self)
    let path = dir.path("m.ease")
    try model.save(to: path)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[bytes.count - 20] ^= 0xFF
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try EASEModel.load(from: path)) { error in
      XCTAssertTrue("\(error)".contains("m.ease") && "\(error)".contains("checksum"), "\(error)")
    }
  }
}
