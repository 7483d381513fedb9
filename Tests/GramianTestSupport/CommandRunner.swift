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
    return try capture(process)
  }

  /// Runs a configured `process` to its end and returns its exit status and
  /// output: stdout through a pipe, stderr through a temporary file, so that
  /// neither stream can fill a pipe while the other is being read.
  public static func capture(_ process: Process) throws -> CommandResult {
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

extension GramianExecutable {
  /// Runs the built `gramian args...` with its output discarded and returns
  /// its exit status and peak resident memory in bytes (from `wait4`'s
  /// resource usage of that one child): how a test checks that a command
  /// stays within a memory bound.
  public static func peakMemory(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, bytes: Int) {
    let binary = productsDirectory.appendingPathComponent("gramian").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      XCTFail("gramian executable not found at \(binary)", file: file, line: line)
      return (-1, 0)
    }
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, binary, &actions, nil, argv, environ)
    guard rc == 0 else {
      XCTFail("posix_spawn failed: \(rc)", file: file, line: line)
      return (-1, 0)
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitStatus, usage.ru_maxrss * 1024)
  }
}
