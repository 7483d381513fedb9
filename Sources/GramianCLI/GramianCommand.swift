import ArgumentParser
import Foundation
import Gramian

@main
struct GramianCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gramian",
    abstract: "Implicit-feedback recommendation: iALS, two-tower models, retrieval and evaluation.",
    version: "0.1.0",
    subcommands: [
      DataCommand.self, FitCommand.self, EvaluateCommand.self, RecommendCommand.self,
      ScoreCommand.self, SimilarCommand.self, ExportCommand.self, IndexCommand.self, CompareCommand.self, TuneCommand.self, ReportCommand.self, DemoCommand.self,
    ]
  )

  /// One line on stderr, exit code 1.
  static func fail(_ message: String) -> Never {
    Console.info("gramian: \(message.split(whereSeparator: \.isNewline).joined(separator: " "))")
    Foundation.exit(1)
  }

  /// Parses and runs, turning data errors into one line on stderr
  /// (`gramian: file:line:column: error: ...`) and exit code 1.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as DataError {
      fail("\(error)")
    } catch let error as IALSError {
      fail("\(error)")
    } catch let error as HNSWError {
      fail("\(error)")
    } catch let error as TwoTowerError {
      fail("\(error)")
    } catch let error as ComparisonError {
      fail("error: \(error)")
    } catch let error as NPY.FormatError {
      fail("\(error)")
    } catch let error as CocoaError {
      fail("error: \(error.localizedDescription)")
    } catch {
      exit(withError: error)
    }
  }
}
