import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

/// `fit two-tower` -> save -> evaluate (with --prior-exponent) / recommend /
/// score / export through the executable, and its input errors.
final class TwoTowerCommandTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-tt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func json(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  func testFitTwoTowerSaveAndServe() throws {
    let features = dir.appendingPathComponent("items.tsv").path
    try "1\tgenre=Adventure|Animation\n2\tgenre=Adventure\n".write(toFile: features, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("tt.gramian").path
    let fit = try GramianExecutable.run([
      "fit", "two-tower", "--train", ratings, "--split", "random", "--min-rating", "5", "--binary", "--dim", "8", "--layers", "16,8",
      "--item-features", features, "--history", "5", "--epochs", "2", "--batch-size", "512", "--logq", "exact",
      "--gram-weight", "0.1", "--gram-estimator", "sogram", "--negatives", "mixed:32", "--remove-accidental-hits",
      "--optimizer", "adam", "--lr", "0.005", "--eval-every", "1", "--output", model, "--json", "--threads", "2",
    ])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let out = try json(fit.stdout)
    XCTAssertEqual(out["model"] as? String, "two-tower")
    let epochs = try XCTUnwrap(out["epochs"] as? [[String: Any]])
    XCTAssertEqual(epochs.count, 2)
    for e in epochs {
      XCTAssertNotNil(e["metrics"], "--eval-every 1")
      XCTAssertGreaterThan(try XCTUnwrap(e["examples_per_second"] as? Double), 0)
      // CPU seconds of the epoch: positive and at most three threads' worth of
      // its wall time (2 workers and the batch assembler; plus the clocks' granularity).
      let cpu = try XCTUnwrap(e["cpu_seconds"] as? Double), wall = try XCTUnwrap(e["seconds"] as? Double)
      XCTAssertGreaterThan(cpu, 0)
      XCTAssertLessThanOrEqual(cpu, 3 * wall + 0.05)
      XCTAssertEqual(Set((e["terms"] as? [String: Double] ?? [:]).keys), ["softmax", "gram"])
    }
    let metrics = try XCTUnwrap(out["metrics"] as? [String: Double])
    XCTAssertEqual(Set(metrics.keys), ["recall@20", "recall@50", "ndcg@20", "ndcg@100"])

    // evaluate --model reproduces fit's metrics; the prior exponent changes them.
    let eval0 = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random", "--min-rating", "5", "--binary", "--model", model, "--json"])
    XCTAssertEqual(eval0.status, 0, eval0.stderr)
    let m0 = try XCTUnwrap(try json(eval0.stdout)["metrics"] as? [String: Double])
    XCTAssertEqual(try XCTUnwrap(m0["recall@20"]), try XCTUnwrap(metrics["recall@20"]), accuracy: 1e-9)
    let eval1 = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random", "--min-rating", "5", "--binary", "--model", model,
                                           "--prior-exponent", "1", "--json"])
    XCTAssertEqual(eval1.status, 0, eval1.stderr)
    XCTAssertEqual(try json(eval1.stdout)["model"] as? String, "two-tower")
    XCTAssertNotEqual(try XCTUnwrap(try json(eval1.stdout)["metrics"] as? [String: Double])["ndcg@100"], m0["ndcg@100"])

    // export + score: the score is the dot product of the exported rows.
    let npy = dir.appendingPathComponent("npy").path
    XCTAssertEqual(try GramianExecutable.run(["export", "--model", model, "--npy", npy]).status, 0)
    let U = try NPY.read(npy + "/user_factors.npy"), V = try NPY.read(npy + "/item_factors.npy")
    let userIds = try String(contentsOfFile: npy + "/user_ids.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    let itemIds = try String(contentsOfFile: npy + "/item_ids.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    XCTAssertEqual(U.columns, 8)
    let pairs = dir.appendingPathComponent("pairs.tsv").path
    try "\(userIds[3])\t\(itemIds[7])\n".write(toFile: pairs, atomically: true, encoding: .utf8)
    let score = try GramianExecutable.run(["score", "--model", model, "--pairs", pairs])
    XCTAssertEqual(score.status, 0, score.stderr)
    let s = try XCTUnwrap(Double(score.stdout.split(separator: "\t").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
    let dot = (0..<8).reduce(0.0) { $0 + Double(U[3, $1]) * Double(V[7, $1]) }
    XCTAssertEqual(s, dot, accuracy: 1e-4)

    let rec = try GramianExecutable.run(["recommend", "--model", model, "--user", userIds[0], "--k", "5"])
    XCTAssertEqual(rec.status, 0, rec.stderr)
    XCTAssertEqual(rec.stdout.split(separator: "\n").count, 5)
  }

  /// `--trace`: the written initial tables and first batch give the first
  /// step's loss by hand; the step losses average to the epoch losses; a
  /// directory that is not a trace is refused and left alone.
  func testTraceRecordsParametersBatchesAndLosses() throws {
    let trace = dir.appendingPathComponent("trace").path
    let fit = try GramianExecutable.run([
      "fit", "two-tower", "--train", ratings, "--min-rating", "5", "--binary", "--dim", "8", "--epochs", "2",
      "--batch-size", "256", "--temperature", "0.5", "--logq", "none", "--gram-weight", "0", "--trace", trace, "--json", "--threads", "2",
    ])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let manifest = try json(String(contentsOfFile: trace + "/trace.json", encoding: .utf8))
    let losses = try XCTUnwrap(manifest["step_losses"] as? [Double])
    let epochsOfSteps = try XCTUnwrap(manifest["step_epochs"] as? [Int])
    XCTAssertEqual(Set(try XCTUnwrap(manifest["step_rows"] as? [Int])), [256])
    let epochs = try XCTUnwrap(try json(fit.stdout)["epochs"] as? [[String: Any]])
    for (e, line) in epochs.enumerated() {
      let mine = zip(losses, epochsOfSteps).filter { $0.1 == e + 1 }.map(\.0)
      assertClose(mine.reduce(0, +) / Double(256 * mine.count), try XCTUnwrap(line["loss"] as? Double), relative: 1e-9)
    }
    // Step 1 by hand: sum over the batch of -log softmax_j(<u_i, v_j> / tau) at j = i.
    let users = try Self.readInt32(trace + "/users.npy"), items = try Self.readInt32(trace + "/items.npy")
    XCTAssertEqual(users.count, 256 * losses.count)
    let u = try NPY.read(trace + "/user_id.npy"), v = try NPY.read(trace + "/item_id.npy")
    XCTAssertEqual(u.columns, 8)
    var loss = 0.0
    for i in 0..<256 {
      let logits = (0..<256).map { j in
        (0..<8).reduce(0.0) { $0 + Double(u[Int(users[i]), $1]) * Double(v[Int(items[j]), $1]) } / 0.5
      }
      let m = logits.max()!
      loss += m + log(logits.reduce(0.0) { $0 + exp($1 - m) }) - logits[i]
    }
    assertClose(losses[0], loss, relative: 1e-5)

    let notATrace = dir.appendingPathComponent("results").path
    try FileManager.default.createDirectory(atPath: notATrace, withIntermediateDirectories: true)
    try "keep".write(toFile: notATrace + "/notes.txt", atomically: true, encoding: .utf8)
    let refused = try GramianExecutable.run(["fit", "two-tower", "--train", ratings, "--min-rating", "5", "--binary",
                                             "--dim", "8", "--epochs", "1", "--trace", notATrace])
    XCTAssertNotEqual(refused.status, 0)
    XCTAssertTrue(refused.stderr.contains("not a trace directory"), refused.stderr)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: notATrace), ["notes.txt"])
  }

  /// The values of an int32 `.npy` file as written by ``NPY/encode(int32:rows:columns:)``.
  static func readInt32(_ path: String) throws -> [Int32] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLen = Int(data[8]) | Int(data[9]) << 8
    XCTAssertTrue(String(decoding: data[10..<(10 + headerLen)], as: UTF8.self).contains("'<i4'"))
    return data.dropFirst(10 + headerLen).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
  }

  func testBadFeatureFileIsOneLineNamingTheLine() throws {
    let features = dir.appendingPathComponent("bad.tsv").path
    try "1\tgenre=A\n2\tgenreB\n".write(toFile: features, atomically: true, encoding: .utf8)
    let r = try GramianExecutable.run(["fit", "two-tower", "--train", ratings, "--item-features", features, "--epochs", "1"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("bad.tsv:2:2: error: expected field=value"), r.stderr)
  }

  /// The serving-time prior applies to every model kind that records its
  /// training counts: an iALS model evaluated with it ranks differently.
  func testPriorExponentAppliesToIALSModels() throws {
    let model = dir.appendingPathComponent("ials.gramian").path
    XCTAssertEqual(try GramianExecutable.run(["fit", "ials", "--train", ratings, "--factors", "4", "--epochs", "1",
                                              "--split", "random", "--output", model]).status, 0)
    let plain = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random", "--model", model, "--json"])
    let prior = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random", "--model", model,
                                           "--prior-exponent", "0.5", "--json"])
    XCTAssertEqual(plain.status, 0, plain.stderr)
    XCTAssertEqual(prior.status, 0, prior.stderr)
    let a = try XCTUnwrap(try json(plain.stdout)["metrics"] as? [String: Double])
    let b = try XCTUnwrap(try json(prior.stdout)["metrics"] as? [String: Double])
    XCTAssertNotEqual(a["ndcg@100"], b["ndcg@100"])
    XCTAssertGreaterThan(try XCTUnwrap(b["mean_log_popularity@20"]), try XCTUnwrap(a["mean_log_popularity@20"]),
                         "beta > 0 recommends more popular items")
  }
}
