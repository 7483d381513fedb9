import Foundation
import Evaluation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import IALS

final class ModelTests: XCTestCase {
  let train = Fixture.tiny()

  func fitted(_ solver: ALSSolver = .exact, epochs: Int = 3, threads: Int = 2, seed: UInt64 = 42) throws -> IALSModel {
    var c = Fixture.config(solver)
    c.epochs = epochs; c.threads = threads; c.seed = seed
    return try IALSModel.fit(train, userIds: IdMap(names: (0..<12).map { "u\($0)" }),
                             itemIds: IdMap(names: (0..<9).map { "item \($0)" }), config: c)
  }

  /// Fold-in of a training user's history equals that user's row after one
  /// more user half-step against the final item factors.
  func testFoldInEqualsUserHalfStep() throws {
    let model = try fitted()
    var users = model.userFactors
    try IALSModel.halfStep(SideData(train, config: model.config), fixed: model.itemFactors, target: &users,
                           solver: .exact, config: model.config, epoch: 1, side: "user")
    for u in 0..<12 {
      let v = model.foldIn(items: Array(train.items(ofUser: u)), weights: Array(train.weights(ofUser: u)))
      assertAllClose(v, users.row(u), relative: 1e-5, absolute: 1e-6, "user \(u)")
    }
    // partialFit recomputes exactly those rows and leaves the others alone.
    var partial = model
    partial.partialFit(users: [2, 5], train: train)
    assertAllClose(partial.userFactors.row(2), users.row(2), relative: 1e-5, absolute: 1e-6)
    assertAllClose(partial.userFactors.row(5), users.row(5), relative: 1e-5, absolute: 1e-6)
    XCTAssertEqual(partial.userFactors.row(3), model.userFactors.row(3))
    var partialItems = model
    partialItems.partialFit(items: [1], train: train)
    let ref = DenseReference.halfStep(DenseReference.transpose(DenseReference.dense(train)), fixed: model.userFactors, config: model.config)
    assertAllClose(partialItems.itemFactors.row(1), ref[1], relative: 1e-4, absolute: 1e-5)
    XCTAssertEqual(partialItems.itemFactors.row(0), model.itemFactors.row(0))
  }

  /// The item Gram matrix is computed by the first fold-in (not when a
  /// model is made or loaded), equals a float64 `HᵀH`, is shared by copies,
  /// and a copy whose item factors change gets a fresh one: its fold-in
  /// equals that of a model built from scratch on the new factors.
  func testItemGramIsComputedAtFirstFoldInAndFollowsTheFactors() throws {
    let model = try fitted()
    let loaded = IALSModel(config: model.config, userFactors: model.userFactors, itemFactors: model.itemFactors,
                           userIds: model.userIds, itemIds: model.itemIds)
    XCTAssertFalse(loaded.itemGramCache.isComputed)
    let copy = loaded
    _ = loaded.foldIn(items: [1, 4], weights: nil)
    XCTAssertTrue(loaded.itemGramCache.isComputed)
    XCTAssertTrue(copy.itemGramCache.isComputed, "copies share the cache")
    let h = model.itemFactors, k = h.columns
    let g = loaded.itemGram
    for a in 0..<k {
      for b in 0..<k {
        let ref = (0..<h.rows).reduce(0.0) { $0 + Double(h[$1, a]) * Double(h[$1, b]) }
        XCTAssertEqual(Double(g[a, b]), ref, accuracy: 1e-5 * max(1, abs(ref)), "G[\(a), \(b)]")
      }
    }
    var changed = copy
    var scaled = h
    for i in 0..<scaled.storage.count { scaled.storage[i] *= 1.5 }
    changed.itemFactors = scaled
    XCTAssertFalse(changed.itemGramCache.isComputed)
    let fresh = IALSModel(config: model.config, userFactors: model.userFactors, itemFactors: scaled,
                          userIds: model.userIds, itemIds: model.itemIds)
    XCTAssertEqual(changed.foldIn(items: [1, 4], weights: nil), fresh.foldIn(items: [1, 4], weights: nil))
    XCTAssertNotEqual(changed.foldIn(items: [1, 4], weights: nil), loaded.foldIn(items: [1, 4], weights: nil))
    // Eight threads folding in on a model whose Gram matrix is not yet
    // computed all get the serial answer (and ThreadSanitizer sees the lock).
    let fresh2 = IALSModel(config: model.config, userFactors: model.userFactors, itemFactors: model.itemFactors,
                           userIds: model.userIds, itemIds: model.itemIds)
    let answers = Locked([[Float]]())
    DispatchQueue.concurrentPerform(iterations: 8) { _ in
      let v = fresh2.foldIn(items: [1, 4], weights: nil)
      answers.withLock { $0.append(v) }
    }
    XCTAssertEqual(answers.withLock { $0 }, Array(repeating: loaded.foldIn(items: [1, 4], weights: nil), count: 8))
  }

  /// implicit's checkerboard (its `get_checker_board`): even users like even
  /// items, odd users odd items, the diagonal held out. The held-out
  /// diagonal item must be every user's first recommendation, for every
  /// solver. k = 3 keeps the model low-rank, so it cannot fit the holes
  /// (with k = 8 it partly does, and some users then miss).
  func testCheckerboardRecoversHeldOutDiagonal() throws {
    let n = 50
    var us: [Int32] = [], its: [Int32] = []
    for u in 0..<n { for i in stride(from: u % 2, to: n, by: 2) where i != u { us.append(Int32(u)); its.append(Int32(i)) } }
    let board = InteractionMatrix(userCount: n, itemCount: n, users: us, items: its, weights: [Float](repeating: 1, count: us.count))
    for solver in ALSSolver.allCases {
      var c = IALSConfig()
      c.factors = 3; c.epochs = 15; c.regularization = 0.01; c.threads = 2; c.solver = solver; c.blockSize = 2
      let model = try IALSModel.fit(board, userIds: IdMap(), itemIds: IdMap(), config: c)
      for u in 0..<n {
        let rec = model.recommend(user: u, k: 5, excluding: board.items(ofUser: u))
        XCTAssertEqual(rec.first?.item, Int32(u), "\(solver) user \(u): \(rec)")
        XCTAssertFalse(rec.contains { board.contains(user: u, item: $0.item) })
      }
    }
  }

  func testRecommendAndSimilarItems() throws {
    let model = try fitted()
    let seen = train.items(ofUser: 0)
    let rec = model.recommend(user: 0, k: 9, excluding: seen)
    XCTAssertEqual(rec.count, 9 - seen.count)
    XCTAssertFalse(rec.contains { seen.contains($0.item) })
    // Scores are the dot products, sorted best first; brute force agrees.
    for r in rec { assertClose(Double(r.score), Double(model.score(user: 0, item: Int(r.item))), relative: 1e-5, absolute: 1e-6) }
    let brute = (0..<9).filter { !seen.contains(Int32($0)) }.sorted { model.score(user: 0, item: $0) > model.score(user: 0, item: $1) }
    XCTAssertEqual(rec.map { Int($0.item) }, brute)
    let filtered = model.recommend(user: 0, k: 3, filter: ItemFilter { $0 % 2 == 0 })
    XCTAssert(filtered.allSatisfy { $0.item % 2 == 0 })
    let batch = model.recommend(users: [0, 1], k: 9, excluding: train)
    XCTAssertEqual(batch[0].map(\.item), rec.map(\.item))
    // Fold-in recommendations exclude the given items.
    let cold = try model.recommend(history: [1, 2], k: 4)
    XCTAssertFalse(cold.contains { $0.item == 1 || $0.item == 2 })
    // Cosine similar items: never the item itself, then by cosine (brute force).
    let sim = model.similarItems(to: 3, k: 9)
    XCTAssertEqual(sim.count, 8)
    XCTAssertFalse(sim.contains { $0.item == 3 })
    func cosine(_ a: Int, _ b: Int) -> Double {
      let x = model.itemFactors.row(a).map(Double.init), y = model.itemFactors.row(b).map(Double.init)
      return zip(x, y).map(*).reduce(0, +) / (x.map { $0 * $0 }.reduce(0, +).squareRoot() * y.map { $0 * $0 }.reduce(0, +).squareRoot())
    }
    for s in sim { assertClose(Double(s.score), cosine(3, Int(s.item)), relative: 1e-4, absolute: 1e-5) }
    // Scorer conformance: one block equals the per-pair scores.
    var out = [Float](repeating: 0, count: 2 * 9)
    out.withUnsafeMutableBufferPointer { model.scoreBlock(users: [4, 7], into: $0.baseAddress!) }
    for (j, u) in [4, 7].enumerated() {
      for i in 0..<9 { assertClose(Double(out[j * 9 + i]), Double(model.score(user: u, item: i)), relative: 1e-5, absolute: 1e-6) }
    }
  }

  func testFixedSeedAndThreadsGiveBitwiseEqualFactors() throws {
    for solver in ALSSolver.allCases {
      let a = try fitted(solver), b = try fitted(solver)
      XCTAssertEqual(a.userFactors, b.userFactors, "\(solver)")
      XCTAssertEqual(a.itemFactors, b.itemFactors, "\(solver)")
      let c = try fitted(solver, seed: 43)
      XCTAssertNotEqual(a.itemFactors, c.itemFactors, "\(solver): the seed must matter")
    }
  }

  func testNonFiniteFactorsStopTheFit() {
    var us = [Int32](0..<5), its: [Int32] = [0, 1, 2, 3, 4]
    var ws: [Float] = [1, 1, 1, .nan, 1]
    us.append(0); its.append(2); ws.append(1)
    let m = InteractionMatrix(userCount: 5, itemCount: 5, users: us, items: its, weights: ws)
    var c = Fixture.config(.exact)
    c.epochs = 2
    XCTAssertThrowsError(try IALSModel.fit(m, userIds: IdMap(), itemIds: IdMap(), config: c)) { error in
      XCTAssertEqual(error as? IALSError, .nonFinite(epoch: 1, side: "user", row: 3))
      XCTAssert("\(error)".contains("row 3"))
    }
  }

  func testInvalidConfigIsRejected() {
    var c = Fixture.config()
    c.factors = 0
    XCTAssertThrowsError(try IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)) { error in
      XCTAssert("\(error)".contains("factors"))
    }
  }
}

final class PersistenceTests: XCTestCase {
  var dir: String!

  override func setUpWithError() throws {
    dir = NSTemporaryDirectory() + "ials-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

  func model() throws -> IALSModel {
    var c = Fixture.config(.cg)
    c.epochs = 2
    return try IALSModel.fit(Fixture.tiny(), userIds: IdMap(names: (0..<12).map { "user-\($0)" }),
                             itemIds: IdMap(names: (0..<9).map { "ítem \($0)" }), config: c)
  }

  func testSaveLoadRoundTripsBitForBit() throws {
    let m = try model()
    let path = dir + "/m.ials"
    try m.save(to: path)
    let l = try IALSModel.load(from: path)
    XCTAssertEqual(l.userFactors, m.userFactors)
    XCTAssertEqual(l.itemFactors, m.itemFactors)
    XCTAssertEqual(l.userIds, m.userIds)
    XCTAssertEqual(l.itemIds, m.itemIds)
    XCTAssertEqual(l.config, m.config)
    XCTAssertEqual(l.foldIn(items: [1, 3], weights: nil), m.foldIn(items: [1, 3], weights: nil))
  }

  func testTruncatedOrCorruptFilesGiveClearErrors() throws {
    let m = try model()
    let path = dir + "/m.ials"
    try m.save(to: path)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    func expectError(_ data: Data, containing: String, file: StaticString = #filePath, line: UInt = #line) throws {
      let bad = dir + "/bad.ials"
      try data.write(to: URL(fileURLWithPath: bad))
      XCTAssertThrowsError(try IALSModel.load(from: bad), file: file, line: line) { error in
        let text = "\(error)"
        XCTAssert(text.contains(bad), "message must name the file: \(text)", file: file, line: line)
        XCTAssert(text.contains(containing), "\(text)", file: file, line: line)
      }
    }
    try expectError(bytes.prefix(bytes.count - 13), containing: "checksum")
    try expectError(bytes.prefix(5), containing: "magic")
    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x10
    try expectError(flipped, containing: "checksum")
    var version = bytes
    version[8] = 9
    try expectError(version, containing: "version 9")
    XCTAssertThrowsError(try IALSModel.load(from: dir + "/missing.ials")) { XCTAssert("\($0)".contains("missing.ials")) }
  }

  func testExportWritesNumpyFilesAndIds() throws {
    let m = try model()
    let out = dir + "/npy"
    try m.export(toDirectory: out)
    XCTAssertEqual(try NPY.read(out + "/user_factors.npy"), m.userFactors)
    XCTAssertEqual(try NPY.read(out + "/item_factors.npy"), m.itemFactors)
    let ids = try String(contentsOfFile: out + "/item_ids.txt", encoding: .utf8)
    XCTAssertEqual(ids, (0..<9).map { "ítem \($0)\n" }.joined())
    let uids = try String(contentsOfFile: out + "/user_ids.txt", encoding: .utf8)
    XCTAssertEqual(uids.split(separator: "\n").count, 12)
  }
}
