import Foundation
import GramianTestSupport
import XCTest

/// The examples build and run on the bundled data (so the README's Swift
/// tour, which they spell out, keeps compiling and working).
final class ExampleTests: XCTestCase {
  func testQuickTourRuns() throws {
    let r = try GramianExecutable.run([], executable: "QuickTour")
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("saved and reloaded: same scores true"), r.stdout)
    func recall(_ prefix: String) throws -> Double {
      let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }, r.stdout)
      return try XCTUnwrap(Double(line.split(separator: " ").last!))
    }
    // The tour's claim: iALS beats the popularity floor.
    XCTAssertGreaterThan(try recall("iALS "), try recall("popularity "))
    XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.contains(" chosen ") }.count, 5, r.stdout)
  }
}
