import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import IALS

/// Each solver's half-step against the dense float64 reference.
final class SolverTests: XCTestCase {
  let train = Fixture.tiny()

  /// One user half-step with `solver`, starting from `users`.
  func userStep(_ solver: RowSolver, items: Matrix, users: Matrix, config: IALSConfig) throws -> Matrix {
    var users = users
    try IALSModel.halfStep(SideData(train, config: config), fixed: items, target: &users,
                           solver: solver, config: config, epoch: 1, side: "user")
    return users
  }

  /// A full epoch of exact ALS (user then item half-step from the seeded
  /// initialisation) equals two dense float64 half-steps, in both formulations.
  func testExactEpochMatchesDenseReference() throws {
    for formulation in ALSFormulation.allCases {
      let config = Fixture.config(.exact, formulation: formulation)
      let model = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: config)
      let items0 = IALSModel.initialFactors(rows: 9, k: 4, config: config, stream: 1)
      let dense = DenseReference.dense(train)
      let users = DenseReference.halfStep(dense, fixed: items0, config: config)
      let items = DenseReference.halfStep(DenseReference.transpose(dense), fixed: Fixture.asMatrix(users), config: config)
      assertAllClose(model.userFactors.storage, users.flatMap { $0 }, relative: 1e-4, absolute: 1e-5, "\(formulation) users")
      assertAllClose(model.itemFactors.storage, items.flatMap { $0 }, relative: 1e-4, absolute: 1e-5, "\(formulation) items")
    }
  }

  /// CG's distance to the reference solution shrinks as its steps grow, and
  /// with k steps (exact in exact arithmetic) it reaches the reference.
  func testCGApproachesExactAsStepsGrow() throws {
    for formulation in ALSFormulation.allCases {
      let config = Fixture.config(.cg, formulation: formulation)
      let items = Fixture.random(rows: 9, k: 4, seed: 3)
      let start = Fixture.random(rows: 12, k: 4, seed: 4)
      let ref = DenseReference.halfStep(DenseReference.dense(train), fixed: items, config: config).flatMap { $0 }
      func error(_ steps: Int) throws -> Double {
        let got = try userStep(.cg(steps: steps), items: items, users: start, config: config).storage
        return zip(got, ref).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +).squareRoot()
      }
      let errors = try [1, 2, 3, 4].map(error)
      XCTAssertLessThan(errors[1], errors[0], "\(formulation) \(errors)")
      XCTAssertLessThan(errors[2], errors[1], "\(formulation) \(errors)")
      XCTAssertLessThan(errors[3], 1e-3, "\(formulation) \(errors)")
      let got = try userStep(.cg(steps: 4), items: items, users: start, config: config)
      assertAllClose(got.storage, ref, relative: 1e-3, absolute: 1e-4)
    }
  }

  /// CG solves rows in lockstep groups of 8, yet a row's result must not
  /// depend on its group or the thread count: a subset of rows, in another
  /// order and on one thread, equals bit for bit the same rows of a full
  /// half-step on two threads.
  func testCGRowsDoNotDependOnTheirGroup() throws {
    var config = Fixture.config(.cg, formulation: .hu)
    config.threads = 2
    let items = Fixture.random(rows: 9, k: 4, seed: 3)
    let start = Fixture.random(rows: 12, k: 4, seed: 4)
    let full = try userStep(.cg(steps: 3), items: items, users: start, config: config)
    config.threads = 1
    var part = start
    let subset: [Int32] = [11, 3, 7]
    try IALSModel.halfStep(SideData(train, config: config), fixed: items, target: &part,
                           solver: .cg(steps: 3), config: config, rows: subset, epoch: 1, side: "user")
    for r in 0..<12 {
      let expected = subset.contains(Int32(r)) ? full.row(r) : start.row(r)
      XCTAssertEqual(part.row(r), expected, "row \(r)")
    }
  }

  /// Block coordinate descent with b = k is the exact solve; with b < k,
  /// repeated sweeps converge to it and no sweep increases the loss.
  func testBlockSolver() throws {
    for formulation in ALSFormulation.allCases {
      let config = Fixture.config(.block, formulation: formulation)
      let items = Fixture.random(rows: 9, k: 4, seed: 3)
      let start = Fixture.random(rows: 12, k: 4, seed: 4)
      let dense = DenseReference.dense(train)
      let ref = DenseReference.halfStep(dense, fixed: items, config: config).flatMap { $0 }
      let full = try userStep(.block(size: 4), items: items, users: start, config: config)
      assertAllClose(full.storage, ref, relative: 1e-4, absolute: 1e-5, "b = k")
      let big = try userStep(.block(size: 7), items: items, users: start, config: config)
      assertAllClose(big.storage, ref, relative: 1e-4, absolute: 1e-5, "b > k")
      var users = start
      var last = DenseReference.loss(dense, users: users, items: items, config: config)
      for _ in 0..<60 {
        users = try userStep(.block(size: 1), items: items, users: users, config: config)
        let l = DenseReference.loss(dense, users: users, items: items, config: config)
        XCTAssertLessThanOrEqual(l, last * (1 + 1e-6) + 1e-9)
        last = l
      }
      assertAllClose(users.storage, ref, relative: 1e-3, absolute: 1e-4, "b = 1 after 60 sweeps")
    }
  }

  /// Exact ALS never increases the loss from one half-step to the next.
  func testExactLossNeverIncreases() throws {
    var config = Fixture.config(.exact)
    config.factors = 3
    var users = IALSModel.initialFactors(rows: 12, k: 3, config: config, stream: 0)
    var items = IALSModel.initialFactors(rows: 9, k: 3, config: config, stream: 1)
    let us = SideData(train, config: config), its = SideData(train.transposed, config: config)
    var last = IALSModel.loss(users: users, items: items, userSide: us, itemSide: its, config: config)
    for epoch in 1...10 {
      try IALSModel.halfStep(us, fixed: items, target: &users, solver: .exact, config: config, epoch: epoch, side: "user")
      let l1 = IALSModel.loss(users: users, items: items, userSide: us, itemSide: its, config: config)
      try IALSModel.halfStep(its, fixed: users, target: &items, solver: .exact, config: config, epoch: epoch, side: "item")
      let l2 = IALSModel.loss(users: users, items: items, userSide: us, itemSide: its, config: config)
      XCTAssertLessThanOrEqual(l1, last * (1 + 1e-6), "epoch \(epoch) user step")
      XCTAssertLessThanOrEqual(l2, l1 * (1 + 1e-6), "epoch \(epoch) item step")
      last = l2
    }
  }

  /// The Gram-trick loss equals the brute-force loss over all U x I pairs.
  func testGramLossEqualsBruteForce() throws {
    for formulation in ALSFormulation.allCases {
      for confidence in ConfidenceMode.allCases {
        var config = Fixture.config(.exact, formulation: formulation)
        config.confidence = confidence
        let model = IALSModel(config: config, userFactors: Fixture.random(rows: 12, k: 4, seed: 5),
                              itemFactors: Fixture.random(rows: 9, k: 4, seed: 6), userIds: IdMap(), itemIds: IdMap())
        let brute = DenseReference.loss(DenseReference.dense(train), users: model.userFactors, items: model.itemFactors, config: config)
        assertClose(model.loss(train), brute, relative: 1e-5, "\(formulation) \(confidence)")
      }
    }
  }

  /// The reported per-epoch loss is the loss of the factors after that epoch.
  func testOnEpochReportsLoss() throws {
    var config = Fixture.config(.cg)
    config.epochs = 3
    var reports: [EpochReport] = []
    let model = try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: config) { reports.append($0) }
    XCTAssertEqual(reports.map(\.epoch), [1, 2, 3])
    XCTAssert(reports.allSatisfy { $0.seconds >= 0 })
    let brute = DenseReference.loss(DenseReference.dense(train), users: model.userFactors, items: model.itemFactors, config: config)
    assertClose(reports.last!.loss, brute, relative: 1e-5)
  }
}
