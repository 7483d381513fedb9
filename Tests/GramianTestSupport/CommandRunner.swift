import Foundation
import XCTest

/// What one run of the `gramian` executable produced.
public struct CommandResult {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs the built `gramian` executable (next to the test bundle in the build
/// folder) the way a user would, capturing stdout, stderr and the exit code.
public enum GramianExecutable {
  /// The build products folder (`.build/debug` or `.build/release`).
  public static var productsDirectory: URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // On Linux the runner is `<products>/GramianPackageTests.xctest`.
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir
  }

  /// Runs `gramian args...` (or another built `executable` of the package,
  /// e.g. an example) in `directory` (default: the package root).
  public static func run(
    _ args: [String], executable: String = "gramian", in directory: URL = SharedDatasets.packageRoot,
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> CommandResult {
    let binary = productsDirectory.appendingPathComponent(executable)
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      XCTFail("\(executable) executable not found at \(binary.path)", file: file, line: line)
      return CommandResult(status: -1, stdout: "", stderr: "")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = args
    process.currentDirectoryURL = directory
    // stderr goes to a temporary file so that neither stream can fill a pipe
    // while the other is being read.
    let errPath = FileManager.default.temporaryDirectory
      .appendingPathComponent("gramian-stderr-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let errHandle = try XCTUnwrap(FileHandle(forWritingAtPath: errPath))
    let out = Pipe()
    process.standardOutput = out
    process.standardError = errHandle
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try errHandle.close()
    let stderrData = FileManager.default.contents(atPath: errPath) ?? Data()
    return CommandResult(
      status: process.terminationStatus,
      stdout: String(decoding: stdoutData, as: UTF8.self),
      stderr: String(decoding: stderrData, as: UTF8.self))
  }
}
