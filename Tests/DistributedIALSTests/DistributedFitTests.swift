@testable import DistributedIALS
import Collectives
import GramianTestSupport
import IALS
import InteractionData
import LinearAlgebra
import XCTest

/// The distributed fit on 1-3 in-process ranks against the single-process
/// fit of the same events (the independent reference: `IALSModel.fit`).
///
/// Tolerance: with one rank the factors are bit-identical (same Gram
/// matrix, same rows, same order). With more, the Gram matrix is a sum of
/// per-rank `ssyrk`s added in double and rounded to float, which differs
/// from one `ssyrk` over all rows by about 1e-7 relative; over a few
/// epochs that moves the factors by at most 1e-5 of their largest entry
/// (measured: 2.5e-6 on MovieLens after 3 epochs), which the tests allow.
final class DistributedFitTests: XCTestCase {
  static let relative = 1e-5

  /// Events with string ids, repeated pairs and real-valued weights.
  static func events(users: Int = 60, items: Int = 45, count: Int = 900, seed: UInt64 = 7) -> [(String, String, Float)] {
    var rng = SeededGenerator(seed: seed, stream: 3)
    return (0..<count).map { _ in
      let u = Int(rng.nextUnit() * rng.nextUnit() * Double(users))  // skewed: some heavy users
      let i = Int(rng.nextUnit() * rng.nextUnit() * Double(items))
      return ("user-\(u)", "item-\(i)", Float(1 + Int(rng.nextUnit() * 5)))
    }
  }

  /// The events as one process reads them (first-seen ids).
  static func interactions(_ events: ArraySlice<(String, String, Float)>) -> Interactions {
    var users = IdMap(), items = IdMap()
    var u: [Int32] = [], i: [Int32] = [], w: [Float] = []
    for (a, b, c) in events {
      u.append(users.index(of: a) ?? users.insert(a))
      i.append(items.index(of: b) ?? items.insert(b))
      w.append(c)
    }
    return Interactions(users: u, items: i, weights: w, userIds: users, itemIds: items)
  }

  static func single(_ events: [(String, String, Float)], _ config: IALSConfig, duplicates: DuplicatePolicy = .sum) throws -> (IALSModel, [Double]) {
    let x = interactions(events[...])
    var losses: [Double] = []
    let model = try IALSModel.fit(InteractionMatrix(x, duplicates: duplicates), userIds: x.userIds, itemIds: x.itemIds,
                                  config: config, onEpoch: { losses.append($0.loss) })
    return (model, losses)
  }

  static func distributed(_ events: [(String, String, Float)], ranks: Int, _ config: IALSConfig,
                          duplicates: DuplicatePolicy = .sum) throws -> (IALSModel, [Double]) {
    let results = ThreadGroup.run(ranks: ranks) { comm -> (IALSModel?, [Double]) in
      let part = events[(events.count * comm.rank / ranks)..<(events.count * (comm.rank + 1) / ranks)]
      let data = try RankData.assemble(interactions(part), duplicates: duplicates, rowCost: RankData.rowCost(for: config), comm: comm)
      var losses: [Double] = []
      let model = try DistributedIALS.fit(data, config: config, comm: comm) { losses.append($0.loss) }
      return (model, losses)
    }
    let root = try results[0].get()
    for r in results.dropFirst() { XCTAssertNil(try r.get().0) }
    return (try XCTUnwrap(root.0), root.1)
  }

  static func config(_ solver: ALSSolver, k: Int = 8, epochs: Int = 4) -> IALSConfig {
    var c = IALSConfig()
    c.factors = k
    c.epochs = epochs
    c.solver = solver
    c.regularization = 0.05
    c.unobservedWeight = 0.3
    c.confidence = .linear
    c.alpha = 0.5
    c.blockSize = 4
    c.threads = 2
    return c
  }

  func assertSameModel(_ a: IALSModel, _ b: IALSModel, relative: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.userIds.names, b.userIds.names, file: file, line: line)
    XCTAssertEqual(a.itemIds.names, b.itemIds.names, file: file, line: line)
    XCTAssertEqual(a.training, b.training, "training summaries (pairs, fingerprint, sketch, item counts, seen items)", file: file, line: line)
    for (x, y, side) in [(a.userFactors, b.userFactors, "user"), (a.itemFactors, b.itemFactors, "item")] {
      let scale = Double(x.storage.map(abs).max() ?? 1)
      let worst = zip(x.storage, y.storage).map { Double(abs($0 - $1)) }.max() ?? 0
      XCTAssertLessThanOrEqual(worst, relative * scale, "\(side) factors differ by \(worst / scale) of the largest entry", file: file, line: line)
    }
  }

  func testOneRankIsBitIdenticalToTheSingleProcessFit() throws {
    let events = Self.events()
    for solver in ALSSolver.allCases {
      let c = Self.config(solver)
      let (a, la) = try Self.single(events, c)
      let (b, lb) = try Self.distributed(events, ranks: 1, c)
      XCTAssertEqual(a.userFactors, b.userFactors, "\(solver)")
      XCTAssertEqual(a.itemFactors, b.itemFactors, "\(solver)")
      assertSameModel(a, b, relative: 0)
      for (x, y) in zip(la, lb) { assertClose(x, y, relative: 1e-12) }
    }
  }

  func testTwoAndThreeRanksMatchTheSingleProcessFitForEverySolver() throws {
    let events = Self.events()
    for solver in ALSSolver.allCases {
      var c = Self.config(solver)
      c.regularizationExponent = solver == .cg ? 0.5 : 0  // per-row lambda (nu) on one of them
      let (a, la) = try Self.single(events, c)
      for ranks in [2, 3] {
        let (b, lb) = try Self.distributed(events, ranks: ranks, c)
        assertSameModel(a, b, relative: Self.relative)
        XCTAssertEqual(la.count, lb.count)
        for (x, y) in zip(la, lb) { assertClose(x, y, relative: 1e-5, "\(solver) on \(ranks) ranks") }
      }
    }
  }

  func testRepeatedRunsAreBitIdenticalAndTheExactLossFalls() throws {
    let events = Self.events(count: 1500, seed: 11)
    var c = Self.config(.exact, epochs: 6)
    c.formulation = .hu
    let (a, la) = try Self.distributed(events, ranks: 3, c)
    let (b, lb) = try Self.distributed(events, ranks: 3, c)
    XCTAssertEqual(a.userFactors, b.userFactors)
    XCTAssertEqual(a.itemFactors, b.itemFactors)
    XCTAssertEqual(la, lb)
    for (x, y) in zip(la, la.dropFirst()) { XCTAssertLessThanOrEqual(y, x * (1 + 1e-9), "exact ALS never raises its loss") }
  }

  func testDuplicatePoliciesMergeAsOneProcessDoes() throws {
    // Repeated pairs that straddle the parts: `.last` must keep the later event.
    // (Strong regularisation keeps the small problem well conditioned, so
    // that the Gram matrix's rounding is not amplified past the tolerance.)
    var events = Self.events(users: 30, items: 20, count: 400, seed: 5)
    events += events.reversed().map { ($0.0, $0.1, $0.2 + 1) }
    for policy in [DuplicatePolicy.sum, .max, .last] {
      var c = Self.config(.exact, epochs: 2)
      c.regularization = 2
      let (a, _) = try Self.single(events, c, duplicates: policy)
      let (b, _) = try Self.distributed(events, ranks: 3, c, duplicates: policy)
      assertSameModel(a, b, relative: Self.relative)
    }
  }

  func testMoreRanksThanUsersStillFits() throws {
    let events: [(String, String, Float)] = [("a", "x", 1), ("b", "y", 1), ("a", "y", 2)]
    let c = Self.config(.exact, k: 2, epochs: 2)
    let (a, _) = try Self.single(events, c)
    let (b, _) = try Self.distributed(events, ranks: 4, c)
    assertSameModel(a, b, relative: Self.relative)
  }

  func testANonFiniteRowOnOneRankStopsEveryRankNamingIt() {
    var events = Self.events(count: 300)
    events.append(("user-huge", "item-1", .greatestFiniteMagnitude))
    var c = Self.config(.exact, epochs: 2)
    c.confidence = .linear
    c.alpha = 1e30
    let (events2, config) = (events, c)
    let results = ThreadGroup.run(ranks: 2) { comm -> Bool in
      let events = events2, c = config
      let part = events[(events.count * comm.rank / 2)..<(events.count * (comm.rank + 1) / 2)]
      let data = try RankData.assemble(Self.interactions(part), duplicates: .sum, comm: comm)
      _ = try DistributedIALS.fit(data, config: c, comm: comm)
      return true
    }
    for r in results {
      XCTAssertThrowsError(try r.get()) { error in
        guard case .rankFailed(_, let message)? = error as? CollectiveError else { return XCTFail("\(error)") }
        XCTAssertTrue(message.contains("not finite") || message.contains("non-finite"), message)
      }
    }
  }
}
