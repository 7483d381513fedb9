@testable import Comparison
import Evaluation
import GramianTestSupport
import IALS
import InteractionData
import LinearAlgebra
import TwoTower
import XCTest

/// The leave-one-out comparison against independent paths: brute-force
/// ranks, the attention trainer's own metrics, a direct iALS fit, hand
/// counts for popularity, and the grid choices against what was logged.
final class SequenceComparisonTests: XCTestCase {
  /// Users walk a cycle over the items with some noise: the next item is
  /// mostly the last one's successor, so the attention tower learns it.
  static let split: LeaveOneOutSplit = {
    var rng = SeededGenerator(seed: 7)
    let items = 60
    let seqs: [[Int32]] = (0..<150).map { _ in
      let start = Int(rng.next() % UInt64(items)), n = 3 + Int(rng.next() % 7)
      return (0..<n).map { k in rng.next() % 5 == 0 ? Int32(rng.next() % UInt64(items)) : Int32((start + k) % items) }
    }
    return LeaveOneOutSplit(SequenceData(sequences: seqs, itemCount: items))
  }()

  func smallConfig(_ methods: [SequenceMethod]) -> SequenceComparisonConfig {
    var c = SequenceComparisonConfig()
    c.methods = methods
    c.twoTower.embeddingDim = 16
    c.twoTower.sequence!.maxLength = 8
    c.twoTower.sequence!.blocks = 1
    c.twoTower.sequence!.dropout = 0.1
    c.twoTower.batchSize = 32
    c.twoTower.learningRate = 0.01
    c.twoTower.epochs = 6
    c.evaluateEvery = 2
    c.patience = 2
    c.ials.epochs = 3
    c.ialsUnobservedWeights = [0.01, 0.1]
    c.ialsRegularizations = [0.01, 0.1]
    c.priorExponents = [0, 0.5, 1]
    c.gramWeights = [0.1]
    c.gridWidenings = 0
    c.threads = 2
    c.bootstrapReplicates = 200
    return c
  }

  /// Brute force: for each user, count the non-history items other than the
  /// target that score strictly higher and those that tie, scoring by
  /// explicit dot products.
  func bruteForceRanks(queries: [[Float]], items: [[Float]], bias: [Float]? = nil, histories: [[Int32]], targets: [Int32]) -> [TiedRank] {
    zip(queries.indices, targets).map { j, t in
      func score(_ i: Int) -> Double {
        zip(queries[j], items[i]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } + Double(bias?[i] ?? 0)
      }
      let st = score(Int(t)), seen = Set(histories[j].map(Int.init))
      let candidates = items.indices.filter { $0 != Int(t) && !seen.contains($0) }
      return TiedRank(above: candidates.filter { score($0) > st }.count, tied: candidates.filter { score($0) == st }.count)
    }
  }

  func testRanksMatchBruteForceOnRandomFactors() {
    var rng = SeededGenerator(seed: 3)
    let users = 37, itemCount = 23, d = 4
    let q = (0..<users).map { _ in (0..<d).map { _ in Float.random(in: -1...1, using: &rng) } }
    let v = (0..<itemCount).map { _ in (0..<d).map { _ in Float.random(in: -1...1, using: &rng) } }
    let bias = (0..<itemCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
    let histories = (0..<users).map { _ in (0..<Int.random(in: 0...5, using: &rng)).map { _ in Int32.random(in: 0..<Int32(itemCount), using: &rng) } }
    let targets = (0..<users).map { _ in Int32.random(in: 0..<Int32(itemCount), using: &rng) }
    let scorer = FactorScorer(userFactors: Matrix(rows: users, columns: d, storage: q.flatMap { $0 }),
                              itemFactors: Matrix(rows: itemCount, columns: d, storage: v.flatMap { $0 }), itemBias: bias)
    // Rows in reverse order, small chunks: the row mapping and chunking are exercised.
    let rows = (0..<Int32(users)).reversed().map { $0 }
    let got = LeaveOneOutRanking.ranks(scorer, rows: Array(rows), histories: histories, targets: targets, threads: 2, chunk: 5)
    let want = bruteForceRanks(queries: rows.map { q[Int($0)] }, items: v, bias: bias, histories: histories, targets: targets)
    XCTAssertEqual(got, want)
    // Per-user values average to SequenceMetrics.
    let per = LeaveOneOutRanking.perUser(got), m = SequenceMetrics(ranks: got)
    assertClose(per["hr@10"]!.reduce(0, +) / Double(users), m.hr10, relative: 1e-12)
    assertClose(per["ndcg@20"]!.reduce(0, +) / Double(users), m.ndcg20, relative: 1e-12)
  }

  /// Popularity by hand: training + validation counts, history excluded,
  /// strictly higher scores only.
  func testPopularityRanksByHand() throws {
    // Users (train | validation | test): [0,0,0 | 1 | 2], [1,1,3 | 3 | 4], [0 | 2 | 4].
    let split = LeaveOneOutSplit(SequenceData(sequences: [[0, 0, 0, 1, 2], [1, 1, 3, 3, 4], [0, 2, 4]], itemCount: 5))
    // Counts with the validation items: 0:4, 1:3, 2:1, 3:2, 4:0.
    // User 0: history {0,1}, target 2 (1): only 3 (2) is higher -> rank 1.
    // User 1: history {1,3}, target 4 (0): 0 (4) and 2 (1) -> rank 2.
    // User 2: history {0,2}, target 4 (0): 1 (3) and 3 (2) -> rank 2.
    let r = try SequenceComparison(config: smallConfig([.popularity])).run(split, name: "hand")
    let ndcg = try XCTUnwrap(r[.popularity]?.perUser["ndcg@10"])
    XCTAssertEqual(ndcg.count, 3)
    XCTAssertEqual(ndcg[0], 1 / log2(3), accuracy: 1e-12)
    XCTAssertEqual(ndcg[1], 1 / log2(4), accuracy: 1e-12)
    XCTAssertEqual(ndcg[2], 1 / log2(4), accuracy: 1e-12)
    XCTAssertEqual(r[.popularity]!.test["hr@10"], 1)
  }

  /// The attention methods' test numbers equal the trainer's own
  /// leave-one-out metrics of the same network (an independent evaluation
  /// path), the kept epoch is the early-stopping choice, and the prior's
  /// beta = 0 point equals the softmax network's validation metrics.
  func testAttentionNumbersMatchTheTrainerAndPriorIsTheArgmax() throws {
    let config = smallConfig([.softmax, .prior, .logQ])
    let session = try SequenceSession(config: config, split: Self.split, userIds: IdMap(), itemIds: IdMap(), log: nil)
    for m in config.methods { try session.tune(m) }
    let results = try config.methods.map { try session.finish($0) }
    for (m, r) in zip(config.methods, results) where m != .prior {
      let run = try XCTUnwrap(session.attention[m])
      for (k, v) in run.test.dictionary { assertClose(r.test[k]!, v, relative: 1e-6, absolute: 1e-12, "\(m) \(k)") }
      XCTAssertEqual(r.chosen["epochs"], Double(run.epoch))
      XCTAssertEqual(r.test.count, 4)
    }
    let prior = results[1], softmax = results[0]
    XCTAssertEqual(prior.trials.count, 3)
    let zero = try XCTUnwrap(prior.trials.first { $0.setting["beta"] == 0 })
    for k in ["hr@10", "ndcg@10"] { assertClose(zero.metrics[k]!, softmax.validation[k]!, relative: 1e-6, absolute: 1e-12, k) }
    let best = prior.trials.map { $0.metrics["ndcg@10"]! }.max()!
    XCTAssertEqual(prior.trials.first { $0.metrics["ndcg@10"]! == best }!.setting, prior.chosen)
    XCTAssertEqual(prior.inherited["epochs"], softmax.chosen["epochs"])
    // The network learned the cycle: far above popularity-free chance (10 / 60).
    XCTAssertGreaterThan(softmax.test["hr@10"]!, 0.3)
  }

  /// iALS: the choice is the validation argmax of its grid, and the test
  /// number equals a direct fit on training + validation items, ranked by brute force.
  func testIALSIsTheValidationArgmaxRefittedWithValidationItems() throws {
    let config = smallConfig([.ials])
    let r = try SequenceComparison(config: config).run(Self.split, name: "cycles")
    let ials = try XCTUnwrap(r[.ials])
    XCTAssertEqual(ials.trials.count, 4)
    let best = ials.trials.map { $0.metrics["ndcg@10"]! }.max()!
    XCTAssertEqual(ials.trials.first { $0.metrics["ndcg@10"]! == best }!.setting, ials.chosen)
    // Direct: the matrix of training + validation items, the same settings.
    let s = Self.split
    var users: [Int32] = [], items: [Int32] = []
    for u in 0..<s.userCount {
      let list = s.train[u] + (s.validation[u] >= 0 ? [s.validation[u]] : [])
      users += list.map { _ in Int32(u) }
      items += list
    }
    let matrix = InteractionMatrix(userCount: s.userCount, itemCount: s.itemCount, users: users, items: items,
                                   weights: items.map { _ in 1 }, duplicates: .max)
    var c = config.ials
    c.factors = 16; c.threads = 2; c.seed = 1
    c.unobservedWeight = Float(ials.chosen["alpha0"]!); c.regularization = Float(ials.chosen["lambda"]!)
    let model = try IALSModel.fit(matrix, userIds: IdMap(), itemIds: IdMap(), config: c)
    let evaluated = (0..<s.userCount).filter { s.test[$0] >= 0 }
    let w = model.userFactors, h = model.itemFactors
    let ranks = bruteForceRanks(
      queries: evaluated.map { Array(w.storage[($0 * 16)..<($0 * 16 + 16)]) },
      items: (0..<s.itemCount).map { Array(h.storage[($0 * 16)..<($0 * 16 + 16)]) },
      histories: evaluated.map { s.train[$0] + [s.validation[$0]] }, targets: evaluated.map { s.test[$0] })
    for (k, v) in SequenceMetrics(ranks: ranks).dictionary { assertClose(ials.test[k]!, v, relative: 1e-9, absolute: 1e-12, k) }
  }

  /// Two seeds with `--retune first`: the second seed runs no grid, keeps the
  /// first seed's choices and trains the tower for exactly the kept epochs;
  /// the report has means, intervals and the best-attention question.
  func testSeedsRetuneFirstAndDifferences() throws {
    var config = smallConfig([.popularity, .ials, .softmax, .logQ, .prior])
    config.seeds = [1, 2]
    config.retune = .firstSeed
    var lines: [String] = []
    let r = try SequenceComparison(config: config, log: { lines.append($0) }).run(Self.split, name: "cycles")
    let seed2 = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("seed 2") })
    XCTAssertFalse(lines[seed2...].contains { $0.contains(": validation ndcg@10") }, "seed 2 ran a grid")
    for m in r.summary { XCTAssertEqual(m.choices[0], m.choices[1], "\(m.method)") }
    XCTAssertEqual(r.summary.first { $0.method == .softmax }!.values["ndcg@10"]!.count, 2)
    let questions = Set(r.differences.map(\.question))
    XCTAssertTrue(questions.contains("logQ on the attention tower"))
    XCTAssertTrue(questions.contains("prior vs logQ"))
    XCTAssertTrue(questions.contains { $0.hasPrefix("best attention") })
    XCTAssertTrue(r.differences.allSatisfy { $0.seeds == 2 && $0.lower <= $0.difference && $0.difference <= $0.upper })
    let md = SequenceComparisonReport.markdown(r)
    XCTAssertTrue(md.contains("## Results over 2 seeds"))
    XCTAssertTrue(md.contains("--retune first"))
    // The JSON round-trips.
    let back = try JSONDecoder().decode(SequenceComparisonResults.self, from: SequenceComparisonReport.json(r))
    XCTAssertEqual(back.summary, r.summary)
    XCTAssertEqual(back.differences, r.differences)
  }

  func testInvalidSettingsAreNamed() {
    var c = smallConfig([.softmax])
    c.patience = 0
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--patience"), "\($0)") }
    c = smallConfig([.gram])
    c.gramWeights = [-1]
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Gram weights"), "\($0)") }
    XCTAssertThrowsError(try SequenceMethod.parseList("attention-softmax,nope")) { XCTAssertTrue("\($0)".contains("'nope'"), "\($0)") }
    XCTAssertEqual(try SequenceMethod.parseList("attention-logq, popularity"), [.popularity, .logQ])
    let none = LeaveOneOutSplit(SequenceData(sequences: [[1, 2], [0]], itemCount: 3))
    XCTAssertThrowsError(try SequenceComparison(config: smallConfig([.popularity])).run(none, name: "x")) {
      XCTAssertTrue("\($0)".contains("3 or more items"), "\($0)")
    }
  }
}
