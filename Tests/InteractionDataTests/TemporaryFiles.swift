import Foundation
import XCTest

/// A fresh folder under the system temporary directory for one test,
/// removed when the test ends.
final class TemporaryFolder {
  let url: URL

  init(_ test: XCTestCase) {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("gramian-data-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    let url = self.url
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  }

  /// Writes `text` (UTF-8) to `name` and returns the path.
  func file(_ name: String, _ text: String) -> String {
    file(name, bytes: Array(text.utf8))
  }

  /// Writes raw bytes to `name` and returns the path.
  func file(_ name: String, bytes: [UInt8]) -> String {
    let path = url.appendingPathComponent(name).path
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    return path
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
