import Foundation
import Gramian
import GramianServer
import GramianTestSupport
import XCTest

/// Each documented bad input gets its status and error object, never a
/// crash or a hang, and the server keeps answering afterwards.
final class BadInputTests: XCTestCase {
  func testEveryBadRequestGetsItsStatusAndCode() async throws {
    try await withServer({ $0.maxBodyBytes = 4096; $0.maxK = 100; $0.maxPairs = 3 }) { h in
      let cases: [(String, String, Int, String, String)] = [
        // path, body, status, code, a word the message must contain
        ("/v1/recommend", "{not json", 400, "bad_request", "JSON"),
        ("/v1/recommend", "", 400, "bad_request", "empty"),
        ("/v1/recommend", "[1, 2]", 400, "bad_request", "expected"),
        ("/v1/recommend", #"{"user": 42}"#, 400, "bad_request", "user"),
        ("/v1/recommend", #"{"user": "1", "k": "ten"}"#, 400, "bad_request", "k"),
        ("/v1/recommend", #"{"user": "1", "k": 0}"#, 400, "bad_request", "k"),
        ("/v1/recommend", #"{"user": "1", "k": 101}"#, 400, "bad_request", "100"),
        ("/v1/recommend", #"{"user": "1", "prior_exponent": 1e9}"#, 400, "bad_request", "prior_exponent"),
        ("/v1/recommend", #"{"user": "1", "history": ["1"]}"#, 400, "bad_request", "not both"),
        ("/v1/recommend", #"{"k": 3}"#, 400, "bad_request", "history"),
        ("/v1/recommend", #"{"user": "nobody"}"#, 404, "unknown_user", "nobody"),
        ("/v1/recommend", #"{"history": ["nothing-known"]}"#, 422, "empty_history", "history"),
        ("/v1/score", #"{"pairs": [["1"]]}"#, 400, "bad_request", "pairs[0]"),
        ("/v1/score", #"{"pairs": [["1","1"],["1","1"],["1","1"],["1","1"]]}"#, 400, "bad_request", "at most 3"),
        ("/v1/score", #"{"pairs": "all"}"#, 400, "bad_request", "pairs"),
        ("/v1/users/u1/events", #"{"items": []}"#, 400, "bad_request", "items"),
        ("/v1/users/u1/events", #"{"items": [""]}"#, 400, "bad_request", "items[0]"),
        ("/v1/recommend", "{\"user\": \"" + String(repeating: "x", count: 5000) + "\"}", 413, "body_too_large", "4096"),
      ]
      for (path, body, status, code, word) in cases {
        let t0 = Date()
        let r = try await h.post(path, body)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 2, "\(path) \(body.prefix(60)) took too long")
        XCTAssertEqual(r.status, status, "\(path) \(body.prefix(60)): \(r.text)")
        XCTAssertEqual(r.errorCode, code, "\(path) \(body.prefix(60)): \(r.text)")
        let message = (r.object["error"] as? [String: Any])?["message"] as? String ?? ""
        XCTAssertTrue(message.contains(word), "\(path) \(body.prefix(60)): message '\(message)' should mention \(word)")
      }
      let unknownRoute = try await h.send(.GET, "/v2/recommend")
      XCTAssertEqual(unknownRoute.status, 404)
      XCTAssertEqual(unknownRoute.errorCode, "not_found")
      let wrongMethod = try await h.send(.GET, "/v1/recommend")
      XCTAssertEqual(wrongMethod.status, 405)
      XCTAssertEqual(wrongMethod.errorCode, "method_not_allowed")
      XCTAssertEqual(wrongMethod.headers["allow"].first, "POST")
      let similar = try await h.send(.GET, "/v1/similar?item=1&k=x", specPath: "/v1/similar")
      XCTAssertEqual(similar.status, 400)
      let missing = try await h.send(.GET, "/v1/similar?k=3", specPath: "/v1/similar")
      XCTAssertEqual(missing.status, 400)
      let unknownItem = try await h.send(.GET, "/v1/similar?item=none", specPath: "/v1/similar")
      XCTAssertEqual(unknownItem.errorCode, "unknown_item")
      let nobody = try await h.send(.GET, "/v1/users/nobody", specPath: "/v1/users/{id}")
      XCTAssertEqual(nobody.errorCode, "unknown_user")
      // Still serving.
      let ok = try await h.post("/v1/recommend", #"{"user": "1"}"#)
      XCTAssertEqual(ok.status, 200)
    }
  }

  func testUnknownPopularServesTheAverageUser() async throws {
    try await withServer({ $0.unknownUsers = .popular }) { h in
      let model = try IALSModel.load(from: ServerFixture.files.ials)
      let r = try await h.post("/v1/recommend", #"{"user": "someone-new", "k": 5}"#)
      XCTAssertEqual(r.status, 200, r.text)
      XCTAssertEqual(r.object["source"] as? String, "popular")
      let expected = try model.recommend(vector: model.meanUserVector, k: 5)
      XCTAssertEqual(items(r).map(\.item), expected.map { model.itemIds.name(of: $0.item) })
    }
  }

  /// A two-tower file stores the towers' outputs, not the query tower: a
  /// history cannot be folded in, and the service says so (422).
  func testTwoTowerHistoryIsAClearError() async throws {
    try await withServer(model: ServerFixture.files.twoTower) { h in
      let r = try await h.post("/v1/recommend", #"{"history": ["1", "2"]}"#)
      XCTAssertEqual(r.status, 422, r.text)
      XCTAssertEqual(r.errorCode, "fold_in_unsupported")
      let known = try await h.post("/v1/recommend", #"{"user": "1", "k": 3}"#)
      XCTAssertEqual(known.status, 200)
    }
  }

  /// Slow clients: a connection that sends a partial request and stalls is
  /// closed after the idle timeout instead of being held open.
  func testIdleConnectionIsClosed() async throws {
    try await withServer({ $0.idleTimeout = .seconds(1) }) { h in
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(fd) }
      var addr = sockaddr_in()
      addr.sin_family = sa_family_t(AF_INET)
      addr.sin_port = in_port_t(UInt16(h.port).bigEndian)
      addr.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      XCTAssertEqual(connected, 0)
      _ = "POST /v1/recommend HTTP/1.1\r\nHost: x\r\n".withCString { send(fd, $0, strlen($0), 0) }
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      let start = Date()
      var buffer = [UInt8](repeating: 0, count: 512)
      let n = recv(fd, &buffer, buffer.count, 0)
      XCTAssertEqual(n, 0, "the server should close the stalled connection (recv returned \(n))")
      XCTAssertLessThan(Date().timeIntervalSince(start), 4.5)
    }
  }
}
