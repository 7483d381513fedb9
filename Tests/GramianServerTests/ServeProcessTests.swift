import AsyncHTTPClient
import Foundation
import GramianTestSupport
import NIOCore
import NIOHTTP1
import XCTest

/// `gramian serve` as a process, the way it is deployed: acknowledged
/// events survive SIGKILL, and SIGTERM drains the requests in flight.
final class ServeProcessTests: XCTestCase {
  /// A running `gramian serve` and the port it bound.
  final class Served {
    let process = Process()
    var port = 0
    let stderrPath: String

    init(model: String, state: String, extra: [String] = []) throws {
      let binary = GramianExecutable.productsDirectory.appendingPathComponent("gramian")
      process.executableURL = binary
      process.arguments = ["serve", "--model", model, "--state", state, "--port", "0", "--log-level", "warning"] + extra
      stderrPath = state + ".stderr"
      FileManager.default.createFile(atPath: stderrPath, contents: nil)
      process.standardError = FileHandle(forWritingAtPath: stderrPath)
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      let deadline = Date().addingTimeInterval(30)
      while Date() < deadline {
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        if let range = text.range(of: "listening on http://127.0.0.1:") {
          let digits = text[range.upperBound...].prefix { $0.isNumber }
          if let p = Int(digits), text[range.upperBound...].dropFirst(digits.count).first == "\n" { port = p; return }
        }
        guard process.isRunning else { break }
        usleep(20_000)
      }
      process.terminate()
      throw NSError(domain: "gramian serve did not start: \((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")", code: 1)
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
  }

  static func request(_ client: HTTPClient, _ port: Int, _ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> (Int, String) {
    var r = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    r.method = method
    if let body { r.body = .bytes(ByteBuffer(string: body)) }
    let response = try await client.execute(r, timeout: .seconds(30))
    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 24)))
  }

  func testAcknowledgedEventsSurviveSIGKILL() async throws {
    let folder = TemporaryFolder(self)
    let state = folder.path("state")
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
      let first = try Served(model: ServerFixture.files.ials, state: state)
      var acknowledged = 0
      for j in 0..<60 {
        let (status, _) = try await Self.request(client, first.port, .POST, "/v1/users/durable/events", #"{"items": ["\#(j % 20 + 1)"]}"#)
        if status == 200 { acknowledged += 1 }
      }
      XCTAssertEqual(acknowledged, 60)
      kill(first.process.processIdentifier, SIGKILL)
      first.process.waitUntilExit()
      XCTAssertEqual(first.process.terminationReason, .uncaughtSignal)

      let second = try Served(model: ServerFixture.files.ials, state: state)
      let (status, text) = try await Self.request(client, second.port, .GET, "/v1/users/durable")
      XCTAssertEqual(status, 200, text)
      let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
      XCTAssertEqual(object["events"] as? Int, acknowledged, "every acknowledged event is back after SIGKILL")
      second.process.terminate()
      second.process.waitUntilExit()
    } catch {
      try? await client.shutdown()
      throw error
    }
    try await client.shutdown()
  }

  /// Requests already being answered when SIGTERM arrives complete with
  /// 200; the process then exits 0 and accepts nothing more.
  func testSIGTERMDrainsRequestsInFlight() async throws {
    let folder = TemporaryFolder(self)
    let served = try Served(model: ServerFixture.files.ials, state: folder.path("state"),
                            extra: ["--max-pairs", "200000", "--max-body-bytes", "\(32 << 20)"])
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    // Big score requests (150,000 pairs each) keep the server busy for a while.
    let pairs = (0..<150_000).map { j in [String(j % 600 + 1), String(j % 50 + 1)] }
    let body = String(decoding: try JSONSerialization.data(withJSONObject: ["pairs": pairs]), as: UTF8.self)
    let port = served.port
    let outcomes = try await withThrowingTaskGroup(of: (Int, Date).self) { group in
      for _ in 0..<4 {
        group.addTask {
          do {
            let (status, _) = try await ServeProcessTests.request(client, port, .POST, "/v1/score", body)
            return (status, Date())
          } catch {
            return (-1, Date())
          }
        }
      }
      try await Task.sleep(for: .milliseconds(150))
      let sent = Date()
      kill(served.process.processIdentifier, SIGTERM)
      var all: [(Int, Date)] = []
      for try await o in group { all.append(o) }
      return all.map { ($0.0, $0.1 > sent) }
    }
    served.process.waitUntilExit()
    try await client.shutdown()
    XCTAssertEqual(served.process.terminationReason, .exit, served.stderr)
    XCTAssertEqual(served.process.terminationStatus, 0, served.stderr)
    XCTAssertEqual(outcomes.filter { $0.0 != 200 }.count, 0, "requests in flight were dropped: \(outcomes)")
    XCTAssertGreaterThan(outcomes.filter { $0.1 }.count, 0, "at least one request was still in flight at SIGTERM: \(outcomes)")
  }
}
