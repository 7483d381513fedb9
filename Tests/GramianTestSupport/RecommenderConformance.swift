import Evaluation
import Foundation
import InteractionData
import LinearAlgebra
import Recommenders
import Retrieval
import XCTest

/// The checkerboard fixture (as implicit's test mixin uses): user u likes
/// the items of its own parity, except item u itself, which is held out.
/// A personalised model must rank a user's held-out diagonal item first.
public struct Checkerboard {
  public let size: Int
  public let train: InteractionMatrix
  public let userIds: IdMap
  public let itemIds: IdMap

  public init(size: Int = 40) {
    self.size = size
    var us: [Int32] = [], its: [Int32] = []
    for u in 0..<size {
      for i in stride(from: u % 2, to: size, by: 2) where i != u { us.append(Int32(u)); its.append(Int32(i)) }
    }
    train = InteractionMatrix(userCount: size, itemCount: size, users: us, items: its,
                              weights: [Float](repeating: 1, count: us.count))
    userIds = IdMap(names: (0..<size).map { "user-\($0)" })
    itemIds = IdMap(names: (0..<size).map { "item \($0)" })
  }
}

/// One behavioural suite run over every model kind (the spirit of
/// implicit's `RecommenderBaseTestMixin`): each check compares the model
/// with an independent reference (brute-force scoring of every pair, a
/// reload from disk, exact search for HNSW).
public enum RecommenderConformance {
  /// Runs every check on `model`, fitted on `board`.
  /// - Parameters:
  ///   - personalised: whether the model must recover the held-out diagonal.
  ///   - foldsIn: whether ``Recommender/foldIn(history:weights:)`` must work
  ///     (else it must throw ``RecommenderError/foldInUnsupported(kind:reason:)``).
  public static func check(
    _ model: some Recommender, board: Checkerboard, personalised: Bool, foldsIn: Bool,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let n = board.size
    XCTAssertEqual(model.userCount, n, file: file, line: line)
    XCTAssertEqual(model.itemCount, n, file: file, line: line)

    // Batch scores (one block) equal single scores, which equal the factor
    // formula computed here in Double.
    var block = [Float](repeating: 0, count: n * n)
    block.withUnsafeMutableBufferPointer { model.scoreBlock(users: Array(0..<Int32(n))[...], into: $0.baseAddress!) }
    for u in 0..<n {
      for i in 0..<n {
        var dot = Double(model.itemBias?[i] ?? 0)
        for j in 0..<model.dimension {
          dot += Double(model.userFactors[u, j]) * Double(model.itemFactors[i, j])
        }
        assertClose(Double(block[u * n + i]), dot, relative: 1e-4, absolute: 1e-5, "\(model.kind) block (\(u), \(i))", file: file, line: line)
        assertClose(Double(model.score(user: u, item: i)), dot, relative: 1e-4, absolute: 1e-5, "\(model.kind) score (\(u), \(i))", file: file, line: line)
      }
    }
    let pairs = (0..<n).map { (Int32($0), Int32(($0 * 7 + 3) % n)) }
    let batch = model.score(users: pairs.map(\.0), items: pairs.map(\.1))
    for (j, p) in pairs.enumerated() {
      XCTAssertEqual(batch[j], model.score(user: Int(p.0), item: Int(p.1)), "\(model.kind) score(users:items:)", file: file, line: line)
    }

    // Seen items are never returned; lists are sorted by score.
    let all = model.recommend(users: Array(0..<Int32(n)), k: n, excluding: board.train, threads: 2)
    for u in 0..<n {
      let seen = Set(board.train.items(ofUser: u))
      XCTAssertTrue(all[u].allSatisfy { !seen.contains($0.item) }, "\(model.kind) user \(u) got a seen item", file: file, line: line)
      XCTAssertEqual(all[u].count, n - seen.count, file: file, line: line)
      XCTAssertEqual(all[u].map(\.score), all[u].map(\.score).sorted(by: >), file: file, line: line)
      let single = model.recommend(user: u, k: n, excluding: board.train.items(ofUser: u))
      XCTAssertEqual(Set(single.map(\.item)), Set(all[u].map(\.item)), "\(model.kind) user \(u): one user vs batch", file: file, line: line)
      if personalised {
        XCTAssertEqual(all[u].first?.item, Int32(u), "\(model.kind) user \(u) does not rank its held-out item first", file: file, line: line)
      }
    }
    // One filter convention: the filter says which items may be returned.
    let even = model.recommend(users: [0, 1], k: 5, filter: ItemFilter { $0 % 2 == 0 }, threads: 1)
    XCTAssertTrue(even.joined().allSatisfy { $0.item % 2 == 0 }, "\(model.kind) filter", file: file, line: line)
    let only = try model.recommend(vector: model.userVector(0), k: 5, filter: .only([3, 5]))
    XCTAssertEqual(Set(only.map(\.item)), [3, 5], "\(model.kind) allow list", file: file, line: line)

    // similarItems never returns the query item.
    for item in [0, 1, n - 1] {
      let similar = model.similarItems(to: item, k: n)
      XCTAssertFalse(similar.contains { $0.item == Int32(item) }, "\(model.kind) similarItems returned its query", file: file, line: line)
      XCTAssertEqual(similar.map(\.score), similar.map(\.score).sorted(by: >), file: file, line: line)
    }

    // HNSW at high ef gives exact top-K, item bias included.
    let index = try HNSWIndex(model: model, configuration: .init(M: 8, efConstruction: 64), threads: 1)
    XCTAssertNil(model.indexMismatch(index), file: file, line: line)
    let approximate = model.recommend(users: Array(0..<Int32(n)), k: 5, excluding: board.train, index: index, ef: n)
    let exact = model.recommend(users: Array(0..<Int32(n)), k: 5, excluding: board.train, threads: 1)
    for u in 0..<n {
      assertAllClose(approximate[u].map(\.score), exact[u].map(\.score), relative: 1e-4, absolute: 1e-5,
                     "\(model.kind) HNSW vs exact, user \(u)", file: file, line: line)
    }

    // Save and load through the library's loader: same kind, same scores.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-conformance-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("model.gramian").path
    try model.save(to: path)
    let loaded = try ModelFile.load(path)
    XCTAssertEqual(loaded.kind, model.kind, file: file, line: line)
    XCTAssertEqual(loaded.userIds, model.userIds, file: file, line: line)
    XCTAssertEqual(loaded.itemIds, model.itemIds, file: file, line: line)
    XCTAssertEqual(loaded.training, model.training, file: file, line: line)
    for (u, i) in pairs { XCTAssertEqual(loaded.score(user: Int(u), item: Int(i)), model.score(user: Int(u), item: Int(i)), file: file, line: line) }

    // The training summary vouches for the training pairs and no others.
    if let training = model.training {
      let same = training.overlap(with: board.train, userIds: board.userIds, itemIds: board.itemIds)
      XCTAssertTrue(same.identical, file: file, line: line)
      XCTAssertEqual(same.found, same.checked, file: file, line: line)
      let diagonal = InteractionMatrix(userCount: n, itemCount: n, users: (0..<Int32(n)).map { $0 },
                                       items: (0..<Int32(n)).map { $0 }, weights: [Float](repeating: 1, count: n))
      XCTAssertEqual(training.overlap(with: diagonal, userIds: board.userIds, itemIds: board.itemIds).found, 0, file: file, line: line)
    } else {
      XCTFail("\(model.kind) fitted without a training summary", file: file, line: line)
    }

    // Fold-in: a new user with user 0's history gets no item of it back.
    let history = Array(board.train.items(ofUser: 0))
    if foldsIn {
      let rec = try model.recommend(history: history, k: n)
      XCTAssertFalse(rec.contains { history.contains($0.item) }, "\(model.kind) fold-in returned a history item", file: file, line: line)
      if personalised { XCTAssertEqual(rec.first?.item, 0, "\(model.kind) fold-in of user 0's history", file: file, line: line) }
    } else {
      XCTAssertThrowsError(try model.foldIn(history: history, weights: nil), file: file, line: line) { error in
        guard case .foldInUnsupported = error as? RecommenderError else {
          return XCTFail("\(model.kind): expected foldInUnsupported, got \(error)", file: file, line: line)
        }
      }
    }

    // The serving-time prior adds beta * log P(d) to every score.
    let beta: Float = 0.5
    let prior = try model.withPrior(exponent: beta)
    let logP = PopularityPrior.logPrior(itemCounts: board.train.itemDegrees)
    let base = (model as? any PriorReplacing)?.withoutPrior ?? model
    for (u, i) in pairs {
      assertClose(Double(prior.score(user: Int(u), item: Int(i))),
                  Double(base.score(user: Int(u), item: Int(i))) + Double(beta * logP[Int(i)]),
                  relative: 1e-5, absolute: 1e-5, "\(model.kind) prior", file: file, line: line)
    }
  }
}

/// Models whose prior exponent replaces (rather than adds to) their own:
/// the conformance suite compares them with their prior-free scores.
public protocol PriorReplacing {
  var withoutPrior: any Recommender { get }
}
