import ArgumentParser
import Gramian
@testable import GramianCLI
import XCTest

/// One concept, one flag: `fit`, `compare` and `tune` parse the same
/// spelling into the same library setting (grids take a comma-separated
/// list of what `fit` takes one of), and library errors reach the user
/// with the command line's flag names.
final class OptionSpellingTests: XCTestCase {
  let common = try! CommonOptions.parse(["--threads", "1"])

  func testIALSSettingsAreSpelledAlikeInFitCompareAndTune() throws {
    let fit = try FitIALS.parse(["--train", "x", "--dim", "12", "--reg", "0.5", "--unobserved-weight", "0.25"])
    let c = fit.ials.config(common: common)
    XCTAssertEqual(c.factors, 12)
    XCTAssertEqual(c.regularization, 0.5)
    XCTAssertEqual(c.unobservedWeight, 0.25)
    // The old spelling still parses.
    XCTAssertEqual(try FitIALS.parse(["--train", "x", "--factors", "7"]).ials.factors, 7)

    for command in [["compare"], ["tune", "--method", "ials"]] {
      let args = ["--train", "x", "--dim", "12", "--reg", "0.5,1", "--unobserved-weight", "0.25,2"]
      let options: ComparisonOptions = command[0] == "compare"
        ? try CompareCommand.parse(Array(command.dropFirst()) + args).options
        : try TuneCommand.parse(Array(command.dropFirst()) + args).options
      let config = try options.config(common: common)
      XCTAssertEqual(config.dimension, 12, "\(command)")
      XCTAssertEqual(config.grids.ialsRegularizations, [0.5, 1], "\(command)")
      XCTAssertEqual(config.grids.ialsUnobservedWeights, [0.25, 2], "\(command)")
    }
  }

  func testTwoTowerSettingsAreSpelledAlikeInFitAndCompare() throws {
    let shared = ["--batch-size", "64", "--epochs", "3", "--lr", "0.05", "--optimizer", "adam", "--history", "5"]
    let fit = try FitTwoTower.parse(["--train", "x", "--temperature", "2", "--gram-weight", "0.7"] + shared)
    let f = try fit.towers.config(common: common)
    let compare = try CompareCommand.parse(["--train", "x", "--temperature", "2,4", "--gram-weight", "0.7",
                                            "--prior-exponent", "0.1,0.2"] + shared)
    let c = try compare.options.config(common: common)
    XCTAssertEqual(f.temperature, 2)
    XCTAssertEqual(c.grids.temperatures, [2, 4])
    XCTAssertEqual(f.gramWeight, 0.7)
    XCTAssertEqual(c.grids.gramWeights, [0.7])
    XCTAssertEqual(c.grids.priorExponents, [0.1, 0.2])
    for (a, b) in [(f.batchSize, c.twoTower.batchSize), (f.epochs, c.twoTower.epochs), (f.history, c.twoTower.history)] {
      XCTAssertEqual(a, b)
    }
    XCTAssertEqual(f.batchSize, 64)
    XCTAssertEqual(f.learningRate, c.twoTower.learningRate)
    XCTAssertEqual(f.optimizer, c.twoTower.optimizer)
    // Defaults are the library's recommendation in both.
    let d = try CompareCommand.parse(["--train", "x"]).options.config(common: common)
    XCTAssertEqual(d.twoTower.batchSize, TwoTowerConfig.recommended.batchSize)
    XCTAssertEqual(d.twoTower.epochs, TwoTowerConfig.recommended.epochs)
  }

  /// `score` reads ids only: the weight, timestamp, rating and merge flags
  /// that it would ignore are not offered.
  func testScoreOffersOnlyTheFlagsItUses() {
    let help = ScoreCommand.helpMessage()
    for flag in ["--user-col", "--item-col", "--delimiter", "--header", "--format", "--skip-bad-lines"] {
      XCTAssertTrue(help.contains(flag), flag)
    }
    for flag in ["--weight-col", "--timestamp-col", "--min-rating", "--binary", "--duplicates"] {
      XCTAssertFalse(help.contains(flag), flag)
    }
  }

  /// The library names settings by their Swift names; the command line
  /// prints its flags for the same advice, and every key has a flag.
  func testLibraryAdviceIsPrintedWithFlags() {
    let e = DataError(.malformedLine, file: "r.csv", line: 3, "expected 3 fields",
                      hint: "choose columns with \(OptionKey.userColumn)/\(OptionKey.itemColumn), or use \(OptionKey.skipBadLines)")
    XCTAssertEqual(e.description, "r.csv:3: error: expected 3 fields; choose columns with ReadOptions.userColumn/ReadOptions.itemColumn, or use ReadOptions.skipBadLines")
    XCTAssertEqual(e.description(naming: \.flag), "r.csv:3: error: expected 3 fields; choose columns with --user-col/--item-col, or use --skip-bad-lines")
    let diverged = TwoTowerError.nonFinite(step: 4, epoch: 1, term: "loss")
    XCTAssertTrue(diverged.description(naming: \.flag).hasSuffix("lower --lr, set --clip-norm or raise --temperature"))
    XCTAssertFalse(diverged.description.contains("--"))
    XCTAssertFalse(IALSError.nonFinite(epoch: 1, side: "user", row: 0).description.contains("--"))
    for key in OptionKey.allCases { XCTAssertFalse(key.flag.isEmpty) }
  }
}
