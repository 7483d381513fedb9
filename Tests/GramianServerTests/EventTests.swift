import Foundation
import Gramian
import GramianServer
import GramianTestSupport
import XCTest

/// Posted events: excluded at once, folded into the user's vector on the
/// next request (realtime) or by the background pass (scheduled), stored
/// before the reply and replayed at start-up.
final class EventTests: XCTestCase {
  let model = try! IALSModel.load(from: ServerFixture.files.ials)

  /// What the service must answer for `user` after `events`: the fold-in of
  /// training items plus events, without any of them.
  func expected(user: String, events: [String], k: Int) throws -> [String] {
    let u = Int(model.userIds.index(of: user)!)
    var history = Array(model.seenItems(ofUser: u)!)
    for e in events { if let i = model.itemIds.index(of: e), !history.contains(i) { history.append(i) } }
    let v = try model.foldIn(history: history, weights: nil)
    return try model.recommend(vector: v, k: k, excluding: history).map { model.itemIds.name(of: $0.item) }
  }

  func testRealtimeRefreshFoldsEventsInOnTheNextRequest() async throws {
    try await withServer { h in
      let before = try await h.post("/v1/recommend", #"{"user": "1", "k": 10}"#)
      let top = items(before).map(\.item)
      let posted = Array(top.prefix(3)) + ["a-new-item"]
      let e = try await h.post("/v1/users/1/events", jsonString(["items": posted]), specPath: "/v1/users/{id}/events")
      XCTAssertEqual(e.status, 200, e.text)
      XCTAssertEqual(e.object["accepted"] as? Int, 4)
      XCTAssertEqual(e.object["unknown_items"] as? Int, 1)
      let after = try await h.post("/v1/recommend", #"{"user": "1", "k": 10}"#)
      XCTAssertEqual(after.object["source"] as? String, "events")
      XCTAssertEqual(items(after).map(\.item), try expected(user: "1", events: posted, k: 10))
      XCTAssertTrue(Set(items(after).map(\.item)).isDisjoint(with: posted))
      let state = try await h.send(.GET, "/v1/users/1", specPath: "/v1/users/{id}")
      XCTAssertEqual(state.object["events"] as? Int, 4)
      XCTAssertEqual(state.object["pending_events"] as? Int, 0)
      XCTAssertEqual(state.object["in_model"] as? Bool, true)
      // A user the model never saw becomes known through events alone.
      _ = try await h.post("/v1/users/newcomer/events", #"{"items": ["1", "50", "296"]}"#, specPath: "/v1/users/{id}/events")
      let fresh = try await h.post("/v1/recommend", #"{"user": "newcomer", "k": 5}"#)
      XCTAssertEqual(fresh.status, 200, fresh.text)
      let folded = try model.recommend(history: ["1", "50", "296"].map { model.itemIds.index(of: $0)! }, k: 5)
      XCTAssertEqual(items(fresh).map(\.item), folded.map { model.itemIds.name(of: $0.item) })
      // Path ids are percent-decoded: the same user as in a JSON body.
      _ = try await h.post("/v1/users/new%20comer%2F2/events", #"{"items": ["1", "50"]}"#)
      let spaced = try await h.post("/v1/recommend", #"{"user": "new comer/2", "k": 5}"#)
      XCTAssertEqual(spaced.status, 200, spaced.text)
      XCTAssertEqual(spaced.object["source"] as? String, "events")
      let viaPath = try await h.send(.GET, "/v1/users/new%20comer%2F2", specPath: "/v1/users/{id}")
      XCTAssertEqual(viaPath.object["user"] as? String, "new comer/2")
      // Scores use the refreshed vector too.
      let score = try await h.post("/v1/score", #"{"pairs": [["newcomer", "2571"]]}"#)
      let v = try model.foldIn(history: ["1", "50", "296"].map { model.itemIds.index(of: $0)! }, weights: nil)
      let s = try XCTUnwrap((score.object["scores"] as? [NSNumber])?.first).floatValue
      XCTAssertEqual(s, model.score(vector: v, item: Int(model.itemIds.index(of: "2571")!)), accuracy: 1e-5)
    }
  }

  func testScheduledRefreshExcludesAtOnceAndFoldsLater() async throws {
    try await withServer({ $0.userRefresh = .every(.milliseconds(300)) }) { h in
      let before = try await h.post("/v1/recommend", #"{"user": "42", "k": 10}"#)
      let posted = Array(items(before).map(\.item).prefix(2))
      _ = try await h.post("/v1/users/42/events", jsonString(["items": posted]))
      let soon = try await h.post("/v1/recommend", #"{"user": "42", "k": 10}"#)
      XCTAssertTrue(Set(items(soon).map(\.item)).isDisjoint(with: posted), "events are excluded before any refresh")
      var state = try await h.send(.GET, "/v1/users/42", specPath: "/v1/users/{id}")
      if state.object["pending_events"] as? Int == 2 {
        XCTAssertEqual(soon.object["source"] as? String, "model", "the stale vector serves until the refresh")
      }
      // Within a few intervals the background pass has folded them in.
      var waited = 0
      repeat {
        try await Task.sleep(for: .milliseconds(100))
        waited += 1
        state = try await h.send(.GET, "/v1/users/42")
      } while state.object["pending_events"] as? Int != 0 && waited < 50
      XCTAssertEqual(state.object["pending_events"] as? Int, 0, state.text)
      let later = try await h.post("/v1/recommend", #"{"user": "42", "k": 10}"#)
      XCTAssertEqual(later.object["source"] as? String, "events")
      XCTAssertEqual(items(later).map(\.item), try expected(user: "42", events: posted, k: 10))
      let metrics = try await h.send(.GET, "/metrics")
      XCTAssertTrue(metrics.text.contains("gramian_user_refresh_lag_seconds_count 1"), metrics.text)
    }
  }

  /// Events survive a restart (replayed from the database) and a model
  /// reload (folded in against the new model).
  func testEventsAreReplayedAtStartUp() async throws {
    let state = TemporaryFolder(self).path("state")
    try await withServer(state: state) { h in
      _ = try await h.post("/v1/users/7/events", #"{"items": ["1", "2", "3"]}"#)
      _ = try await h.post("/v1/users/7/events", #"{"items": ["4"]}"#)
    }
    XCTAssertEqual(try EventStore(directory: state).all().map(\.item), ["1", "2", "3", "4"])
    try await withServer(state: state) { h in
      let s = try await h.send(.GET, "/v1/users/7")
      XCTAssertEqual(s.object["events"] as? Int, 4)
      let r = try await h.post("/v1/recommend", #"{"user": "7", "k": 10}"#)
      XCTAssertEqual(items(r).map(\.item), try expected(user: "7", events: ["1", "2", "3", "4"], k: 10))
    }
  }
}
