import Foundation
import Gramian
import GramianTestSupport
import XCTest

/// `mpirun -np N gramian fit ials --distributed` on localhost, as a user
/// runs it, against `gramian fit ials` (the single-process fit) on the same
/// file. Runs when the package was built with the MPI trait (`make test`
/// does so when Open MPI is installed; scripts/setup.sh installs it) and
/// `mpirun` is on the PATH; skipped otherwise.
///
/// Tolerance: 1e-5 of each factor matrix's largest entry for 2 and 3 ranks
/// (the Gram matrix is summed over ranks in a different order; see
/// DistributedFitTests), bit-identical model files for 1 rank and for
/// repeated runs with the same rank count. The CG case runs at lambda = 0.5:
/// three CG steps from a warm start amplify the Gram matrix's float rounding
/// (about 1e-6 relative, in the single-process `ssyrk` as much as in the sum
/// over ranks) when the rows' systems are ill-conditioned; at lambda = 0.05
/// on this data the factors differ by up to 1.4e-4 of the largest entry
/// (2e-5 in Frobenius norm) after 3 epochs, against 3.6e-6 for the exact solver.
final class DistributedFitCommandTests: XCTestCase {
  var ratings: String { SharedDatasets.bundledMovieLensSmall.appendingPathComponent("ratings.csv").path }
  var dir: TemporaryFolder!
  var mpirun: String!

  override func setUpWithError() throws {
    #if !MPI
    throw XCTSkip("gramian was built without the MPI trait (make test adds it when Open MPI is installed: scripts/setup.sh)")
    #else
    guard let path = Self.which("mpirun") else {
      throw XCTSkip("mpirun is not on the PATH (install openmpi-bin; scripts/setup.sh does)")
    }
    mpirun = path
    dir = TemporaryFolder(self)
    #endif
  }

  static func which(_ name: String) -> String? {
    for d in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let p = "\(d)/\(name)"
      if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
  }

  /// `mpirun` as the tests start it: localhost, oversubscribed (more ranks
  /// than cores), allowed to run as root (CI containers), one thread a rank.
  func mpiProcess(ranks: Int, _ args: [String]) -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: mpirun)
    let binary = GramianExecutable.productsDirectory.appendingPathComponent("gramian").path
    p.arguments = ["--oversubscribe", "-np", "\(ranks)", binary] + args
    var env = ProcessInfo.processInfo.environment
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_btl"] = "self,vader,tcp"  // shared memory on one host; no network probing
    // Containers often forbid the cross-process memory access (ptrace) that
    // vader's single-copy mode needs; plain copies work everywhere.
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
    p.environment = env
    return p
  }

  func runMPI(ranks: Int, _ args: [String]) throws -> CommandResult {
    try GramianExecutable.capture(mpiProcess(ranks: ranks, args))
  }

  func fitArgs(_ output: String, solver: String = "exact", epochs: Int = 3) -> [String] {
    ["fit", "ials", "--train", ratings, "--dim", "16", "--epochs", "\(epochs)", "--reg", solver == "cg" ? "0.5" : "0.05", "--solver", solver,
     "--block-size", "8", "--threads", "1", "--json", "--output", output]
  }

  struct Epochs: Decodable {
    struct Line: Decodable { var loss: Double }
    var epochs: [Line]
  }

  func losses(_ json: String) throws -> [Double] {
    try JSONDecoder().decode(Epochs.self, from: Data(json.utf8)).epochs.map(\.loss)
  }

  func assertClose(_ a: Matrix, _ b: Matrix, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.rows, b.rows, file: file, line: line)
    let scale = Double(a.storage.map(abs).max() ?? 1)
    let worst = zip(a.storage, b.storage).map { Double(abs($0 - $1)) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst / scale, 1e-5, what, file: file, line: line)
  }

  func testOneTwoAndThreeRanksGiveTheSingleProcessModel() throws {
    for solver in ["exact", "cg", "block"] {
      let single = dir.path("single-\(solver).gram")
      let s = try GramianExecutable.run(fitArgs(single, solver: solver) + ["--threads", "1"])
      XCTAssertEqual(s.status, 0, s.stderr)
      let reference = try IALSModel.load(from: single)
      let referenceLoss = try losses(s.stdout)
      for ranks in 1...3 {
        let out = dir.path("mpi\(ranks)-\(solver).gram")
        let r = try runMPI(ranks: ranks, fitArgs(out, solver: solver) + ["--distributed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let model = try IALSModel.load(from: out)
        XCTAssertEqual(model.userIds.names, reference.userIds.names)
        XCTAssertEqual(model.itemIds.names, reference.itemIds.names)
        XCTAssertEqual(model.training, reference.training)
        assertClose(model.userFactors, reference.userFactors, "\(solver), \(ranks) ranks: user factors")
        assertClose(model.itemFactors, reference.itemFactors, "\(solver), \(ranks) ranks: item factors")
        let loss = try losses(r.stdout)
        XCTAssertEqual(loss.count, referenceLoss.count)
        for (a, b) in zip(loss, referenceLoss) { XCTAssertEqual(a, b, accuracy: 1e-5 * b, "\(solver), \(ranks) ranks: loss") }
        if ranks == 1 {
          XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: single),
                         "one rank writes the single-process model byte for byte (\(solver))")
        }
      }
    }
  }

  func testRepeatedRunsWithTheSameRanksAreBitIdentical() throws {
    let a = dir.path("a.gram"), b = dir.path("b.gram")
    XCTAssertEqual(try runMPI(ranks: 3, fitArgs(a, epochs: 4) + ["--distributed"]).status, 0)
    XCTAssertEqual(try runMPI(ranks: 3, fitArgs(b, epochs: 4) + ["--distributed"]).status, 0)
    XCTAssertEqual(FileManager.default.contents(atPath: a), FileManager.default.contents(atPath: b))
  }

  func testShardFolderGivesTheSameModelAsTheFile() throws {
    // The ratings cut into 3 shards (header on the first only) read by 2 ranks.
    let lines = try String(contentsOfFile: ratings, encoding: .utf8).split(whereSeparator: \.isNewline)
    let shards = dir.path("shards")
    try FileManager.default.createDirectory(atPath: shards, withIntermediateDirectories: true)
    let body = Array(lines.dropFirst())
    for s in 0..<3 {
      let part = body[(body.count * s / 3)..<(body.count * (s + 1) / 3)].map { String($0) + "\n" }.joined()
      FileManager.default.createFile(atPath: "\(shards)/part-\(s).csv", contents: Data(((s == 0 ? lines[0] + "\n" : "") + part).utf8))
    }
    let fromFile = dir.path("file.gram"), fromShards = dir.path("shards.gram")
    XCTAssertEqual(try runMPI(ranks: 2, fitArgs(fromFile) + ["--distributed"]).status, 0)
    let r = try runMPI(ranks: 2, fitArgs(fromShards).map { $0 == ratings ? shards : $0 } + ["--distributed"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let a = try IALSModel.load(from: fromFile), b = try IALSModel.load(from: fromShards)
    XCTAssertEqual(a.userIds.names, b.userIds.names)
    XCTAssertEqual(a.training, b.training)
    assertClose(a.userFactors, b.userFactors, "shards vs file")
  }

  func testABadLineOnOneRankEndsTheJobNamingTheRankAndLine() throws {
    var lines = (0..<400).map { "u\($0 % 37)\ti\($0 % 23)\t1" }
    lines[300] = "u1\ti2\tnot-a-number"
    let path = dir.file("bad.tsv", lines.joined(separator: "\n") + "\n")
    let out = dir.path("never.gram")
    let r = try runMPI(ranks: 2, ["fit", "ials", "--distributed", "--train", path, "--dim", "4", "--output", out])
    XCTAssertNotEqual(r.status, 0)
    XCTAssertTrue(r.stderr.contains("rank 1 of 2 failed"), r.stderr)
    XCTAssertTrue(r.stderr.contains("bad.tsv:301"), r.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    XCTAssertEqual(r.stderr.components(separatedBy: "failed").count - 1, 1, "reported once, by rank 0: \(r.stderr)")
  }

  func testAKilledRankFailsTheJobAndLeavesNoModel() throws {
    let out = dir.path("killed.gram")
    let p = mpiProcess(ranks: 2, ["fit", "ials", "--distributed", "--train", ratings, "--dim", "8", "--epochs", "100000",
                                  "--threads", "1", "--output", out])
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    // Wait for the first epoch's report, then kill one rank's process.
    var seen = Data()
    let deadline = Date().addingTimeInterval(120)
    while !String(decoding: seen, as: UTF8.self).contains("epoch   1"), Date() < deadline {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += chunk
    }
    XCTAssertTrue(String(decoding: seen, as: UTF8.self).contains("epoch   1"), String(decoding: seen, as: UTF8.self))
    let ranks = Self.descendants(of: p.processIdentifier).filter { Self.command(of: $0).hasSuffix("gramian") }
    XCTAssertEqual(ranks.count, 2, "rank processes under mpirun: \(ranks)")
    kill(try XCTUnwrap(ranks.max()), SIGKILL)
    seen += err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertNotEqual(p.terminationStatus, 0)
    let text = String(decoding: seen, as: UTF8.self)
    XCTAssertTrue(text.contains("signal 9") || text.contains("Killed"), text)
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("killed") }
    XCTAssertEqual(leftovers, [], "no temporary model file either")
  }

  /// Process ids below `pid` (from /proc), children first.
  static func descendants(of pid: Int32) -> [Int32] {
    var out: [Int32] = []
    var frontier = [pid]
    while let p = frontier.popLast() {
      let children = (try? String(contentsOfFile: "/proc/\(p)/task/\(p)/children", encoding: .utf8)) ?? ""
      for c in children.split(separator: " ").compactMap({ Int32($0) }) {
        out.append(c)
        frontier.append(c)
      }
    }
    return out
  }

  static func command(of pid: Int32) -> String {
    ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
