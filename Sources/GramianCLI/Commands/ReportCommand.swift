import ArgumentParser
import Foundation
import Gramian
import GramianReports

/// Re-renders a comparison's report folder from its results.json, without
/// refitting anything (e.g. after a chart style change).
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Rewrite report.md and the charts of a comparison from its results.json.")

  @Argument(help: "A results.json written by `gramian compare`.") var results: String
  @Option(help: "Report folder (default: the folder of the results file).") var output: String?
  @Option(help: "The command line to print as the way to reproduce the results.") var command: String?
  @OptionGroup var common: CommonOptions

  struct Output: Codable { var results: String; var folder: String; var files: [String] }

  func run() throws {
    try FolderManifest.verify(file: results)  // the report folder's manifest, when it has one
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: results)) } catch {
      throw DataError(.unreadable, file: results, "cannot read the results file (\(error.localizedDescription))", hint: "pass the results.json that 'gramian compare' wrote")
    }
    let r: ComparisonResults
    do { r = try ComparisonReport.decode(data) } catch {
      throw DataError(.badFormat, file: results, "is not a results.json of 'gramian compare' (\(error))")
    }
    let dir = output ?? URL(fileURLWithPath: results).deletingLastPathComponent().path
    let files = try ComparisonReport.write(r, to: dir, command: command ?? r.command)
    Console.info("report written to \(dir.hasSuffix("/") ? dir : dir + "/"): \(files.joined(separator: ", "))")
    if common.json { try Console.json(Output(results: results, folder: dir, files: files)) }
  }
}
