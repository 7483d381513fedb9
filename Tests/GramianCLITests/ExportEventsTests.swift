import Foundation
import Gramian
import GramianServer
import GramianTestSupport
import XCTest

/// `gramian data export-events` writes what the service stored, in order,
/// as a file the library's reader reads back to the same events.
final class ExportEventsTests: XCTestCase {
  func testExportedEventsReadBackIdentically() async throws {
    let dir = TemporaryFolder(self)
    let state = dir.path("state")
    let store = try EventStore(directory: state)
    try await store.append(user: "u1", items: ["10", "20"], at: Date(timeIntervalSince1970: 1_700_000_000))
    try await store.append(user: "odd\tuser", items: ["a \"quoted\" item"], at: Date(timeIntervalSince1970: 1_700_000_100))
    try await store.append(user: "u1", items: ["30"], at: Date(timeIntervalSince1970: 1_700_000_200))
    let out = dir.path("events.tsv")
    let r = try GramianExecutable.run(["data", "export-events", "--state", state, "--output", out, "--json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(summary["events"] as? Int, 4)
    XCTAssertEqual(summary["users"] as? Int, 2)
    let (events, report) = try InteractionReader.read(out)
    XCTAssertTrue(report.headerDetected)
    XCTAssertEqual(events.count, 4)
    let pairs = (0..<events.count).map { (events.userIds.name(of: events.users[$0]), events.itemIds.name(of: events.items[$0])) }
    XCTAssertEqual(pairs.map(\.0), ["u1", "u1", "odd\tuser", "u1"])
    XCTAssertEqual(pairs.map(\.1), ["10", "20", "a \"quoted\" item", "30"])
    XCTAssertEqual(events.weights, [1, 1, 1, 1])

    let missing = try GramianExecutable.run(["data", "export-events", "--state", dir.path("nothing")])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(missing.stderr.contains("not a 'gramian serve' state folder"), missing.stderr)
  }
}
