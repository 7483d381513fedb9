import Foundation
import GramianFuzzing
import GramianTestSupport
import LinearAlgebra
import XCTest

/// Replays every committed fuzz input (the seed corpora in
/// `Benchmarks/fuzz/corpus/TARGET/` and each crash the fuzzer found, kept in
/// `Benchmarks/fuzz/regressions/TARGET/`) through its target in this
/// process: an input that traps again fails the whole test run, which is
/// the point.
final class FuzzRegressionTests: XCTestCase {
  static let root = SharedDatasets.packageRoot.appendingPathComponent("Benchmarks/fuzz")

  func inputs(_ folder: String, _ target: String) -> [URL] {
    let dir = Self.root.appendingPathComponent(folder).appendingPathComponent(target)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.sorted().filter { !$0.hasPrefix(".") }.map { dir.appendingPathComponent($0) }
  }

  func testEveryTargetHasASeedCorpus() {
    for target in FuzzTargets.all {
      XCTAssertFalse(inputs("corpus", target.name).isEmpty, "no seed inputs for \(target.name) in Benchmarks/fuzz/corpus")
    }
  }

  func testCorporaAndRegressionsRunWithoutACrash() throws {
    let saved = MemoryBudget.limit
    FuzzTargets.configure()
    defer { MemoryBudget.limit = saved }
    var ran = 0
    for target in FuzzTargets.all {
      for url in inputs("corpus", target.name) + inputs("regressions", target.name) {
        target.run([UInt8](try Data(contentsOf: url)))
        ran += 1
      }
    }
    XCTAssertGreaterThan(ran, FuzzTargets.all.count)
  }

  func testEveryCorpusFolderNamesATarget() throws {
    for folder in ["corpus", "regressions"] {
      let dir = Self.root.appendingPathComponent(folder)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
      for name in names where !name.hasPrefix(".") {
        XCTAssertNotNil(FuzzTargets.named(name), "\(folder)/\(name) is not a fuzz target")
      }
    }
  }
}
