import Foundation
import GramianTestSupport
import XCTest

/// `fit two-tower --history-encoder attention` through the executable:
/// a lists file in, leave-one-out metrics and per-epoch throughput out,
/// the saved model folding in new histories with `recommend --history`.
final class SequenceCommandTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-seq-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func json(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// Users walking a cycle of 60 items ("i0" -> "i1" -> ... -> "i59" -> "i0").
  func writeCycles(users: Int = 240) throws -> String {
    var text = "", state: UInt64 = 12345
    for u in 0..<users {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let start = Int(state >> 33) % 60, n = 5 + Int(state >> 40) % 6
      text += "u\(u) " + (0..<n).map { "i\((start + $0) % 60)" }.joined(separator: " ") + "\n"
    }
    let path = dir.appendingPathComponent("cycles.txt").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func testFitAttentionTowerAndFoldInHistories() throws {
    let lists = try writeCycles()
    let model = dir.appendingPathComponent("seq.gramian").path
    let fit = try GramianExecutable.run([
      "fit", "two-tower", "--train", lists, "--format", "lists", "--history-encoder", "attention", "--dim", "16",
      "--max-len", "8", "--blocks", "1", "--heads", "2", "--dropout", "0.1", "--loss", "softmax", "--epochs", "15",
      "--batch-size", "32", "--lr", "0.01", "--eval-every", "5", "--output", model, "--json", "--threads", "2",
    ])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    XCTAssertFalse(fit.stderr.contains("no test set"), "leave-one-out makes the test set: \(fit.stderr)")
    let out = try json(fit.stdout)
    XCTAssertEqual(out["history_encoder"] as? String, "attention")
    XCTAssertEqual(out["protocol"] as? String, "leave-one-out")
    XCTAssertEqual(out["evaluated_users"] as? Int, 240)
    let epochs = try XCTUnwrap(out["epochs"] as? [[String: Any]])
    XCTAssertEqual(epochs.count, 15)
    for e in epochs {
      XCTAssertGreaterThan(try XCTUnwrap(e["sequences_per_second"] as? Double), 0)
      XCTAssertGreaterThan(try XCTUnwrap(e["positions_per_second"] as? Double), try XCTUnwrap(e["sequences_per_second"] as? Double))
      XCTAssertNotNil(e["loss"] as? Double)
      XCTAssertEqual(e["metrics"] != nil, (e["epoch"] as? Int ?? 0) % 5 == 0, "validation every 5 epochs")
    }
    let metrics = try XCTUnwrap(out["metrics"] as? [String: Double])
    XCTAssertEqual(Set(metrics.keys), ["hr@10", "ndcg@10", "hr@20", "ndcg@20"])
    XCTAssertGreaterThan(try XCTUnwrap(metrics["hr@10"]), 0.6, "the cycle is learnable (chance: 10/60)")

    // A new user's history, oldest first: the next item of the cycle comes first.
    let histories = dir.appendingPathComponent("new.txt").path
    try "new1 i10 i11 i12 i13\nnew2 i40 i41\n".write(toFile: histories, atomically: true, encoding: .utf8)
    let rec = try GramianExecutable.run(["recommend", "--model", model, "--history", histories, "--k", "3"])
    XCTAssertEqual(rec.status, 0, rec.stderr)
    let firsts = rec.stdout.split(separator: "\n").map { $0.split(separator: "\t") }.filter { $0.count >= 3 && $0[1] == "1" }
    XCTAssertEqual(firsts.map { String($0[2]) }, ["i14", "i42"], rec.stdout)
  }

  func testAttentionFlagErrors() throws {
    let lists = try writeCycles(users: 10)
    let split = try GramianExecutable.run(["fit", "two-tower", "--train", lists, "--format", "lists", "--history-encoder", "attention",
                                          "--split", "random"])
    XCTAssertNotEqual(split.status, 0)
    XCTAssertTrue(split.stderr.contains("leave-one-out"), split.stderr)
    let heads = try GramianExecutable.run(["fit", "two-tower", "--train", lists, "--format", "lists", "--history-encoder", "attention",
                                          "--dim", "16", "--heads", "3"])
    XCTAssertNotEqual(heads.status, 0)
    XCTAssertTrue(heads.stderr.contains("--heads"), heads.stderr)
    let bce = try GramianExecutable.run(["fit", "two-tower", "--train", lists, "--format", "lists", "--loss", "bce"])
    XCTAssertNotEqual(bce.status, 0)
    XCTAssertTrue(bce.stderr.contains("--history-encoder attention"), bce.stderr)
  }
}
