import EASE
import Evaluation
import GramianTestSupport
import IALS
import InteractionData
import Recommenders
import TwoTower
import XCTest

extension TwoTowerModel: PriorReplacing {
  public var withoutPrior: any Recommender { withPriorExponent(0) }
}

/// The shared behavioural suite (``RecommenderConformance``) over every
/// model kind: popularity, iALS (each solver) and two-tower.
final class ConformanceTests: XCTestCase {
  let board = Checkerboard(size: 40)

  func testPopularity() throws {
    let model = PopularityModel(train: board.train, userIds: board.userIds, itemIds: board.itemIds)
    try RecommenderConformance.check(model, board: board, personalised: false, foldsIn: true)
  }

  func testIALS() throws {
    for solver in ALSSolver.allCases {
      var c = IALSConfig()
      c.factors = 3; c.epochs = 15; c.regularization = 0.01; c.threads = 2; c.solver = solver; c.blockSize = 2
      let model = try IALSModel.fit(board.train, userIds: board.userIds, itemIds: board.itemIds, config: c)
      try RecommenderConformance.check(model, board: board, personalised: true, foldsIn: true)
    }
  }

  func testTwoTower() throws {
    var c = TwoTowerConfig()
    c.embeddingDim = 8; c.epochs = 3; c.batchSize = 64; c.threads = 2
    let model = try TwoTowerModel.fit(TwoTowerData(train: board.train), userIds: board.userIds, itemIds: board.itemIds, config: c)
    try RecommenderConformance.check(model, board: board, personalised: false, foldsIn: false)
    // With a prior exponent the bias enters every path, HNSW included.
    try RecommenderConformance.check(model.withPriorExponent(0.7), board: board, personalised: false, foldsIn: false)
  }

  /// EASE: its user vectors are the binary rows, its item vectors columns of B.
  func testEASE() throws {
    let model = try EASEModel.fit(board.train, userIds: board.userIds, itemIds: board.itemIds,
                                  config: EASEConfig(regularization: 1, threads: 2))
    try RecommenderConformance.check(model, board: board, personalised: true, foldsIn: true)
  }

  /// The attention tower, trained on each user's board items in order:
  /// it folds in a history, so the fold-in checks run too.
  func testAttentionTower() throws {
    var c = TwoTowerConfig.recommendedSequence
    c.embeddingDim = 8; c.epochs = 2; c.batchSize = 16; c.threads = 2
    c.sequence!.maxLength = 10; c.sequence!.blocks = 1
    let sequences = (0..<board.size).map { u in board.train.items(ofUser: u).map { $0 } }
    let split = LeaveOneOutSplit(SequenceData(sequences: sequences, itemCount: board.size))
    var model = try TwoTowerModel.fitSequences(split, userIds: board.userIds, itemIds: board.itemIds, config: c).model
    model.training = TrainingSummary(board.train, userIds: board.userIds, itemIds: board.itemIds)
    try RecommenderConformance.check(model, board: board, personalised: false, foldsIn: true)
  }

  /// A model file of each kind is read back as that kind; a file that is
  /// none of them is a clear error naming it.
  func testModelFileLoadsEveryKindAndNamesBadFiles() throws {
    let dir = TemporaryFolder(self)
    let garbage = dir.file("garbage.gramian", "not a model at all")
    XCTAssertThrowsError(try ModelFile.load(garbage)) { error in
      XCTAssertTrue("\(error)".contains("garbage.gramian"), "\(error)")
    }
    XCTAssertThrowsError(try ModelFile.load(dir.path("missing.gramian"))) { error in
      XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
    }
    let popularity = PopularityModel(train: board.train, userIds: board.userIds, itemIds: board.itemIds)
    try popularity.save(to: dir.path("p.gramian"))
    XCTAssertTrue(try ModelFile.load(dir.path("p.gramian")) is PopularityModel)
    // A truncated popularity file: the checksum catches it.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path("p.gramian")))
    let cut = dir.file("cut.gramian", bytes: Array(bytes.prefix(bytes.count - 9)))
    XCTAssertThrowsError(try ModelFile.load(cut)) { XCTAssertTrue("\($0)".contains("cut.gramian"), "\($0)") }
  }
}
