import ArgumentParser
import Foundation
import Gramian
import GramianReports

@main
struct GramianCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gramian",
    abstract: "Implicit-feedback recommendation: iALS, two-tower models, retrieval and evaluation.",
    discussion: """
      Exit codes: 0 success; 1 the command failed (bad data, a missing or corrupt file, \
      a model that cannot do what was asked); 2 a usage error (unknown or invalid option). \
      Errors are one line on stderr; with --json, also one JSON object on stdout: \
      {"error": {"message": ..., "kind": "usage" or "failure", "exit_code": ...}}.
      """,
    version: "0.2.0",
    subcommands: [
      DataCommand.self, FitCommand.self, EvaluateCommand.self, RecommendCommand.self,
      ScoreCommand.self, SimilarCommand.self, ExportCommand.self, IndexCommand.self, CompareCommand.self, TuneCommand.self, ReportCommand.self, DemoCommand.self, ServeCommand.self,
    ]
  )

  /// Exit code of a command that failed at run time.
  static let failureCode: Int32 = 1
  /// Exit code of a usage error (bad or missing option).
  static let usageCode: Int32 = 2

  /// True when `--json` is on the command line (errors are then JSON too).
  static let wantsJSON = CommandLine.arguments.dropFirst().contains("--json")

  struct ErrorOutput: Encodable {
    struct Body: Encodable { var message: String; var kind: String; var exitCode: Int32 }
    var error: Body
  }

  /// One line on stderr (and one JSON object on stdout with `--json`), then exit.
  static func fail(_ message: String, usage: Bool = false) -> Never {
    let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }.joined(separator: " ").escapingControlCharacters
    let code = usage ? usageCode : failureCode
    Console.info("gramian: \(line)")
    if wantsJSON {
      try? Console.json(ErrorOutput(error: .init(message: line, kind: usage ? "usage" : "failure", exitCode: code)))
    }
    Foundation.exit(code)
  }

  /// Parses and runs. Run-time errors become one line on stderr
  /// (`gramian: file:line:column: error: ...`) and exit code 1; usage
  /// errors one line naming the option and the command's `--help`, exit 2.
  static func main() {
    var command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }  // --help, --version: printed, exit 0
      fail("error: \(negativeValueMessage(for: error) ?? message(for: error))" + helpHint(), usage: true)
    }
    // OpenBLAS's worker threads spin for about 0.1 s after it loads, taking a
    // third of a 2-core machine from the command's own threads; they start
    // again at OpenBLAS's first threaded call.
    BLAS.endIdleThreads()
    do {
      try command.run()
    } catch let error as ValidationError {
      fail("error: \(error.message)" + helpHint(), usage: true)
    } catch let error as ExitCode {
      Foundation.exit(error.rawValue)  // the message was printed where the failure was found
    } catch {
      if exitCode(for: error) == .success { exit(withError: error) }  // help printed by ArgumentParser's help command
      fail(describe(error))
    }
  }

  /// The one-line message of a run-time error, as `main` prints it.
  static func describe(_ error: any Error) -> String {
    switch error {
    case let error as any AdvisingError: error.description(naming: \.flag)  // DataError, IALSError, TwoTowerError: settings named as flags
    case let error as HNSWError: "\(error)"
    case let error as RecommenderError: "error: \(error)"
    case let error as PopularityFileError: "\(error)"
    case let error as ComparisonError: "error: \(error)"
    case let error as NPY.FormatError: "\(error)"
    case let error as CommandFailure: "error: \(error.message)"
    case let error as ValidationError: "error: \(error.message)"
    case let error as CocoaError: "error: \(error.localizedDescription)"
    default: "error: \(message(for: error))"
    }
  }

  /// ArgumentParser reads `--dim -1` as the option `--dim` followed by a
  /// flag `-1`, and says "Missing value". When the word after the option
  /// is a negative number, say that instead.
  static func negativeValueMessage(for error: Error) -> String? {
    let text = message(for: error)
    guard text.hasPrefix("Missing value for '"), let option = text.dropFirst(19).split(separator: " ").first else { return nil }
    let args = Array(CommandLine.arguments.dropFirst())
    guard let i = args.firstIndex(of: String(option)), i + 1 < args.count,
          let value = Double(args[i + 1]), value < 0 else { return nil }
    return "\(option) does not take negative values, got \(args[i + 1])"
  }

  /// "(see 'gramian fit ials --help')" for the subcommand on the command line.
  static func helpHint() -> String {
    var words: [String] = []
    var type: ParsableCommand.Type = GramianCommand.self
    for arg in CommandLine.arguments.dropFirst() {
      guard let sub = type.configuration.subcommands.first(where: { $0.configuration.commandName == arg }) else { break }
      words.append(arg)
      type = sub
    }
    return " (see 'gramian \((words + ["--help"]).joined(separator: " "))')"
  }
}

extension OptionKey {
  /// How the command line spells the setting an error message advises.
  var flag: String {
    switch self {
    case .skipBadLines: "--skip-bad-lines"
    case .format: "--format"
    case .delimiter: "--delimiter"
    case .header: "--header"
    case .userColumn: "--user-col"
    case .itemColumn: "--item-col"
    case .weightColumn: "--weight-col"
    case .timestampColumn: "--timestamp-col"
    case .minRating: "--min-rating"
    case .regularization: "--reg"
    case .alpha: "--alpha"
    case .initStd: "--init-std"
    case .learningRate: "--lr"
    case .clipNorm: "--clip-norm"
    case .temperature: "--temperature"
    case .saveModel: "'gramian fit ials|two-tower --output FILE'"
    case .buildIndex: "'gramian index build --model MODEL --output FILE'"
    }
  }
}
