import Foundation
import GramianTestSupport
import IALS
import InteractionData
import LinearAlgebra
import XCTest

/// The numbered cases of the hardening issue, each run through the
/// executable as the user (or attacker) who found it: model files whose
/// checksum is valid but whose content is not, sizes that would exhaust
/// memory, an index from another model, fits on no data.
final class HardeningTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }

  func run(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
    try GramianExecutable.run(args, file: file, line: line)
  }

  /// An iALS model file written field by field (valid checksum), with
  /// whatever ids and factors the test wants.
  func craftIALS(_ path: String, users: [String], items: [String], userFactors: Matrix, itemFactors: Matrix) throws {
    var w = ModelContainerWriter(magic: Array("GRMNIALS".utf8), version: 3)
    var config = IALSConfig()
    config.factors = max(1, itemFactors.columns)
    try w.json(config)
    w.ids(IdMap(names: users))
    w.ids(IdMap(names: items))
    w.matrix(userFactors)
    w.matrix(itemFactors)
    w.u32(0)
    try w.write(to: path)
  }

  func matrix(_ rows: Int, _ cols: Int, _ f: (Int) -> Float = { Float($0 % 7) * 0.1 + 0.05 }) -> Matrix {
    Matrix(rows: rows, columns: cols, storage: (0..<(rows * cols)).map(f))
  }

  // MARK: 1. Valid checksum, invalid content

  /// Was: trap in IdMap (exit 132) on `recommend`. A model saved without
  /// item ids now names its items by row number.
  func testModelWithoutItemIdsNamesItemsByRow() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("noitems.gramian")
    try craftIALS(model, users: ["u1", "u2", "u3"], items: [], userFactors: matrix(3, 2), itemFactors: matrix(4, 2))
    let r = try run(["recommend", "--model", model, "--user", "u2", "--k", "2", "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    let text = String(describing: out)
    XCTAssertTrue(["\"0\"", "\"1\"", "\"2\"", "\"3\""].contains { r.stdout.contains($0) }, text)
  }

  /// Was: a precondition in HNSWIndex (exit 132) on `index build`, and a
  /// BLAS "illegal value" line on stdout with exit 0 on `similar --json`.
  func testModelWithZeroColumnsIsRefusedNamingTheField() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("flat.gramian")
    try craftIALS(model, users: ["u1", "u2"], items: ["a", "b", "c"], userFactors: matrix(2, 0), itemFactors: matrix(3, 0))
    for args in [["recommend", "--model", model, "--user", "u1"], ["index", "build", "--model", model, "--output", dir.path("x.hnsw")],
                 ["similar", "--model", model, "--item", "a", "--json"]] {
      let r = try run(args)
      XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains(model) && r.stderr.contains("item factors are 3 x 0"), r.stderr)
      XCTAssertFalse(r.stdout.contains("SGEMV"), r.stdout)
    }
    let json = try run(["similar", "--model", model, "--item", "a", "--json"])
    let error = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["error"])
    XCTAssertNotNil(error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("x.hnsw")))
  }

  func testNonFiniteFactorsAndMismatchedIdsAreRefused() throws {
    let dir = TemporaryFolder(self)
    let nan = dir.path("nan.gramian")
    try craftIALS(nan, users: ["u1", "u2"], items: ["a", "b"], userFactors: matrix(2, 2) { $0 == 3 ? .nan : 0.5 },
                  itemFactors: matrix(2, 2))
    let r1 = try run(["recommend", "--model", nan, "--user", "u1"])
    XCTAssertEqual(r1.status, 1, r1.stderr)
    XCTAssertTrue(r1.stderr.contains("user factors row 1, column 1 is nan, not a finite number"), r1.stderr)

    let short = dir.path("short.gramian")
    try craftIALS(short, users: ["u1", "u2"], items: ["a", "b"], userFactors: matrix(3, 2), itemFactors: matrix(2, 2))
    let r2 = try run(["recommend", "--model", short, "--user", "u1"])
    XCTAssertEqual(r2.status, 1, r2.stderr)
    XCTAssertTrue(r2.stderr.contains("user ids count 2 does not match the 3 rows"), r2.stderr)
  }

  // MARK: 2. Sizes that would exhaust memory

  /// Was: "failed to allocate 7779200038896 bytes" (exit 134).
  func testHugeHNSWParameterIsRefusedBeforeAllocating() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--dim", "4", "--epochs", "1", "--output", model]).status, 0)
    let r = try run(["index", "build", "--model", model, "--M", "100000000", "--output", dir.path("x.hnsw")])
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("M = 100000000 is above the ceiling of 1024"), r.stderr)
    let m = try run(["index", "build", "--model", model, "--M", "1000", "--memory-limit", "8M", "--output", dir.path("x.hnsw")])
    XCTAssertEqual(m.status, 1, m.stderr)
    XCTAssertTrue(m.stderr.contains("would need about") && m.stderr.contains("the memory limit is 8.0 MB"), m.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("x.hnsw")))
  }

  /// Was: `fit ials --factors 100000000` grew without bound.
  func testHugeFactorCountIsRefused() throws {
    let r = try run(["fit", "ials", "--train", ratings, "--dim", "100000000", "--epochs", "1"])
    XCTAssertNotEqual(r.status, 0)
    XCTAssertTrue(r.stderr.contains("factors must be at most 65536"), r.stderr)
    let m = try run(["fit", "ials", "--train", ratings, "--dim", "4096", "--epochs", "1", "--memory-limit", "64M"])
    XCTAssertEqual(m.status, 1, m.stderr)
    XCTAssertTrue(m.stderr.contains("an iALS fit with k = 4096 on 610 users x 9724 items would need about"), m.stderr)
    let t = try run(["fit", "two-tower", "--train", ratings, "--dim", "8", "--batch-size", "1048576", "--epochs", "1", "--memory-limit", "1G"])
    XCTAssertEqual(t.status, 1, t.stderr)
    XCTAssertTrue(t.stderr.contains("would need about"), t.stderr)
  }

  /// Was: `evaluate --k 100000000` sized its tables by k (1.86 GB for
  /// 2,119 items). Now by the catalogue: the run stays small.
  func testHugeCutoffIsBoundedByTheCatalogue() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    let fit = try run(["fit", "ials", "--train", ratings, "--min-rating", "4", "--split", "random", "--dim", "4", "--epochs", "1",
                       "--output", model])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let (status, bytes) = try GramianExecutable.peakMemory(["evaluate", "--model", model, "--train", ratings, "--min-rating", "4",
                                                            "--split", "random", "--k", "10,100000000", "--json"])
    XCTAssertEqual(status, 0)
    // 600 MB (it needed 1.86 GB before); AddressSanitizer's shadow memory
    // and quarantine add a few hundred MB under `make sanitize`.
    let bound = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil ? 600 << 20 : 1_200 << 20
    XCTAssertLessThan(bytes, bound, "peak resident memory \(bytes >> 20) MB")
  }

  // MARK: 3. An index from another model

  /// Was: an augmented-metric index of another model of the same shape
  /// was accepted (exit 0, the other model's neighbours).
  func testIndexFromAnotherModelIsRefusedUnlessForced() throws {
    let dir = TemporaryFolder(self)
    let a = dir.path("a.gramian"), b = dir.path("b.gramian"), index = dir.path("a.hnsw")
    for (path, seed) in [(a, "1"), (b, "2")] {
      XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--dim", "4", "--epochs", "1", "--seed", seed, "--output", path]).status, 0)
    }
    XCTAssertEqual(try run(["index", "build", "--model", a, "--metric", "augmented", "--output", index]).status, 0)
    XCTAssertEqual(try run(["recommend", "--model", a, "--index", index, "--user", "1"]).status, 0)
    let r = try run(["recommend", "--model", b, "--index", index, "--user", "1"])
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("was built from another model"), r.stderr)
    XCTAssertTrue(r.stderr.contains("--force"), r.stderr)
    let forced = try run(["recommend", "--model", b, "--index", index, "--user", "1", "--force"])
    XCTAssertEqual(forced.status, 0, forced.stderr)
    XCTAssertTrue(forced.stderr.contains("warning"), forced.stderr)
  }

  // MARK: 4. Fits on no data

  /// Was: `fit ials` exited 0 and saved an empty model.
  func testEveryFitRefusesEmptyTrainingData() throws {
    let dir = TemporaryFolder(self)
    let out = dir.path("empty.gramian")
    let bad = dir.file("bad.csv", "user,item,rating\n1,2,x\n3,4,y\n5,6,-\n")
    let cases: [([String], String)] = [
      (["--train", ratings, "--min-rating", "9"], "--min-rating"),
      (["--train", bad, "--skip-bad-lines"], "--skip-bad-lines"),
    ]
    for kind in ["ials", "two-tower"] {
      for (flags, advice) in cases {
        let r = try run(["fit", kind, "--epochs", "1", "--output", out] + flags)
        XCTAssertEqual(r.status, 1, "\(kind) \(flags): \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("no interactions to train on") && r.stderr.contains(advice), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
      }
    }
    let lists = try run(["fit", "ials", "--train", ratings, "--format", "lists", "--output", out])
    XCTAssertEqual(lists.status, 1, lists.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  // MARK: 5. Multi-file outputs published in one step

  func pairs(_ path: String) throws -> Set<String> {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return Set(text.split(separator: "\n").map { $0.split(separator: "\t").prefix(2).joined(separator: "\t") })
  }

  /// Was: two concurrent splits into one folder left train from one run
  /// and test from another (2 of 38 races), and every command accepted it.
  func testConcurrentSplitsNeverMixAndAMixedFolderIsRefused() throws {
    let dir = TemporaryFolder(self)
    let out = dir.path("split")
    let binary = GramianExecutable.productsDirectory.appendingPathComponent("gramian")
    for round in 0..<4 {
      let runs = (0..<2).map { seed -> Process in
        let p = Process()
        p.executableURL = binary
        p.arguments = ["data", "split", ratings, "--min-rating", "4", "--binary", "--seed", "\(round * 2 + seed + 1)", "--output", out]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        return p
      }
      try runs.forEach { try $0.run() }
      runs.forEach { $0.waitUntilExit() }
      XCTAssertEqual(runs.map(\.terminationStatus), [0, 0])
      let train = try pairs(out + "/train.tsv"), test = try pairs(out + "/test.tsv")
      XCTAssertTrue(train.isDisjoint(with: test), "round \(round): train and test come from different runs")
      XCTAssertGreaterThan(train.count + test.count, 47_000)  // 48,580 less test pairs of items without training data
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains(".gramian-partial-") }
    XCTAssertEqual(leftovers, [])

    // A folder mixed by hand (a kill between two renames did this before)
    // is refused by the next command that reads it.
    let other = dir.path("other")
    XCTAssertEqual(try run(["data", "split", ratings, "--min-rating", "4", "--binary", "--seed", "99", "--output", other]).status, 0)
    try FileManager.default.removeItem(atPath: out + "/test.tsv")
    try FileManager.default.copyItem(atPath: other + "/test.tsv", toPath: out + "/test.tsv")
    let r = try run(["fit", "ials", "--train", out + "/train.tsv", "--test", out + "/test.tsv", "--dim", "4", "--epochs", "1"])
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("test.tsv") && r.stderr.contains("does not match the manifest of its folder"), r.stderr)
  }

  /// Was: a folder mixing two models' exported factors was accepted by
  /// `evaluate --user-factors`.
  func testMixedExportFolderIsRefused() throws {
    let dir = TemporaryFolder(self)
    let (a, b) = (dir.path("a.gramian"), dir.path("b.gramian"))
    for (path, seed) in [(a, "1"), (b, "2")] {
      XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--dim", "4", "--epochs", "1", "--seed", seed, "--output", path]).status, 0)
    }
    XCTAssertEqual(try run(["export", "--model", a, "--npy", dir.path("ea")]).status, 0)
    XCTAssertEqual(try run(["export", "--model", b, "--npy", dir.path("eb")]).status, 0)
    let manifest = try XCTUnwrap(FolderManifest.read(folder: dir.path("ea")))
    XCTAssertEqual(manifest.files.map(\.name), ["item_factors.npy", "item_ids.txt", "user_factors.npy", "user_ids.txt"])
    XCTAssertTrue(manifest.command.hasPrefix("gramian export --model"), manifest.command)
    func evaluate() throws -> CommandResult {
      let e = dir.path("ea")
      return try run(["evaluate", "--user-factors", e + "/user_factors.npy", "--item-factors", e + "/item_factors.npy",
                      "--user-ids", e + "/user_ids.txt", "--item-ids", e + "/item_ids.txt", "--train", ratings,
                      "--split", "random", "--allow-train-overlap"])
    }
    XCTAssertEqual(try evaluate().status, 0)
    try FileManager.default.removeItem(atPath: dir.path("ea/item_factors.npy"))
    try FileManager.default.copyItem(atPath: dir.path("eb/item_factors.npy"), toPath: dir.path("ea/item_factors.npy"))
    let r = try evaluate()
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("item_factors.npy") && r.stderr.contains("does not match the manifest"), r.stderr)
  }

  // MARK: 6. Temporary files

  /// Was: a kill at a save's rename left a complete hidden temporary file.
  /// Temporaries now carry a recognisable name, and the next write to the
  /// same place removes those of processes that are gone (not those of a
  /// writer still running).
  func testStaleTemporariesAreRemovedByTheNextWrite() throws {
    let dir = TemporaryFolder(self)
    let model = dir.path("m.gramian")
    // pid 2^22 + 1 is above Linux's pid_max default range: no such process.
    let dead = dir.file("m.gramian.gramian-partial-4194305-1f", "half a model")
    let live = dir.file("m.gramian.gramian-partial-\(getpid())-2e", "a concurrent writer's file")
    let deadFolder = dir.path("out.gramian-partial-4194305-3d")
    try FileManager.default.createDirectory(atPath: deadFolder, withIntermediateDirectories: false)
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--dim", "4", "--epochs", "1", "--output", model]).status, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
    XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    XCTAssertEqual(try run(["export", "--model", model, "--npy", dir.path("out")]).status, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: deadFolder))
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
    XCTAssertEqual(names, ["m.gramian", "m.gramian.gramian-partial-\(getpid())-2e", "out"])
  }

  // MARK: 7. Errors that name the path and say something useful

  /// Was: "NSCocoaErrorDomain error 512", found only after training.
  func testOutputErrorsNameThePathAndComeBeforeTheWork() throws {
    let dir = TemporaryFolder(self)
    let file = dir.file("plain.txt", "not a folder")
    let model = dir.path("m.gramian")
    XCTAssertEqual(try run(["fit", "ials", "--train", ratings, "--dim", "4", "--epochs", "1", "--output", model]).status, 0)
    let cases: [[String]] = [
      ["fit", "ials", "--train", ratings, "--dim", "4", "--output", file + "/m.gramian"],
      ["fit", "two-tower", "--train", ratings, "--dim", "4", "--output", file + "/m.gramian"],
      ["recommend", "--model", model, "--all", "--output", file + "/recs.tsv"],
      ["score", "--model", model, "--pairs", ratings, "--output", file + "/scores.tsv"],
      ["data", "split", ratings, "--output", file + "/split"],
      ["index", "build", "--model", model, "--output", file + "/x.hnsw"],
    ]
    for args in cases {
      let r = try run(args + ["--json"])
      XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains(file) && r.stderr.contains("is a file, not a folder"), "\(args): \(r.stderr)")
      XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain") || r.stderr.contains("fitting"), "\(args): \(r.stderr)")
    }
    let folder = try run(["recommend", "--model", model, "--all", "--output", dir.url.path])
    XCTAssertEqual(folder.status, 1)
    XCTAssertTrue(folder.stderr.contains("is a folder, expected a file path"), folder.stderr)
    let index = try run(["recommend", "--model", model, "--user", "1", "--index", dir.url.path])
    XCTAssertEqual(index.status, 1)
    XCTAssertTrue(index.stderr.contains("is a folder, expected an index file"), index.stderr)
  }

  func testNegativeValuesCRLineEndingsAndControlBytesAreReportedPlainly() throws {
    let dir = TemporaryFolder(self)
    let negative = try run(["fit", "ials", "--train", ratings, "--dim", "-1"])
    XCTAssertEqual(negative.status, 2)
    XCTAssertTrue(negative.stderr.contains("--dim does not take negative values, got -1"), negative.stderr)

    let mac = dir.file("mac.csv", "user,item,rating\r1,10,5\r2,20,4\r3,10,3\r")
    let cr = try run(["data", "stats", mac])
    XCTAssertEqual(cr.status, 1)
    XCTAssertTrue(cr.stderr.contains("bare carriage return"), cr.stderr)

    let evil = dir.file("evil.tsv", "u1\ti1\t1\nu2\ti2\t\u{1B}[2J\u{07}oops\n")
    let bad = try run(["data", "stats", evil, "--json"])
    XCTAssertEqual(bad.status, 1)
    XCTAssertFalse(bad.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, bad.stderr)
    XCTAssertTrue(bad.stderr.contains("\\x1B[2J\\x07oops"), bad.stderr)
  }
}
