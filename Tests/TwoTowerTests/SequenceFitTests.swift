import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Leave-one-out data, metrics and training of the attention tower.
final class SequenceFitTests: XCTestCase {
  func testLeaveOneOutSplit() {
    let data = SequenceData(sequences: [[1, 2, 3, 4], [5, 6], [7, 8, 9]], itemCount: 10)
    let s = LeaveOneOutSplit(data)
    XCTAssertEqual(s.train, [[1, 2], [5, 6], [7]])
    XCTAssertEqual(s.validation, [3, -1, 8])
    XCTAssertEqual(s.test, [4, -1, 9])
    XCTAssertEqual(s.evaluatedUsers, 2)
    XCTAssertEqual(data.positionCount, 3 + 1 + 2)
  }

  /// Events ordered by timestamp (ties in file order), repeats kept.
  func testSequencesFromTimestampedEvents() throws {
    var users = IdMap(), items = IdMap()
    var us: [Int32] = [], its: [Int32] = [], ts: [Int64] = []
    for (u, i, t) in [("a", "x", 5), ("a", "y", 1), ("b", "x", 2), ("a", "x", 3), ("a", "z", 3)] {
      us.append(users.insert(u)); its.append(items.insert(i)); ts.append(Int64(t))
    }
    let x = Interactions(users: us, items: its, weights: us.map { _ in 1 }, timestamps: ts, userIds: users, itemIds: items)
    let data = SequenceData(x, userCount: 2, itemCount: 3)
    let (xi, yi, zi) = (x.itemIds.index(of: "x")!, x.itemIds.index(of: "y")!, x.itemIds.index(of: "z")!)
    XCTAssertEqual(data.sequences[Int(x.userIds.index(of: "a")!)], [yi, xi, zi, xi])
    XCTAssertEqual(data.sequences[Int(x.userIds.index(of: "b")!)], [xi])
  }

  /// HR and NDCG from ranks, by hand: ranks 0, 9, 10, 19, 25.
  func testMetricsFromRanks() {
    let m = SequenceMetrics(ranks: [0, 9, 10, 19, 25])
    XCTAssertEqual(m.hr10, 2.0 / 5, accuracy: 1e-12)
    XCTAssertEqual(m.ndcg10, (1 + 1 / log2(11.0)) / 5, accuracy: 1e-12)
    XCTAssertEqual(m.hr20, 4.0 / 5, accuracy: 1e-12)
    XCTAssertEqual(m.ndcg20, (1 + 1 / log2(11.0) + 1 / log2(12.0) + 1 / log2(21.0)) / 5, accuracy: 1e-12)
  }

  /// Ties count in expectation over a random order of the tied items, by
  /// hand; all-equal scores give the chance level, a NaN never helps.
  func testTiedRanksAreExpectationsOverTheTie() {
    // 2 above, 3 tied: the target is equally likely at positions 2, 3, 4, 5.
    let r = TiedRank(above: 2, tied: 3)
    XCTAssertEqual(r.hit(10), 1)
    XCTAssertEqual(r.hit(4), 0.5)
    XCTAssertEqual(r.hit(2), 0)
    XCTAssertEqual(r.gain(4), (1 / log2(4.0) + 1 / log2(5.0)) / 4, accuracy: 1e-12)
    XCTAssertEqual(r.gain(2), 0)
    XCTAssertEqual(TiedRank(above: 3).gain(10), 1 / log2(5.0), accuracy: 1e-12)
    func place(_ row: [Float], target: Int, excluded: Set<Int> = []) -> TiedRank {
      let mask = row.indices.map { excluded.contains($0) }
      return row.withUnsafeBufferPointer { TiedRank.of(target: target, in: $0.baseAddress!, count: row.count, excluded: mask) }
    }
    // A collapsed model (every score 0) over 100 candidates: HR@10 = 10 / 101, not 1.
    let flat = place([Float](repeating: 0, count: 102), target: 0, excluded: [1])
    XCTAssertEqual(flat, TiedRank(above: 0, tied: 100))
    XCTAssertEqual(SequenceMetrics(ranks: [flat]).hr10, 10.0 / 101, accuracy: 1e-12)
    XCTAssertEqual(place([.nan, 1, 0, -1], target: 0), TiedRank(above: 3, tied: 0))
    XCTAssertEqual(place([0.5, .nan, 1, 0.5, 0.2], target: 0), TiedRank(above: 2, tied: 1))
    XCTAssertEqual(place([0.5, 0.9, 0.1], target: 0, excluded: [1]), TiedRank(above: 0, tied: 0))
  }

  /// Users walk a cycle over the items (each item followed by the next):
  /// the next item is fully determined by the last one.
  static func cycles(users: Int = 300, items: Int = 120, seed: UInt64 = 1) -> SequenceData {
    var rng = SeededGenerator(seed: seed)
    let seqs: [[Int32]] = (0..<users).map { _ in
      let start = Int(rng.next() % UInt64(items)), n = 4 + Int(rng.next() % 8)
      return (0..<n).map { Int32((start + $0) % items) }
    }
    return SequenceData(sequences: seqs, itemCount: items)
  }

  static func config(_ loss: TwoTowerLoss) -> TwoTowerConfig {
    var c = TwoTowerConfig.recommendedSequence
    c.embeddingDim = 16
    c.sequence!.maxLength = 8
    c.sequence!.blocks = 1
    c.sequence!.dropout = 0.1
    c.loss = loss
    c.batchSize = 32
    c.epochs = 12
    c.learningRate = 0.01
    c.threads = 2
    return c
  }

  /// Every loss learns the cycle far above chance (HR@10 = 10 / 120 at random).
  func testLearnsASequentialPattern() throws {
    let split = LeaveOneOutSplit(Self.cycles())
    for loss in [TwoTowerLoss.softmax, .fullSoftmax, .bce] {
      let fit = try TwoTowerModel.fitSequences(split, userIds: IdMap(), itemIds: IdMap(), config: Self.config(loss))
      XCTAssertGreaterThan(fit.test.hr10, 0.6, "\(loss): \(fit.test)")
      XCTAssertEqual(fit.test.users, split.evaluatedUsers)
      XCTAssertLessThan(fit.epochs.last!.loss, fit.epochs.first!.loss, "\(loss)")
    }
  }

  /// The evaluator's ranks equal brute force over the served model: the
  /// model's fold-in of the history, every item scored, history excluded.
  func testRanksMatchBruteForce() throws {
    let split = LeaveOneOutSplit(Self.cycles(users: 40))
    var c = Self.config(.softmax)
    c.epochs = 2
    var trainer = SequenceTrainer(split: split, config: c)
    trainer.network.encoder.params[1] = trainer.network.encoder.params[1].map { $0 * 1.5 }
    let ranks = SequenceEvaluation.ranks(trainer.network, split: split, target: .test, threads: 2, chunk: 7)
    let model = try TwoTowerModel.makeModel(trainer.network, split: split, userIds: IdMap(), itemIds: IdMap(), config: c)
    var r = 0
    for u in 0..<split.userCount where split.test[u] >= 0 {
      let history = split.train[u] + [split.validation[u]]
      let q = try model.foldIn(history: history, weights: nil)
      let v = model.itemEmbeddings
      func score(_ i: Int) -> Float { (0..<q.count).reduce(0) { $0 + q[$1] * v.storage[i * q.count + $1] } }
      let t = Int(split.test[u]), st = score(t)
      let candidates = (0..<split.itemCount).filter { !history.contains(Int32($0)) && $0 != t }
      let expected = TiedRank(above: candidates.filter { score($0) > st }.count, tied: candidates.filter { score($0) == st }.count)
      XCTAssertEqual(ranks[r], expected, "user \(u)")
      r += 1
    }
  }

  /// The seed and thread count fix the result bit for bit.
  func testSeedFixesTheModel() throws {
    let split = LeaveOneOutSplit(Self.cycles(users: 80))
    var c = Self.config(.softmax)
    c.epochs = 2
    c.gramWeight = 0.1
    c.gramEstimator = .sogram
    c.logQ = .exact
    let a = try TwoTowerModel.fitSequences(split, userIds: IdMap(), itemIds: IdMap(), config: c).model
    let b = try TwoTowerModel.fitSequences(split, userIds: IdMap(), itemIds: IdMap(), config: c).model
    XCTAssertEqual(a.itemEmbeddings, b.itemEmbeddings)
    XCTAssertEqual(a.userEmbeddings, b.userEmbeddings)
    c.seed = 2
    let other = try TwoTowerModel.fitSequences(split, userIds: IdMap(), itemIds: IdMap(), config: c).model
    XCTAssertNotEqual(a.itemEmbeddings, other.itemEmbeddings)
  }

  /// Saved and loaded, the model keeps its tower: folding in a user's
  /// whole sequence gives the stored user vector; the own-history-table
  /// variant round-trips too.
  func testSaveLoadAndFoldIn() throws {
    let data = Self.cycles(users: 30)
    let split = LeaveOneOutSplit(data)
    let dir = TemporaryFolder(self)
    for share in [true, false] {
      var c = Self.config(.bce)
      c.epochs = 1
      c.sequence!.shareItemTable = share
      let model = try TwoTowerModel.fitSequences(split, userIds: Self.ids("u", 30), itemIds: Self.ids("i", 120), config: c).model
      let path = dir.path("seq-\(share).gramian")
      try model.save(to: path)
      let loaded = try TwoTowerModel.load(from: path)
      XCTAssertEqual(loaded.sequenceTower, model.sequenceTower)
      XCTAssertEqual(loaded.config, model.config)
      for u in [0, 7, 29] {
        let q = try loaded.foldIn(history: data.sequences[u], weights: nil)
        let stored = Array(model.userEmbeddings.storage[(u * 16)..<((u + 1) * 16)])
        assertAllClose(q, stored, relative: 1e-6, absolute: 1e-6, "user \(u), shared table \(share)")
      }
      XCTAssertThrowsError(try loaded.foldIn(history: [999], weights: nil))
    }
  }

  static func ids(_ prefix: String, _ n: Int) -> IdMap {
    var m = IdMap()
    for j in 0..<n { _ = m.insert("\(prefix)\(j)") }
    return m
  }

  /// Dense table updates (Keras's Adam) keep moving a row after its batch
  /// by its decaying moments; lazy ones (LazyAdam) leave it until it is
  /// in a batch again.
  func testDenseAndLazyTableUpdates() throws {
    let split = LeaveOneOutSplit(SequenceData(sequences: [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]], itemCount: 10))
    for dense in [true, false] {
      var c = Self.config(.softmax)
      c.sequence!.denseTableUpdates = dense
      c.sequence!.dropout = 0
      var trainer = SequenceTrainer(split: split, config: c)
      var rng = SeededGenerator(seed: 1)
      trainer.step = 1
      _ = try trainer.train(trainer.makeBatch([0], rng: &rng), epoch: 1)
      let row = Array(trainer.network.itemTable[16..<32])   // item 1: in the first batch only
      trainer.step = 2
      _ = try trainer.train(trainer.makeBatch([1], rng: &rng), epoch: 1)
      let after = Array(trainer.network.itemTable[16..<32])
      if dense { XCTAssertNotEqual(row, after, "dense: the row keeps moving") } else { XCTAssertEqual(row, after, "lazy: the row waits") }
    }
  }

  func testConfigErrorsNameTheSetting() {
    var c = TwoTowerConfig()
    c.loss = .bce
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--history-encoder attention"), "\($0)") }
    c = .recommendedSequence
    c.sequence!.heads = 3
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--heads"), "\($0)") }
    c = .recommendedSequence
    c.loss = .bce
    c.logQ = .exact
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("sampled softmax"), "\($0)") }
    c = .recommendedSequence
    c.sequence!.dropout = 1
    XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--dropout"), "\($0)") }
    let empty = LeaveOneOutSplit(SequenceData(sequences: [[1], [2]], itemCount: 3))
    XCTAssertThrowsError(try TwoTowerModel.fitSequences(empty, userIds: IdMap(), itemIds: IdMap(), config: .recommendedSequence)) {
      XCTAssertTrue("\($0)".contains("no user has two training items"), "\($0)")
    }
  }
}
