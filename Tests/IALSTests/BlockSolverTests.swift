import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import IALS

/// The block-outer iALS++ schedule at a shape that exercises what the tiny
/// fixture cannot: several column panels with a remainder block (k = 40,
/// b = 16), many row groups on two threads, long rows (chunked rank updates).
final class BlockSolverTests: XCTestCase {
  /// 70 users x 50 items, ~30% dense, weights 1...4; user 69 has no items.
  static func data() -> InteractionMatrix {
    var rng = SeededGenerator(seed: 11)
    var us: [Int32] = [], its: [Int32] = [], ws: [Float] = []
    for u in 0..<69 {
      for i in 0..<50 where rng.nextUnit() < 0.3 || i == u % 50 {
        us.append(Int32(u)); its.append(Int32(i)); ws.append(Float(1 + Int(rng.nextUnit() * 4)))
      }
    }
    return InteractionMatrix(userCount: 70, itemCount: 50, users: us, items: its, weights: ws)
  }

  func step(_ solver: RowSolver, _ train: InteractionMatrix, items: Matrix, users: Matrix,
            config: IALSConfig, rows: [Int32]? = nil) throws -> Matrix {
    var users = users
    try IALSModel.halfStep(SideData(train, config: config), fixed: items, target: &users,
                           solver: solver, config: config, rows: rows, epoch: 1, side: "user")
    return users
  }

  /// b = k equals the dense float64 exact half-step; b = 16 sweeps lower
  /// the loss every time and converge to it; rows do not depend on the
  /// thread count or on which other rows are solved.
  func testBlockOuterScheduleAtK40() throws {
    let train = Self.data()
    for formulation in ALSFormulation.allCases {
      var config = Fixture.config(.block, formulation: formulation)
      config.factors = 40
      let items = Fixture.random(rows: 50, k: 40, seed: 5)
      let start = Fixture.random(rows: 70, k: 40, seed: 6)
      let dense = DenseReference.dense(train)
      let ref = DenseReference.halfStep(dense, fixed: items, config: config).flatMap { $0 }
      let full = try step(.block(size: 40), train, items: items, users: start, config: config)
      assertAllClose(full.storage, ref, relative: 1e-3, absolute: 1e-4, "\(formulation) b = k")

      let two = try step(.block(size: 16), train, items: items, users: start, config: config)
      config.threads = 1
      let one = try step(.block(size: 16), train, items: items, users: start, config: config)
      XCTAssertEqual(one.storage, two.storage, "\(formulation): thread count changed the result")
      let subset: [Int32] = [68, 2, 69, 31, 17]
      let part = try step(.block(size: 16), train, items: items, users: start, config: config, rows: subset)
      for r in 0..<70 {
        XCTAssertEqual(part.row(r), subset.contains(Int32(r)) ? two.row(r) : start.row(r), "\(formulation) row \(r)")
      }

      var users = start
      var last = DenseReference.loss(dense, users: users, items: items, config: config)
      for sweep in 0..<300 {
        users = try step(.block(size: 16), train, items: items, users: users, config: config)
        guard sweep < 20 else { continue }
        let l = DenseReference.loss(dense, users: users, items: items, config: config)
        XCTAssertLessThanOrEqual(l, last * (1 + 1e-6) + 1e-9, "\(formulation)")
        last = l
      }
      assertAllClose(users.storage, ref, relative: 2e-3, absolute: 2e-4, "\(formulation) b = 16 after 300 sweeps")
    }
  }
}
