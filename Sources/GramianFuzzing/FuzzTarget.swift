import Foundation
import LinearAlgebra

/// One loader under fuzzing: a name (`gramian-fuzz NAME`), the file
/// extension the input is written with (readers sniff formats by name), and
/// the body, which must return normally for every input: bad input is a
/// thrown error, caught here; a trap, a sanitizer report or a hang is a bug.
///
/// Targets that read a file write the input to a scratch file first, so
/// the fuzzer exercises the same code path as a user (memory mapping,
/// sniffing, error messages), not a byte-buffer shortcut.
public struct FuzzTarget: Sendable {
  public let name: String
  /// What the target reads, for `--list` and the README.
  public let summary: String
  let body: @Sendable (UnsafeRawBufferPointer) throws -> Void

  init(_ name: String, _ summary: String, body: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void) {
    self.name = name
    self.summary = summary
    self.body = body
  }

  /// Runs the target on one input. Errors the loader throws are the
  /// expected outcome for bad input and are swallowed; their message must
  /// be printable (it is rendered, so a crash in `description` counts).
  /// - Returns: nil when the input was accepted, else the error's message.
  @discardableResult
  public func run(_ input: UnsafeRawBufferPointer) -> String? {
    do { try body(input) } catch { return String(describing: error) }
    return nil
  }

  @discardableResult
  public func run(_ input: [UInt8]) -> String? {
    input.withUnsafeBytes { run($0) }
  }
}

/// Every fuzz target, by name.
public enum FuzzTargets {
  public static let all: [FuzzTarget] = dataTargets + modelTargets + serverTargets

  public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

  /// Sets what every run shares: a memory budget of 64 MiB. Inputs are at
  /// most 64 KB, so nothing a valid input needs comes near it, while a
  /// small file may declare a huge shape (a MatrixMarket size line, an
  /// index header): the loader must refuse it, before allocating, once its
  /// estimate passes the budget. A larger budget lets such inputs do
  /// hundreds of megabytes of legitimate work each (a 1 GiB budget held the
  /// `mtx` target to about 20 inputs a second) without finding more.
  public static func configure() {
    MemoryBudget.limit = 64 << 20
  }
}

/// A scratch folder private to this process, for inputs written as files.
enum Scratch {
  static let directory: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  /// Writes `bytes` to `name` in the scratch folder and returns its path.
  static func file(_ name: String, _ bytes: UnsafeRawBufferPointer) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }
}

/// Splits an input into a leading options byte and the rest, so that one
/// target covers several reader settings.
struct OptionByte {
  let value: UInt8
  let rest: UnsafeRawBufferPointer

  init(_ input: UnsafeRawBufferPointer) {
    value = input.first ?? 0
    rest = input.count > 0 ? UnsafeRawBufferPointer(rebasing: input[1...]) : input
  }

  /// Bits `shift ..< shift + width` of the byte.
  func bits(_ shift: Int, _ width: Int) -> Int { Int(value >> UInt8(shift)) & ((1 << width) - 1) }
}
