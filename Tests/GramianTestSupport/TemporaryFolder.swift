import Foundation
import XCTest

/// A fresh folder under the system temporary directory for one test,
/// removed when the test ends.
public final class TemporaryFolder {
  public let url: URL

  public init(_ test: XCTestCase) {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("gramian-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    let url = self.url
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  }

  /// Writes `text` (UTF-8) to `name` and returns the path.
  public func file(_ name: String, _ text: String) -> String {
    file(name, bytes: Array(text.utf8))
  }

  /// Writes raw bytes to `name` and returns the path.
  public func file(_ name: String, bytes: [UInt8]) -> String {
    let path = url.appendingPathComponent(name).path
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    return path
  }

  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Runs `body` once per seed; an error thrown for one seed fails the test
/// naming that seed and the remaining seeds still run. Put `seed` in the
/// body's assertion messages so their failures name it too.
public func withEvery(
  seed seeds: [UInt64] = [1, 2, 3], file: StaticString = #filePath, line: UInt = #line,
  _ body: (UInt64) throws -> Void
) {
  for seed in seeds {
    do { try body(seed) } catch { XCTFail("seed \(seed): \(error)", file: file, line: line) }
  }
}
