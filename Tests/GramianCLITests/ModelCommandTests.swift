import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

/// fit -> save -> evaluate / recommend / score / similar / export, through the
/// executable, checked against the exported factors.
final class ModelCommandTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-model-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func json(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  /// The demo's claim on the bundled data: iALS beats popularity. A small,
  /// fast configuration keeps the debug-build test short.
  func testDemoIALSBeatsPopularity() throws {
    let r = try GramianExecutable.run(["demo", "--factors", "16", "--epochs", "4", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try json(r.stdout)
    let results = try XCTUnwrap(object["results"] as? [String: [String: Double]])
    let pop = try XCTUnwrap(results["popularity"]?["recall@20"])
    let ials = try XCTUnwrap(results["ials"]?["recall@20"])
    XCTAssertGreaterThan(ials, pop * 1.2, "iALS \(ials) vs popularity \(pop)")
    let twoTower = try XCTUnwrap(results["two-tower"]?["recall@20"])
    XCTAssertGreaterThan(twoTower, pop, "two-tower (logQ + Gram) \(twoTower) vs popularity \(pop)")
    // The third job: pairs scored by each model, held-out pairs above random ones.
    let scoring = try XCTUnwrap(object["scoring"] as? [[String: Any]])
    XCTAssertEqual(scoring.map { $0["model"] as? String }, ["ials", "two-tower"])
    for s in scoring { XCTAssertGreaterThan(try XCTUnwrap(s["auc"] as? Double), 0.7) }
    let titles = try XCTUnwrap(object["recommendations"] as? [String])
    XCTAssertEqual(titles.count, 10)
    XCTAssertFalse(titles.contains { $0.hasPrefix("movie ") }, "titles come from movies.csv (CRLF lines): \(titles)")
    XCTAssertTrue(r.stderr.contains("ratings >= 4 as positives"))
  }

  func testFitSaveAndServe() throws {
    let model = dir.appendingPathComponent("m.gramian").path
    let fit = try GramianExecutable.run([
      "fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "8", "--epochs", "3",
      "--solver", "cg", "--split", "random", "--output", model, "--json", "--eval-every", "2",
    ])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let out = try json(fit.stdout)
    let epochs = try XCTUnwrap(out["epochs"] as? [[String: Any]])
    XCTAssertEqual(epochs.count, 3)
    XCTAssertNotNil(epochs[1]["metrics"], "--eval-every 2 evaluates after epoch 2")
    for e in epochs {
      // The half-steps split the epoch's seconds.
      let total = try XCTUnwrap(e["seconds"] as? Double)
      let users = try XCTUnwrap(e["user_seconds"] as? Double), items = try XCTUnwrap(e["item_seconds"] as? Double)
      XCTAssertGreaterThan(users, 0)
      XCTAssertGreaterThan(items, 0)
      XCTAssertEqual(users + items, total, accuracy: 1e-6)
    }
    let losses = epochs.compactMap { $0["loss"] as? Double }
    XCTAssertEqual(losses.count, 3)
    let metrics = try XCTUnwrap(out["metrics"] as? [String: Double])
    XCTAssertEqual(Set(metrics.keys), ["recall@20", "recall@50", "ndcg@20", "ndcg@100"])

    // Export, then check `score` against the dot product of exported rows.
    let npy = dir.appendingPathComponent("npy").path
    XCTAssertEqual(try GramianExecutable.run(["export", "--model", model, "--npy", npy]).status, 0)
    let U = try NPY.read(npy + "/user_factors.npy"), V = try NPY.read(npy + "/item_factors.npy")
    let userIds = try String(contentsOfFile: npy + "/user_ids.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    let itemIds = try String(contentsOfFile: npy + "/item_ids.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    XCTAssertEqual(U.rows, userIds.count)
    XCTAssertEqual(V.rows, itemIds.count)
    XCTAssertEqual(U.columns, 8)

    let pairs = dir.appendingPathComponent("pairs.tsv").path
    try "\(userIds[0])\t\(itemIds[0])\n\(userIds[5])\t\(itemIds[7])\nnobody\t\(itemIds[0])\n".write(toFile: pairs, atomically: true, encoding: .utf8)
    let strict = try GramianExecutable.run(["score", "--model", model, "--pairs", pairs])
    XCTAssertEqual(strict.status, 1)
    XCTAssertTrue(strict.stderr.contains("pairs.tsv: pair 3 (user 'nobody'"), strict.stderr)
    XCTAssertTrue(strict.stderr.contains("user 'nobody' is not in the model"), strict.stderr)
    let scored = try GramianExecutable.run(["score", "--model", model, "--pairs", pairs, "--unknown", "nan"])
    XCTAssertEqual(scored.status, 0, scored.stderr)
    let lines = scored.stdout.split(separator: "\n").map { $0.split(separator: "\t") }
    XCTAssertEqual(lines.count, 3)
    for (line, (u, i)) in zip(lines, [(0, 0), (5, 7)]) {
      var dot = 0.0
      for c in 0..<8 { dot += Double(U[u, c]) * Double(V[i, c]) }
      assertClose(Double(line[2])!, dot, relative: 1e-5, absolute: 1e-6)
    }
    XCTAssertEqual(lines[2][2], "nan")

    // Recommend: 5 items, none seen in training, sorted by score.
    let rec = try GramianExecutable.run(["recommend", "--model", model, "--user", userIds[0], "--k", "5",
                                         "--exclude-seen", ratings, "--min-rating", "4"])
    XCTAssertEqual(rec.status, 0, rec.stderr)
    let recLines = rec.stdout.split(separator: "\n").map { $0.split(separator: "\t") }
    XCTAssertEqual(recLines.count, 5)
    let scores = recLines.map { Double($0[3])! }
    XCTAssertEqual(scores, scores.sorted(by: >))

    let similar = try GramianExecutable.run(["similar", "--model", model, "--item", itemIds[3], "--k", "4", "--json"])
    XCTAssertEqual(similar.status, 0, similar.stderr)
    let sim = try XCTUnwrap(try json(similar.stdout)["similar"] as? [[String: Any]])
    XCTAssertEqual(sim.count, 4)
    XCTAssertFalse(sim.contains { $0["item"] as? String == itemIds[3] }, "the query item is never returned")

    let evaluated = try GramianExecutable.run(["evaluate", "--model", model, "--train", ratings, "--min-rating", "4", "--binary",
                                               "--split", "random", "--json"])
    XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
    XCTAssertNotNil((try json(evaluated.stdout)["metrics"] as? [String: Double])?["recall@20"])
  }

  func testCorruptModelFileIsAClearError() throws {
    let path = dir.appendingPathComponent("bad.gramian").path
    try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
    let r = try GramianExecutable.run(["recommend", "--model", path, "--user", "1"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("bad.gramian"), r.stderr)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
  }
}
