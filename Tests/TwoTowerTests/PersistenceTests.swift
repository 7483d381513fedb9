import Evaluation
import Foundation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import TwoTower

final class PersistenceTests: XCTestCase {
  func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twotower-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.appendingPathComponent(name).path
  }

  func makeModel() -> TwoTowerModel {
    TwoTowerModel(config: TwoTowerConfig(), userEmbeddings: Matrix(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5, 6]),
                  itemEmbeddings: Matrix(rows: 3, columns: 3, storage: [1, 0, 0, 0, 1, 0, 0, 0, 1]),
                  itemLogPrior: TwoTowerModel.logPrior(counts: [1, 3, 0]), priorExponent: 0.5,
                  userIds: IdMap(names: ["a", "b"]), itemIds: IdMap(names: ["x", "y", "z"]))
  }

  func testSaveLoadRoundTrip() throws {
    let m = makeModel()
    let path = tempPath("m.bin")
    try m.save(to: path)
    XCTAssertTrue(TwoTowerModel.isModelFile(path))
    let l = try TwoTowerModel.load(from: path)
    XCTAssertEqual(l.userEmbeddings, m.userEmbeddings)
    XCTAssertEqual(l.itemEmbeddings, m.itemEmbeddings)
    XCTAssertEqual(l.itemLogPrior, m.itemLogPrior)
    XCTAssertEqual(l.priorExponent, 0.5)
    XCTAssertEqual(l.userIds, m.userIds)
    XCTAssertEqual(l.config, m.config)
  }

  func testCorruptionIsAClearError() throws {
    let path = tempPath("m.bin")
    try makeModel().save(to: path)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    bytes[40] ^= 1
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try TwoTowerModel.load(from: path)) { XCTAssertTrue("\($0)".contains("checksum mismatch"), "\($0)") }
    try Data(bytes.prefix(30)).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try TwoTowerModel.load(from: path))
    try Data("GRMNIALS....".utf8).write(to: URL(fileURLWithPath: path))
    XCTAssertFalse(TwoTowerModel.isModelFile(path))
    XCTAssertThrowsError(try TwoTowerModel.load(from: path)) { XCTAssertTrue("\($0)".contains("not a Gramian two-tower model")) }
  }

  /// score = <u, v> + beta log P(d), in scoreBlock and score(user:item:).
  func testPopularityPriorInScores() {
    let m = makeModel()
    let n = 4.0
    var out = [Float](repeating: 0, count: 3)
    m.scoreBlock(users: [1], into: &out)
    let expected = [4 + 0.5 * log(1 / n), 5 + 0.5 * log(3 / n), 6 + 0.5 * log(0.5 / n)]
    assertAllClose(out, expected, relative: 1e-6)
    XCTAssertEqual(m.score(user: 1, item: 2), out[2], accuracy: 1e-6)
    m.withPriorExponent(0).scoreBlock(users: [1], into: &out)
    XCTAssertEqual(out, [4, 5, 6])
  }

  func testExportWritesFactorsAndIds() throws {
    let dir = tempPath("export")
    try makeModel().export(toDirectory: dir)
    XCTAssertEqual(try NPY.read(dir + "/item_factors.npy"), makeModel().itemEmbeddings)
    XCTAssertEqual(try String(contentsOfFile: dir + "/user_ids.txt", encoding: .utf8), "a\nb\n")
  }
}
