import Evaluation
import Foundation
import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest

/// Gramian's metrics against the project's reference code
/// (`shared/bench/peers.py evaluate`) on the same files.
final class PeersCrossCheckTests: XCTestCase {
  static let python = "/tmp/gramian-peers/bin/python"

  func testMetricsAgreeWithPeersPy() throws {
    let peers = SharedDatasets.packageRoot.deletingLastPathComponent()
      .appendingPathComponent("shared/bench/peers.py").path
    guard FileManager.default.isExecutableFile(atPath: Self.python) else {
      throw XCTSkip("needs the peer venv at \(Self.python) (make it with shared/bench/setup-peers.sh); skipped")
    }
    guard FileManager.default.fileExists(atPath: peers) else {
      throw XCTSkip("needs \(peers) next to the clone; skipped")
    }
    // Data: a small synthetic set, random holdout.
    var config = SyntheticConfig()
    config.users = 150
    config.items = 120
    config.interactions = 3000
    config.seed = 21
    let split = Splitter.randomHoldout(SyntheticData.generate(config), testFraction: 0.2, seed: 4)
    let train = InteractionMatrix(split.train), test = InteractionMatrix(split.test)
    // Factors with entries in multiples of 1/1024 (k = 8): exact dot products
    // in any summation order, so numpy and OpenBLAS rank identically.
    var rng = SeededGenerator(seed: 9)
    func factors(_ rows: Int) -> Matrix {
      var m = Matrix(rows: rows, columns: 8)
      for j in 0..<m.storage.count { m.storage[j] = Float(Int(rng.next(upperBound: UInt64(2049))) - 1024) / 1024 }
      return m
    }
    let U = factors(train.userCount), V = factors(train.itemCount)

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-crosscheck-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func writePairs(_ x: Interactions, _ name: String) throws {
      var text = ""
      for e in 0..<x.count { text += "\(x.userIds.name(of: x.users[e]))\t\(x.itemIds.name(of: x.items[e]))\n" }
      try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }
    try writePairs(split.train, "train.tsv")
    try writePairs(split.test, "test.tsv")
    try (split.train.userIds.names.joined(separator: "\n") + "\n").write(toFile: path("users.txt"), atomically: true, encoding: .utf8)
    try (split.train.itemIds.names.joined(separator: "\n") + "\n").write(toFile: path("items.txt"), atomically: true, encoding: .utf8)
    try NPY.write(U, to: path("U.npy"))
    try NPY.write(V, to: path("V.npy"))

    let ks = [5, 10, 20]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.python)
    process.arguments = [peers, "evaluate", "--train", path("train.tsv"), "--test", path("test.tsv"),
                         "--user-factors", path("U.npy"), "--item-factors", path("V.npy"),
                         "--user-ids", path("users.txt"), "--item-ids", path("items.txt"),
                         "--k"] + ks.map(String.init)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "peers.py failed")
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    let reference = try XCTUnwrap(json["metrics"] as? [String: Double])

    var options = EvaluationOptions()
    options.ks = ks
    let ours = Evaluator.evaluate(FactorScorer(userFactors: U, itemFactors: V), train: train, test: test, options: options)
    XCTAssertEqual(ours.users, json["test_users"] as? Int)
    XCTAssertEqual(reference.count, 2 * ks.count)
    XCTAssertGreaterThan(reference["recall@20"] ?? 0, 0.05, "a vacuous check: no hits at all")
    for (name, value) in reference {
      assertClose(ours.metrics[name] ?? .nan, value, relative: 0, absolute: 1e-6, name)
    }
  }
}
