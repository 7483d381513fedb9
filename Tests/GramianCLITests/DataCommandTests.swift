import Foundation
import GramianTestSupport
@testable import GramianCLI
import XCTest

/// The `gramian data` subcommands, run as a user runs them.
final class DataCommandTests: XCTestCase {
  var bundledRatings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }

  func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return path
  }

  /// Counts published in ml-latest-small's README: 100,836 ratings, 610
  /// users, 9,724 movies.
  func testStatsJSONOnBundledMovieLens() throws {
    let r = try GramianExecutable.run(["data", "stats", bundledRatings, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["interactions"] as? Int, 100_836)
    XCTAssertEqual(object["users"] as? Int, 610)
    XCTAssertEqual(object["items"] as? Int, 9_724)
    XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "--json prints exactly one line on stdout")
    XCTAssertTrue(r.stderr.contains("header detected"))
  }

  func testMissingFileIsOneLineErrorNamingTheFile() throws {
    let r = try GramianExecutable.run(["data", "stats", "/no/such/ratings.csv"])
    XCTAssertEqual(r.status, 1)
    let lines = r.stderr.split(separator: "\n")
    XCTAssertEqual(lines.count, 1, r.stderr)
    XCTAssertTrue(r.stderr.hasPrefix("gramian: /no/such/ratings.csv: error:"), r.stderr)
  }

  /// ml-latest-small's movies.csv (9,742 movies, 34 without genres per
  /// its README's "(no genres listed)" rows) to a feature file the two-tower
  /// reader takes; a bad line is one error naming file and line, no output left.
  func testFeaturesFromBundledMoviesCSV() throws {
    let movies = SharedDatasets.bundledMovieLensSmall.appendingPathComponent("movies.csv").path
    let out = try temporaryFile("placeholder", "")
    let features = (out as NSString).deletingLastPathComponent + "/items.tsv"
    let r = try GramianExecutable.run(["data", "features", "--from", "movies-csv", movies, "--output", features, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["records"] as? Int, 9_742)
    let fields = try XCTUnwrap(object["fields"] as? [String: Int])
    XCTAssertEqual(fields["genre"], 9_742 - 34)
    let text = try String(contentsOfFile: features, encoding: .utf8)
    XCTAssertTrue(text.hasPrefix("1\tgenre=Adventure|Animation|Children|Comedy|Fantasy\tdecade=1990s\n"), String(text.prefix(80)))

    let bad = try temporaryFile("u.user", "1|24|M|technician|85711\n2|twenty|F|other|94043\n")
    let target = (bad as NSString).deletingLastPathComponent + "/users.tsv"
    let e = try GramianExecutable.run(["data", "features", "--from", "ml100k-users", bad, "--output", target])
    XCTAssertEqual(e.status, 1)
    XCTAssertEqual(e.stderr.split(separator: "\n").count, 1, e.stderr)
    XCTAssertTrue(e.stderr.contains("\(bad):2:2: error:"), e.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: target))
  }

  /// A non-numeric weight on line 3, field 3: the error names both and
  /// suggests --skip-bad-lines; with the flag the line is skipped and counted.
  func testBadWeightNamesLineAndColumnAndCanBeSkipped() throws {
    let path = try temporaryFile("bad.tsv", "u1\ti1\t1\nu1\ti2\t2\nu2\ti1\tabc\nu2\ti3\t1\n")
    let r = try GramianExecutable.run(["data", "stats", path])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("bad.tsv:3:3: error:"), r.stderr)
    XCTAssertTrue(r.stderr.contains("--skip-bad-lines"), r.stderr)
    let skipped = try GramianExecutable.run(["data", "stats", path, "--skip-bad-lines", "--json"])
    XCTAssertEqual(skipped.status, 0, skipped.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["interactions"] as? Int, 3)
    XCTAssertEqual(object["skipped_bad_lines"] as? Int, 1)
    XCTAssertTrue(skipped.stderr.contains("skipped 1 bad lines"), skipped.stderr)
  }

  /// `data split` then `data stats` on its outputs: the parts add up and
  /// share no pair.
  func testSplitWritesDisjointParts() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-split-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let r = try GramianExecutable.run(["data", "split", bundledRatings, "--min-rating", "4", "--binary",
                                       "--test-fraction", "0.2", "--output", dir, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    func pairs(_ name: String) throws -> Set<String> {
      let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
      return Set(text.split(separator: "\n").map { $0.split(separator: "\t").prefix(2).joined(separator: "\t") })
    }
    let train = try pairs("train.tsv"), test = try pairs("test.tsv")
    XCTAssertTrue(train.isDisjoint(with: test))
    XCTAssertGreaterThan(train.count, 3 * test.count)
    XCTAssertLessThan(train.count, 5 * test.count)
  }

  /// The help text is part of the interface: asserted exactly.
  func testStatsHelpText() {
    XCTAssertEqual(GramianCommand.helpMessage(for: DataStats.self, columns: 80), """
      OVERVIEW: Print counts and degree statistics of an interaction file.

      USAGE: gramian data stats [<options>] <file>

      ARGUMENTS:
        <file>                  The interaction file.

      OPTIONS:
        --format <format>       File format: auto, delimited, movielens, lists ("user
                                item item ...") or mtx (MatrixMarket). (values: auto,
                                delimited, movielens, lists, mtx; default: auto)
        --delimiter <delimiter> Field delimiter for delimited text: auto, comma, tab,
                                whitespace, pipe or '::'. (default: auto)
        --header <header>       Header line: auto (detected), present or absent.
                                (default: auto)
        --user-col <user-col>   User column: a 0-based index or a header name.
                                (default: 0)
        --item-col <item-col>   Item column: a 0-based index or a header name.
                                (default: 1)
        --skip-bad-lines        Skip malformed lines with a counted warning instead
                                of stopping.
        --weight-col <weight-col>
                                Weight column (index or name), or 'none' for weight
                                1. (default: 2)
        --timestamp-col <timestamp-col>
                                Timestamp column (index or name), or 'none'.
                                (default: 3)
        --min-rating <min-rating>
                                Keep ratings at or above this value as positives
                                (explicit data).
        --binary                Give every kept interaction weight 1 instead of its
                                value.
        --duplicates <duplicates>
                                How to merge repeated (user, item) pairs: sum, max or
                                last. (values: sum, max, last; default: sum)
        --json                  Print exactly one JSON object on stdout; text and
                                progress go to stderr.
        --threads <threads>     Worker threads (default: all cores).
        --seed <seed>           Random seed for splits, initialisation and shuffles.
                                (default: 1)
        --memory-limit <memory-limit>
                                Most memory a command may plan to use, e.g. 512M or
                                8G (default: the machine's memory). Sizes that would
                                need more are refused before anything is allocated.
        --version               Show the version.
        -h, --help              Show help information.

      """)
  }
}

/// Every subcommand answers `--help` (this also runs ArgumentParser's
/// validation of each command's options, which catches clashing names).
final class HelpTests: XCTestCase {
  func testEverySubcommandHasHelp() throws {
    let paths = [
      [], ["data"], ["data", "stats"], ["data", "split"], ["data", "convert"], ["data", "features"], ["fit"], ["fit", "ials"],
      ["fit", "two-tower"], ["evaluate"], ["recommend"], ["score"], ["similar"], ["export"], ["demo"],
      ["compare"], ["tune"], ["report"], ["index"], ["index", "build"], ["index", "eval"],
    ]
    for path in paths {
      let r = try GramianExecutable.run(path + ["--help"])
      XCTAssertEqual(r.status, 0, "gramian \(path.joined(separator: " ")) --help: \(r.stderr)")
      XCTAssertTrue(r.stdout.contains("USAGE: gramian"), "gramian \(path.joined(separator: " ")) --help")
    }
  }
}

/// The exact help text of the three jobs' commands, against the snapshots
/// in Tests/HelpSnapshots (regenerate them with `gramian ... --help >
/// Tests/HelpSnapshots/NAME.txt` when an option changes on purpose).
final class HelpTextTests: XCTestCase {
  func testHelpTextIsExactlyTheSnapshot() throws {
    for (args, name) in [(["fit", "ials"], "fit-ials"), (["fit", "two-tower"], "fit-two-tower"), (["score"], "score")] {
      let expected = try String(contentsOf: SharedDatasets.packageRoot.appendingPathComponent("Tests/HelpSnapshots/\(name).txt"), encoding: .utf8)
      let r = try GramianExecutable.run(args + ["--help"])
      XCTAssertEqual(r.status, 0)
      XCTAssertEqual(r.stdout, expected, "gramian \(args.joined(separator: " ")) --help differs from Tests/HelpSnapshots/\(name).txt")
    }
  }
}

/// `gramian evaluate --protocol sampled` on a hand-computed fixture.
final class SampledProtocolTests: XCTestCase {
  /// Popularity counts a=3, b=2, c=1, d=1. Case u1: positive c (1) against a
  /// (3) and d (1); ties count against the positive, so its rank is 3. Case
  /// u2: positive a (3) against c, d: rank 1. HR@1 = 1/2, HR@3 = 1,
  /// NDCG@3 = (1/log2(4) + 1/log2(2)) / 2 = 0.75.
  func testPopularityOnHandFixture() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-sampled-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let train = dir.appendingPathComponent("train.tsv").path
    let negatives = dir.appendingPathComponent("negatives.txt").path
    try "u1\ta\nu2\ta\nu3\ta\nu1\tb\nu2\tb\nu3\tc\nu3\td\n".write(toFile: train, atomically: true, encoding: .utf8)
    try "u1 c a d\nu2 a c d\n".write(toFile: negatives, atomically: true, encoding: .utf8)
    let r = try GramianExecutable.run([
      "evaluate", "--train", train, "--test", train, "--model", "popularity",
      "--protocol", "sampled", "--negatives", negatives, "--k", "1,3", "--json",
    ])
    XCTAssertEqual(r.status, 0, r.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let metrics = try XCTUnwrap(object["metrics"] as? [String: Double])
    assertClose(try XCTUnwrap(metrics["hr@1"]), 0.5)
    assertClose(try XCTUnwrap(metrics["hr@3"]), 1.0)
    assertClose(try XCTUnwrap(metrics["ndcg@3"]), 0.75)
  }
}
