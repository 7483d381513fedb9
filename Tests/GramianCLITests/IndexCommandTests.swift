import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

/// `gramian index build|eval` and `gramian recommend --index/--prior-exponent`
/// through the executable, checked against the exported factors.
final class IndexCommandTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-index-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func testBuildEvalAndRecommendThroughTheIndex() throws {
    let model = dir.appendingPathComponent("m.gramian").path, index = dir.appendingPathComponent("m.hnsw").path
    let fit = try GramianExecutable.run([
      "fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "8", "--epochs", "3",
      "--solver", "cg", "--output", model, "--threads", "1",
    ])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let build = try GramianExecutable.run(["index", "build", "--model", model, "--M", "8", "--ef-construction", "64",
                                           "--output", index, "--check-invariants", "--json", "--threads", "1"])
    XCTAssertEqual(build.status, 0, build.stderr)
    let built = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(build.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(built["m"] as? Int, 8)
    XCTAssertEqual(built["metric"] as? String, "ip")

    let eval = try GramianExecutable.run(["index", "eval", "--model", model, "--index", index, "--ef", "10,200", "--queries", "100", "--json"])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
    let rows = try XCTUnwrap(out["rows"] as? [[String: Any]])
    XCTAssertEqual(rows.map { $0["ef"] as? Int }, [10, 200])
    let recalls = rows.compactMap { $0["recall"] as? Double }
    XCTAssertGreaterThanOrEqual(recalls[1], 0.95, "ef 200 on 9K items")
    XCTAssertGreaterThanOrEqual(recalls[1], recalls[0] - 0.01)

    // (Fit and build on one thread are deterministic, so this recall is a
    // fixed number, not a draw that could fall either side of 0.95.)

    // Approximate and exact lists agree at a large ef, seen items excluded.
    let npy = dir.appendingPathComponent("npy").path
    XCTAssertEqual(try GramianExecutable.run(["export", "--model", model, "--npy", npy]).status, 0)
    let user = try String(contentsOfFile: npy + "/user_ids.txt", encoding: .utf8).split(separator: "\n")[0]
    func items(_ extra: [String]) throws -> [String] {
      let r = try GramianExecutable.run(["recommend", "--model", model, "--user", String(user), "--k", "10",
                                         "--exclude-seen", ratings, "--min-rating", "4", "--binary"] + extra)
      XCTAssertEqual(r.status, 0, r.stderr)
      return r.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[2]) }
    }
    let exact = try items([]), approximate = try items(["--index", index, "--ef", "400"])
    XCTAssertEqual(Set(exact), Set(approximate))
    let seen = try String(contentsOfFile: ratings, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
      .map { $0.split(separator: ",") }.filter { $0[0] == user && Double($0[2])! >= 4 }.map { String($0[1]) }
    XCTAssertTrue(Set(approximate).isDisjoint(with: seen))

    // A strong popularity prior changes the list; beta = 0 does not.
    XCTAssertEqual(try items(["--prior-exponent", "0"]), exact)
    XCTAssertNotEqual(try items(["--prior-exponent", "5"]), exact)

    // The index serves the prior too, built with the same exponent; one
    // built without it is refused, naming how to rebuild it.
    let refused = try GramianExecutable.run(["recommend", "--model", model, "--user", String(user), "--index", index, "--prior-exponent", "5"])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(refused.stderr.contains("--prior-exponent 5"), refused.stderr)
    let priorIndex = dir.appendingPathComponent("prior.hnsw").path
    XCTAssertEqual(try GramianExecutable.run(["index", "build", "--model", model, "--prior-exponent", "5", "--output", priorIndex,
                                              "--threads", "1"]).status, 0)
    // At an ef past the catalogue size the search is exhaustive: exact.
    let exactPrior = try items(["--prior-exponent", "5"])
    XCTAssertEqual(Set(try items(["--prior-exponent", "5", "--index", priorIndex, "--ef", "20000"])), Set(exactPrior),
                   "HNSW with the prior as a coordinate equals exact search with it")
    let approximatePrior = try items(["--prior-exponent", "5", "--index", priorIndex, "--ef", "400"])
    XCTAssertGreaterThanOrEqual(Set(approximatePrior).intersection(exactPrior).count, 8, "recall@10 at ef 400")
  }

  func testTruncatedIndexIsAClearError() throws {
    let path = dir.appendingPathComponent("bad.hnsw").path
    try Data("GRHNSW\0\n".utf8 + [1, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
    let model = dir.appendingPathComponent("m.gramian").path
    XCTAssertEqual(try GramianExecutable.run([
      "fit", "ials", "--train", ratings, "--factors", "4", "--epochs", "1", "--output", model]).status, 0)
    let r = try GramianExecutable.run(["index", "eval", "--model", model, "--index", path])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("bad.hnsw") && r.stderr.contains("truncated"), r.stderr)
  }
}
