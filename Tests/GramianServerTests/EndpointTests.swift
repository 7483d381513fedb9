import Foundation
import Gramian
@testable import GramianServer
import GramianTestSupport
import XCTest

/// Every endpoint against the library's direct answer on the same model,
/// and every reply against docs/openapi.yaml.
final class EndpointTests: XCTestCase {
  let model = try! IALSModel.load(from: ServerFixture.files.ials)

  func name(_ i: Int32) -> String { model.itemIds.name(of: i) }
  func index(_ item: String) -> Int32 { model.itemIds.index(of: item)! }

  func assertSame(_ got: [(item: String, score: Float)], _ expected: [(item: Int32, score: Float)],
                  file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.map(\.item), expected.map { name($0.item) }, file: file, line: line)
    for (g, e) in zip(got, expected) { XCTAssertEqual(g.score, e.score, accuracy: 1e-5, file: file, line: line) }
  }

  func testRecommendMatchesTheLibrary() async throws {
    try await withServer { h in
      for user in ["1", "42", "610"] {
        let r = try await h.post("/v1/recommend", #"{"user": "\#(user)", "k": 10}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["source"] as? String, "model")
        XCTAssertEqual(r.object["retrieval"] as? String, "exact")
        let u = Int(model.userIds.index(of: user)!)
        let seen = try XCTUnwrap(model.seenItems(ofUser: u))
        XCTAssertFalse(seen.isEmpty)
        assertSame(items(r), model.recommend(user: u, k: 10, excluding: seen))
        XCTAssertTrue(Set(items(r).map { index($0.item) }).isDisjoint(with: seen))
      }
      // Seen items allowed, a deny list and an allow list.
      let u = Int(model.userIds.index(of: "1")!)
      let all = try await h.post("/v1/recommend", #"{"user": "1", "k": 5, "exclude_seen": false}"#)
      assertSame(items(all), model.recommend(user: u, k: 5))
      let top = items(all).map(\.item)
      let denied = try await h.post("/v1/recommend", #"{"user": "1", "k": 5, "exclude_seen": false, "filter": {"exclude": ["\#(top[0])", "nope"]}}"#)
      assertSame(items(denied), model.recommend(user: u, k: 5, filter: .excluding([index(top[0])])))
      XCTAssertEqual(denied.object["ignored_items"] as? Int, 1)
      let allowed = ["1", "2", "3", "50", "296"]
      let only = try await h.post("/v1/recommend", #"{"user": "1", "k": 3, "exclude_seen": false, "filter": {"include": \#(jsonString(allowed))}}"#)
      assertSame(items(only), model.recommend(user: u, k: 3, filter: .only(allowed.map(index))))
      // The prior, applied per request.
      let prior = try await h.post("/v1/recommend", #"{"user": "1", "k": 10, "prior_exponent": 0.5}"#)
      assertSame(items(prior), try model.withPrior(exponent: 0.5).recommend(user: u, k: 10, excluding: model.seenItems(ofUser: u)!))
      // A history folds in a user the model does not know.
      let history = ["1", "50", "296", "2571"]
      let folded = try await h.post("/v1/recommend", #"{"history": \#(jsonString(history + ["not-an-item"])), "k": 10}"#)
      XCTAssertEqual(folded.object["source"] as? String, "history")
      XCTAssertEqual(folded.object["ignored_items"] as? Int, 1)
      assertSame(items(folded), try model.recommend(history: history.map(index), k: 10))
    }
  }

  /// Concurrent requests are scored in shared batches; each still gets
  /// exactly its own answer.
  func testConcurrentRecommendsMatchTheLibrary() async throws {
    try await withServer { h in
      let users = (1...60).map(String.init).filter { model.userIds.index(of: $0) != nil }
      let replies = try await withThrowingTaskGroup(of: (String, [String]).self) { group in
        for user in users {
          group.addTask { (user, items(try await h.post("/v1/recommend", #"{"user": "\#(user)", "k": 10}"#, specPath: "")).map(\.item)) }
        }
        var out: [String: [String]] = [:]
        for try await (u, r) in group { out[u] = r }
        return out
      }
      for user in users {
        let u = Int(model.userIds.index(of: user)!)
        XCTAssertEqual(replies[user], model.recommend(user: u, k: 10, excluding: model.seenItems(ofUser: u)!).map { name($0.item) }, user)
      }
      XCTAssertGreaterThan(h.server.store.model.batcher.counts.jobs, 0)
    }
  }

  func testScoreAndSimilarMatchTheLibrary() async throws {
    try await withServer { h in
      let pairs = [["1", "1"], ["42", "296"], ["610", "2571"], ["1", "no-such-item"], ["no-such-user", "1"]]
      let r = try await h.post("/v1/score", jsonString(["pairs": pairs]))
      XCTAssertEqual(r.status, 200, r.text)
      let scores = try XCTUnwrap(r.object["scores"] as? [Any])
      XCTAssertEqual(scores.count, 5)
      for (j, p) in pairs.prefix(3).enumerated() {
        let expected = model.score(user: Int(model.userIds.index(of: p[0])!), item: Int(index(p[1])))
        XCTAssertEqual(Float((scores[j] as! NSNumber).doubleValue), expected, accuracy: 1e-5)
      }
      XCTAssertTrue(scores[3] is NSNull)
      XCTAssertTrue(scores[4] is NSNull)
      let strict = try await h.post("/v1/score?unknown=error", jsonString(["pairs": pairs]), specPath: "/v1/score")
      XCTAssertEqual(strict.status, 404)
      XCTAssertEqual(strict.errorCode, "unknown_item")

      let similar = try await h.send(.GET, "/v1/similar?item=2571&k=7", specPath: "/v1/similar")
      XCTAssertEqual(similar.status, 200, similar.text)
      assertSame(items(similar), model.similarItems(to: Int(index("2571")), k: 7))
      XCTAssertFalse(items(similar).contains { $0.item == "2571" })

      for path in ["/healthz", "/readyz"] {
        let s = try await h.send(.GET, path, specPath: path)
        XCTAssertEqual(s.status, 200)
      }
      let ready = try await h.send(.GET, "/readyz")
      XCTAssertEqual(ready.object["model_version"] as? String, h.server.store.model.version)
    }
  }

  /// With the index at a high ef the service returns what the exact path
  /// returns (the prior included); a prior the index was not built for
  /// falls back to the exact path.
  func testHNSWAtHighEfMatchesExact() async throws {
    try await withServer({ $0.indexPath = ServerFixture.files.ialsIndex; $0.ef = 400 }) { h in
      var same = 0, total = 0
      for user in ["1", "7", "42", "99", "200", "314", "500", "610"] {
        let r = try await h.post("/v1/recommend", #"{"user": "\#(user)", "k": 10}"#)
        XCTAssertEqual(r.object["retrieval"] as? String, "hnsw")
        let u = Int(model.userIds.index(of: user)!)
        let exact = Set(model.recommend(user: u, k: 10, excluding: model.seenItems(ofUser: u)!).map { name($0.item) })
        same += items(r).filter { exact.contains($0.item) }.count
        total += 10
      }
      XCTAssertGreaterThanOrEqual(Double(same) / Double(total), 0.99, "HNSW recall@10 at ef 400")
      let prior = try await h.post("/v1/recommend", #"{"user": "1", "k": 10, "prior_exponent": 1}"#)
      XCTAssertEqual(prior.object["retrieval"] as? String, "exact")
    }
  }

  /// The schema check itself fails on what it must catch.
  func testSchemaCheckCatchesUndocumentedMissingAndWrongFields() throws {
    let spec = try OpenAPISpec()
    let schema = try spec.responseSchema("POST", "/v1/recommend", 200)
    let good: [String: Any] = ["items": [["item": "1", "score": 0.5]], "model_version": "v", "source": "model",
                               "retrieval": "exact", "ignored_items": 0]
    XCTAssertEqual(try spec.violations(good, schema), [])
    var bad = good
    bad["extra"] = 1
    bad["source"] = "guess"
    bad["items"] = [["item": 3]]
    bad.removeValue(forKey: "model_version")
    XCTAssertEqual(Set(try spec.violations(bad, schema)), [
      "$.extra: not documented", "$.source: guess is not one of [\"model\", \"events\", \"history\", \"popular\", \"pending\"]",
      "$.items[0].item: expected a string", "$.items[0].score: required, missing", "$.model_version: required, missing",
    ])
  }

  func testMetricsCountRequestsByRouteAndStatus() async throws {
    try await withServer { h in
      _ = try await h.post("/v1/recommend", #"{"user": "1"}"#)
      _ = try await h.post("/v1/recommend", #"{"user": "nobody"}"#)
      _ = try await h.send(.GET, "/nowhere")
      let m = try await h.send(.GET, "/metrics")
      XCTAssertEqual(m.status, 200)
      XCTAssertTrue(m.headers["content-type"].first?.hasPrefix("text/plain") ?? false)
      for line in [
        #"gramian_http_requests_total{route="/v1/recommend",method="POST",status="200"} 1"#,
        #"gramian_http_requests_total{route="/v1/recommend",method="POST",status="404"} 1"#,
        #"gramian_http_errors_total{route="/v1/recommend",code="unknown_user"} 1"#,
        #"gramian_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
        #"gramian_model_info{version="\#(h.server.store.model.version)"} 1"#,
        "gramian_index_enabled 0",
      ] {
        XCTAssertTrue(m.text.contains(line), "missing \(line) in\n\(m.text)")
      }
      XCTAssertTrue(m.text.contains(#"gramian_http_request_duration_seconds_count{route="/v1/recommend"} 2"#), m.text)
    }
  }
}
