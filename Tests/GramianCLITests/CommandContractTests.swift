import Foundation
import GramianTestSupport
import XCTest

/// The command-line contract, each trap a new user fell into, run through
/// the executable: training on the whole file, evaluation refusing training
/// pairs, --json everywhere with snake_case keys, JSON errors and the exit
/// codes, the binary cache read by every command, pairs read by the
/// library's reader, unknown-id policies, fold-in from the command line.
final class CommandContractTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }

  func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text, file: file, line: line)
  }

  /// Every key of every object, recursively (dictionary keys that are
  /// metric names such as "recall@20" included).
  func keys(_ value: Any) -> [String] {
    if let d = value as? [String: Any] { return d.keys + d.values.flatMap(keys) }
    if let a = value as? [Any] { return a.flatMap(keys) }
    return []
  }

  func assertSnakeCase(_ object: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
    let bad = keys(object).filter { $0.contains(where: \.isUppercase) }
    XCTAssertEqual(bad, [], "camelCase keys in JSON output", file: file, line: line)
  }

  func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
    try GramianExecutable.run(args, file: file, line: line)
  }

  /// Trap: `fit` held out 20% silently and `evaluate` scored a model on its
  /// own training pairs. Now fit uses every pair, the model file says so, and
  /// evaluate refuses the overlap unless told.
  func testFitUsesTheWholeFileAndEvaluateRefusesItsTrainingPairs() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("full.gramian")
    let fit = try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "8", "--epochs", "2",
                       "--output", model, "--json"])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let out = try json(fit.stdout)
    assertSnakeCase(out)
    let data = try XCTUnwrap(out["data"] as? [String: Any])
    // 48,580 ratings >= 4 in ml-latest-small, all distinct pairs: every one is training.
    XCTAssertEqual(data["train_pairs"] as? Int, 48_580)
    XCTAssertNil(data["test_pairs"])
    XCTAssertNil(out["metrics"])
    XCTAssertNotNil(out["train_seconds"])
    XCTAssertTrue(fit.stderr.contains("training on the whole file"), fit.stderr)

    let refused = try run(["evaluate", "--model", model, "--train", ratings, "--min-rating", "4", "--binary", "--split", "random", "--json"])
    XCTAssertEqual(refused.status, 1, refused.stderr)
    XCTAssertTrue(refused.stderr.contains("were training pairs"), refused.stderr)
    XCTAssertTrue(refused.stderr.contains("--allow-train-overlap"), refused.stderr)
    let error = try XCTUnwrap(try json(refused.stdout)["error"] as? [String: Any])
    XCTAssertEqual(error["exit_code"] as? Int, 1)
    XCTAssertEqual(error["kind"] as? String, "failure")

    let allowed = try run(["evaluate", "--model", model, "--train", ratings, "--min-rating", "4", "--binary", "--split", "random",
                           "--allow-train-overlap", "--json"])
    XCTAssertEqual(allowed.status, 0, allowed.stderr)
    XCTAssertEqual(try XCTUnwrap(try json(allowed.stdout)["train_overlap"] as? Double), 1, accuracy: 1e-12)

    // A model fitted on the random split's training part is evaluated on its test part.
    let held = dir.path("held.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "8", "--epochs", "2",
                            "--split", "random", "--output", held]).status, 0)
    let fair = try run(["evaluate", "--model", held, "--train", ratings, "--min-rating", "4", "--binary", "--split", "random", "--json"])
    XCTAssertEqual(fair.status, 0, fair.stderr)
    XCTAssertEqual(try json(fair.stdout)["train_overlap"] as? Double, 0)
  }

  /// Usage errors exit 2, run-time failures exit 1; both are one line on
  /// stderr and, with --json, one JSON object on stdout.
  func testExitCodesAndJSONErrors() throws {
    let usage = try run(["recommend", "--model", "x.gramian", "--user", "1", "--k", "0", "--json"])
    XCTAssertEqual(usage.status, 2)
    XCTAssertEqual(usage.stderr.split(separator: "\n").count, 1, usage.stderr)
    XCTAssertTrue(usage.stderr.contains("--k must be at least 1"), usage.stderr)
    XCTAssertTrue(usage.stderr.contains("gramian recommend --help"), usage.stderr)
    let body = try XCTUnwrap(try json(usage.stdout)["error"] as? [String: Any])
    XCTAssertEqual(body["kind"] as? String, "usage")
    XCTAssertEqual(body["exit_code"] as? Int, 2)

    let unknownFlag = try run(["fit", "ials", "--train", ratings, "--no-such-flag"])
    XCTAssertEqual(unknownFlag.status, 2)
    XCTAssertTrue(unknownFlag.stderr.contains("--no-such-flag"), unknownFlag.stderr)
    XCTAssertEqual(unknownFlag.stdout, "", "no JSON without --json")

    let missing = try run(["similar", "--model", "/nonexistent/m.gramian", "--item", "1", "--json"])
    XCTAssertEqual(missing.status, 1)
    XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
    XCTAssertTrue(missing.stderr.contains("/nonexistent/m.gramian"), missing.stderr)
    XCTAssertEqual(try XCTUnwrap(try json(missing.stdout)["error"] as? [String: Any])["exit_code"] as? Int, 1)
  }

  /// A binary cache from `data convert` is read wherever a text file is.
  func testEveryCommandReadsTheBinaryCache() throws {
    let dir = TemporaryFolder(self)
    let cache = dir.path("ratings.gcache")
    XCTAssertEqual(try run(["data", "convert", ratings, "--min-rating", "4", "--binary", "--to", "cache", "--output", cache]).status, 0)
    let stats = try run(["data", "stats", cache, "--json"])
    XCTAssertEqual(stats.status, 0, stats.stderr)
    XCTAssertEqual(try json(stats.stdout)["interactions"] as? Int, 48_580)
    let fromText = try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "4", "--epochs", "1",
                            "--split", "random", "--json"])
    let fromCache = try run(["fit", "ials", "--train", cache, "--factors", "4", "--epochs", "1", "--split", "random", "--json"])
    XCTAssertEqual(fromCache.status, 0, fromCache.stderr)
    let a = try XCTUnwrap(try json(fromText.stdout)["metrics"] as? [String: Double])
    let b = try XCTUnwrap(try json(fromCache.stdout)["metrics"] as? [String: Double])
    XCTAssertEqual(a, b, "the cache holds the same events as the text file")
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", cache, "--factors", "4", "--epochs", "1", "--output", model]).status, 0)
    let rec = try run(["recommend", "--model", model, "--user", "1", "--exclude-seen", cache, "--k", "3"])
    XCTAssertEqual(rec.status, 0, rec.stderr)
    XCTAssertEqual(rec.stdout.split(separator: "\n").count, 3)
  }

  /// Trap: `score --pairs` took only headerless TAB lines. Now it reads
  /// through the library's reader; unknown ids follow --unknown.
  func testScoreReadsCSVAndHonoursUnknown() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "4", "--epochs", "2",
                            "--output", model]).status, 0)
    let pairs = dir.file("pairs.csv", "userId,movieId\n1,1\n\"1\",50\nnobody,1\n1,nothing\n")
    let strict = try run(["score", "--model", model, "--pairs", pairs])
    XCTAssertEqual(strict.status, 1)
    XCTAssertTrue(strict.stderr.contains("user 'nobody' is not in the model"), strict.stderr)
    let skip = try run(["score", "--model", model, "--pairs", pairs, "--unknown", "skip", "--json"])
    XCTAssertEqual(skip.status, 0, skip.stderr)
    let out = try json(skip.stdout)
    assertSnakeCase(out)
    XCTAssertEqual(out["skipped"] as? Int, 2)
    let scores = try XCTUnwrap(out["scores"] as? [[String: Any]])
    XCTAssertEqual(scores.map { "\($0["user"]!) \($0["item"]!)" }, ["1 1", "1 50"], "in input order, quotes removed")
    XCTAssertNotNil(out["pairs_per_second"])
    let popular = try run(["score", "--model", model, "--pairs", pairs, "--unknown", "popular"])
    XCTAssertEqual(popular.status, 0, popular.stderr)
    let lines = popular.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
    XCTAssertEqual(lines.count, 4)
    XCTAssertNotNil(Float(lines[2][2]), "an unknown user is scored as the average user")
    XCTAssertEqual(lines[3][2], "nan", "an unknown item has no score")
  }

  /// Trap: one unknown id aborted `recommend --users-file`. And new users
  /// fold in from `--history`.
  func testRecommendUnknownUsersAndHistories() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--binary", "--factors", "8", "--epochs", "3",
                            "--output", model]).status, 0)
    let users = dir.file("users.txt", "1\nghost\n2\n")
    let strict = try run(["recommend", "--model", model, "--users-file", users])
    XCTAssertEqual(strict.status, 1)
    XCTAssertTrue(strict.stderr.contains("users.txt:2: user 'ghost'"), strict.stderr)
    let skip = try run(["recommend", "--model", model, "--users-file", users, "--unknown", "skip", "--k", "3", "--json"])
    XCTAssertEqual(skip.status, 0, skip.stderr)
    let skipped = try json(skip.stdout)
    assertSnakeCase(skipped)
    XCTAssertEqual(skipped["skipped_users"] as? Int, 1)
    XCTAssertEqual((skipped["lists"] as? [[String: Any]])?.map { $0["user"] as? String }, ["1", "2"])
    let popular = try run(["recommend", "--model", model, "--users-file", users, "--unknown", "popular", "--k", "3", "--json"])
    let lists = try XCTUnwrap(try json(popular.stdout)["lists"] as? [[String: Any]])
    XCTAssertEqual(lists.map { $0["user"] as? String }, ["1", "ghost", "2"], "input order kept")
    XCTAssertEqual(lists.map { $0["source"] as? String }, ["model", "popular", "model"])

    // A new user with user 1's items: folded in, those items never returned.
    let rows: [[Substring]] = try String(contentsOfFile: ratings, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
      .map { $0.split(separator: ",") }
    let user1: [String] = rows.filter { row in row[0] == "1" && Double(row[2])! >= 4 }.map { row in String(row[1]) }
    let history = dir.file("history.txt", "newcomer " + user1.prefix(20).joined(separator: " ") + " not-an-item\n")
    let strictHistory = try run(["recommend", "--model", model, "--history", history])
    XCTAssertEqual(strictHistory.status, 1)
    XCTAssertTrue(strictHistory.stderr.contains("history.txt:1:22: error: item 'not-an-item'"), strictHistory.stderr)
    let folded = try run(["recommend", "--model", model, "--history", history, "--unknown", "skip", "--k", "10", "--json"])
    XCTAssertEqual(folded.status, 0, folded.stderr)
    let list = try XCTUnwrap((try json(folded.stdout)["lists"] as? [[String: Any]])?.first)
    XCTAssertEqual(list["user"] as? String, "newcomer")
    XCTAssertEqual(list["source"] as? String, "history")
    let items = try XCTUnwrap(list["items"] as? [[String: Any]]).compactMap { $0["item"] as? String }
    XCTAssertEqual(items.count, 10)
    XCTAssertTrue(Set(items).isDisjoint(with: user1.prefix(20)))
  }

  /// `export` and `report` print one JSON object with --json; `report`
  /// takes the common options.
  func testExportAndReportPrintJSON() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--factors", "4", "--epochs", "1", "--output", model]).status, 0)
    let export = try run(["export", "--model", model, "--npy", dir.path("npy"), "--json"])
    XCTAssertEqual(export.status, 0, export.stderr)
    let out = try json(export.stdout)
    XCTAssertEqual(out["dimension"] as? Int, 4)
    XCTAssertEqual((out["files"] as? [String])?.count, 4)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("npy.partial-\(0)")))
    let results = SharedDatasets.packageRoot.appendingPathComponent("Benchmarks/compare/ml-latest-small/results.json").path
    let report = try run(["report", results, "--output", dir.path("report"), "--json", "--threads", "1", "--seed", "1"])
    XCTAssertEqual(report.status, 0, report.stderr)
    XCTAssertTrue((try json(report.stdout)["files"] as? [String])?.contains("report.md") ?? false, report.stdout)
  }
}
