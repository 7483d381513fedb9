import ArgumentParser
import Foundation
import GramianServer

/// `gramian data export-events`: the events `gramian serve` stored, as an
/// interactions file for the next fit.
struct DataExportEvents: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-events",
    abstract: "Write the events a 'gramian serve' state folder holds as an interactions file.",
    discussion: """
      Lines 'user<TAB>item<TAB>1<TAB>unix-seconds' under a header, in arrival order (ids with a tab or \
      a line break are quoted, RFC 4180), so that 'gramian fit --train' reads them with its defaults, \
      alone or next to the original training file. Safe while the server runs (the database is read \
      in a snapshot); the output is written atomically.
      """)

  @Option(help: "The state folder of 'gramian serve' (default there: MODEL.state).") var state: String
  @Option(help: "Output file (default: stdout).") var output: String?
  @OptionGroup var common: CommonOptions

  struct Output: Encodable { var state: String; var events: Int; var users: Int; var output: String? }

  /// An id as a TSV field: quoted (RFC 4180) when it holds a tab or a line
  /// break or starts with a quote; written as is otherwise (the reader keeps
  /// a quote inside an unquoted field as it is).
  static func field(_ s: String) -> String {
    guard s.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) || s.hasPrefix("\"") else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  func run() throws {
    var isDir: ObjCBool = false
    let database = (state as NSString).appendingPathComponent("events.sqlite")
    guard FileManager.default.fileExists(atPath: state, isDirectory: &isDir), isDir.boolValue,
          FileManager.default.fileExists(atPath: database) else {
      throw CommandFailure("\(state): not a 'gramian serve' state folder (no events.sqlite in it); pass the folder given as --state, or MODEL.state")
    }
    let events = try EventStore(directory: state).all()
    var text = "user\titem\tweight\ttimestamp\n"
    text.reserveCapacity(events.count * 24)
    for e in events {
      text += "\(Self.field(e.user))\t\(Self.field(e.item))\t1\t\(String(format: "%.3f", e.at))\n"
    }
    if let output {
      try AtomicText.write(text, to: output)
    } else if !common.json {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    let users = Set(events.map(\.user)).count
    Console.info("exported \(events.count) events of \(users) users from \(state)\(output.map { " to \($0)" } ?? "")")
    if common.json { try Console.json(Output(state: state, events: events.count, users: users, output: output)) }
  }
}
