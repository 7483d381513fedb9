import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import GramianTestSupport
import XCTest

/// `gramian compare --quick` and `gramian tune` through the executable, on
/// the bundled ml-latest-small (ratings of 5 as positives), cross-checked
/// against `gramian evaluate` on the same split.
final class CompareCommandTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }
  var dir: URL!
  let data = ["--min-rating", "5", "--binary"]

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-compare-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  func json(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  func testQuickComparisonWritesTheReport() throws {
    let report = dir.appendingPathComponent("report").path
    let r = try GramianExecutable.run(["compare", "--train", ratings] + data + [
      "--quick", "--dim", "8", "--batch-size", "512", "--name", "ml-latest-small", "--output", report, "--json",
      "--threads", "2",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let out = try json(r.stdout)
    let result = try XCTUnwrap(out["result"] as? [String: Any])
    let methods = try XCTUnwrap(result["methods"] as? [[String: Any]])
    XCTAssertEqual(methods.map { $0["method"] as? String }, [
      "popularity", "ials", "ials-dims", "ease", "softmax", "logq-exact", "logq-streaming", "logq-corrected", "prior", "gram", "logq-gram",
      "mse-gram", "mixed", "two-tower-dims",
    ])
    for m in methods {
      let test = try XCTUnwrap(m["test"] as? [String: Double])
      for key in ["recall@20", "recall@50", "ndcg@20", "ndcg@100", "coverage@20", "mean_log_popularity@20"] {
        XCTAssertNotNil(test[key], "\(m["method"]!) lacks \(key)")
      }
      XCTAssertEqual((m["popularity_buckets"] as? [Any])?.count, 10)
    }
    // Popularity through `gramian evaluate` on the same (default, seed 1) split.
    let pop = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random"] + data + ["--model", "popularity", "--json"])
    XCTAssertEqual(pop.status, 0, pop.stderr)
    let popMetrics = try XCTUnwrap(try json(pop.stdout)["metrics"] as? [String: Double])
    let popTest = try XCTUnwrap(methods[0]["test"] as? [String: Double])
    XCTAssertEqual(try XCTUnwrap(popTest["recall@20"]), try XCTUnwrap(popMetrics["recall@20"]), accuracy: 1e-12)

    // The folder: report.md with the table and the command, results.json equal to what --json printed.
    let md = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
    XCTAssertTrue(md.contains("# Comparison on ml-latest-small"))
    XCTAssertTrue(md.contains("| softmax + logQ (exact) | tau="), md)
    XCTAssertTrue(md.contains("gramian compare --train"), md)
    let saved = try json(String(contentsOfFile: report + "/results.json", encoding: .utf8))
    XCTAssertEqual((saved["methods"] as? [[String: Any]])?.count, 14)
    // The four charts: well-formed SVG documents, linked from the report.
    for chart in ["prior-beta.svg", "gram-weight.svg", "learning-curves.svg", "popularity-deciles.svg"] {
      let data = try Data(contentsOf: URL(fileURLWithPath: report + "/" + chart))
      let parser = XMLParser(data: data)
      XCTAssertTrue(parser.parse(), "\(chart): \(String(describing: parser.parserError))")
      XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("<svg"), chart)
      XCTAssertTrue(md.contains("](\(chart))"), chart)
    }
    // `gramian report` re-renders the same report.md from results.json.
    let again = dir.appendingPathComponent("again").path
    let rerender = try GramianExecutable.run(["report", report + "/results.json", "--output", again])
    XCTAssertEqual(rerender.status, 0, rerender.stderr)
    XCTAssertEqual(try String(contentsOfFile: again + "/report.md", encoding: .utf8), md)
  }

  /// Several seeds: each re-draws the split (the popularity test numbers
  /// match `gramian evaluate` on that seed's split), the summary is the
  /// mean over seeds, and the report states the paired intervals.
  func testSeedsRedrawTheSplitAndTheReportGivesMeansAndIntervals() throws {
    let report = dir.appendingPathComponent("seeds").path
    let r = try GramianExecutable.run(["compare", "--train", ratings] + data + [
      "--quick", "--methods", "popularity,ials,ease", "--seeds", "3,4", "--dim", "8", "--output", report, "--json",
      "--threads", "2", "--bootstrap", "300",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let result = try XCTUnwrap(try json(r.stdout)["result"] as? [String: Any])
    XCTAssertEqual(result["seeds"] as? [Int], [3, 4])
    let summary = try XCTUnwrap(result["summary"] as? [[String: Any]])
    let pop = try XCTUnwrap(summary.first { $0["method"] as? String == "popularity" })
    let values = try XCTUnwrap((pop["values"] as? [String: [Double]])?["recall@20"])
    XCTAssertEqual(values.count, 2)
    for (seed, value) in zip([3, 4], values) {
      let e = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random", "--seed", "\(seed)"] + data
                                        + ["--model", "popularity", "--json"])
      XCTAssertEqual(e.status, 0, e.stderr)
      let m = try XCTUnwrap(try json(e.stdout)["metrics"] as? [String: Double])
      XCTAssertEqual(value, try XCTUnwrap(m["recall@20"]), accuracy: 1e-12, "seed \(seed)")
    }
    XCTAssertNotEqual(values[0], values[1], "the seeds did not re-draw the split")
    let mean = try XCTUnwrap((pop["mean"] as? [String: Double])?["recall@20"])
    XCTAssertEqual(mean, (values[0] + values[1]) / 2, accuracy: 1e-12)
    let differences = try XCTUnwrap(result["differences"] as? [[String: Any]])
    XCTAssertEqual(Set(differences.compactMap { $0["question"] as? String }), ["EASE vs iALS"])
    let md = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
    XCTAssertTrue(md.contains("## Results over 2 seeds"), md)
    XCTAssertTrue(md.contains("| EASE vs iALS | recall@20 |"), md)
  }

  func testTuneChoosesTheValidationBestAndSavesTheRefit() throws {
    let model = dir.appendingPathComponent("ials.gramian").path
    let r = try GramianExecutable.run(["tune", "--method", "ials", "--train", ratings] + data + [
      "--dim", "8", "--ials-epochs", "3", "--alpha0s", "0.01,0.3", "--lambdas", "0.01", "--grid-widenings", "0",
      "--output", model, "--json",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let out = try json(r.stdout)
    let trials = try XCTUnwrap(out["trials"] as? [[String: Any]])
    XCTAssertEqual(trials.count, 2)
    let values = trials.map { ($0["metrics"] as? [String: Double])?["recall@20"] ?? -1 }
    let chosen = try XCTUnwrap(out["chosen"] as? [String: Any])
    XCTAssertEqual(trials[values[0] >= values[1] ? 0 : 1]["setting"] as? NSDictionary, chosen as NSDictionary)
    // The saved refit reproduces the reported test metric.
    let eval = try GramianExecutable.run(["evaluate", "--train", ratings, "--split", "random"] + data + ["--model", model, "--json"])
    XCTAssertEqual(eval.status, 0, eval.stderr)
    let m = try XCTUnwrap(try json(eval.stdout)["metrics"] as? [String: Double])
    let test = try XCTUnwrap(out["test"] as? [String: Double])
    XCTAssertEqual(try XCTUnwrap(m["recall@20"]), try XCTUnwrap(test["recall@20"]), accuracy: 1e-9)
  }

  /// A malformed entry in a comma list is an error, never silently dropped.
  func testMalformedListEntriesAreErrors() throws {
    for args in [["evaluate", "--train", ratings, "--model", "popularity", "--k", "20,x"],
                 ["compare", "--train", ratings, "--quick", "--temperatures", "0.5,,1"]] {
      let r = try GramianExecutable.run(args)
      XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
      XCTAssertTrue(r.stderr.contains("expects"), r.stderr)
    }
  }

  func testUnknownMethodIsAClearError() throws {
    let r = try GramianExecutable.run(["compare", "--train", ratings, "--methods", "ials,bpr", "--quick"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("unknown method 'bpr'"), r.stderr)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
  }

  /// `--protocol leave-one-out` on a lists file: every sequence method runs,
  /// the report is written, and the popularity row equals leave-one-out
  /// popularity computed here from the file (training + validation counts,
  /// history excluded, ties counted in expectation).
  func testLeaveOneOutComparisonOnSequences() throws {
    var state: UInt64 = 11
    func next() -> UInt64 {  // a fixed LCG: the same file every run
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return state >> 33
    }
    var lines: [String] = []
    var seqs: [[Int]] = []
    for u in 0..<80 {
      let start = Int(next() % 40), n = 3 + Int(next() % 6)
      let s = (0..<n).map { (start + $0 * (1 + u % 2)) % 40 }
      seqs.append(s)
      lines.append("u\(u) " + s.map { "i\($0)" }.joined(separator: " "))
    }
    let file = dir.appendingPathComponent("seq.txt")
    try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    let report = dir.appendingPathComponent("loo").path
    let r = try GramianExecutable.run([
      "compare", "--protocol", "leave-one-out", "--train", file.path, "--format", "lists", "--quick", "--dim", "8",
      "--max-len", "8", "--blocks", "1", "--batch-size", "16", "--output", report, "--json", "--threads", "2",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let result = try XCTUnwrap(try json(r.stdout)["result"] as? [String: Any])
    let methods = try XCTUnwrap(result["methods"] as? [[String: Any]])
    XCTAssertEqual(methods.compactMap { $0["method"] as? String }, [
      "popularity", "ials", "attention-softmax", "attention-logq", "attention-prior", "attention-gram", "attention-logq-gram",
      "attention-full", "attention-bce",
    ])
    // Popularity by hand, over the external ids of the file.
    var counts: [Int: Int] = [:]
    for s in seqs { for i in s.dropLast() { counts[i, default: 0] += 1 } }
    // Equal counts tie: the target is equally likely at each tied position.
    var hits = 0.0
    for s in seqs {
      let target = s.last!, seen = Set(s.dropLast())
      let candidates = Set(seqs.joined()).filter { $0 != target && !seen.contains($0) }
      let above = candidates.filter { counts[$0, default: 0] > counts[target, default: 0] }.count
      let tied = candidates.filter { counts[$0, default: 0] == counts[target, default: 0] }.count
      hits += Double((above...(above + tied)).filter { $0 < 10 }.count) / Double(tied + 1)
    }
    let test = try XCTUnwrap(methods[0]["test"] as? [String: Double])
    XCTAssertEqual(test["hr@10"]!, hits / Double(seqs.count), accuracy: 1e-12)
    let md = try String(contentsOfFile: report + "/report.md", encoding: .utf8)
    XCTAssertTrue(md.contains("# Leave-one-out comparison on seq"), md)
    XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/results.json"))

    // A test file contradicts the protocol: a clear error naming the fix.
    let bad = try GramianExecutable.run(["compare", "--protocol", "leave-one-out", "--train", file.path, "--format", "lists",
                                         "--test", file.path, "--quick", "--output", report])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("drop --test"), bad.stderr)
  }
}
