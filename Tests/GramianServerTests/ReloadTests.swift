import Foundation
import Gramian
import GramianServer
import GramianTestSupport
import XCTest

/// Hot reload: a new model is loaded beside the old and swapped atomically;
/// requests in flight finish on the old one; a bad file leaves the old one
/// serving.
final class ReloadTests: XCTestCase {
  /// A model file of our own to replace (renamed into place, as a fit writes it).
  func servedCopy(_ folder: TemporaryFolder) throws -> String {
    let path = folder.path("served.gramian")
    try FileManager.default.copyItem(atPath: ServerFixture.files.ials, toPath: path)
    return path
  }

  func replace(_ path: String, with source: String) throws {
    let temp = path + ".incoming"
    try? FileManager.default.removeItem(atPath: temp)
    try FileManager.default.copyItem(atPath: source, toPath: temp)
    _ = rename(temp, path)
  }

  func testReloadUnderLoadFailsNoRequest() async throws {
    let folder = TemporaryFolder(self)
    let path = try servedCopy(folder)
    try await withServer(model: path) { h in
      let oldVersion = h.server.store.model.version
      let deadline = Date().addingTimeInterval(2.0)
      let results = try await withThrowingTaskGroup(of: (failures: Int, versions: [String]).self) { group in
        for worker in 0..<4 {
          group.addTask {
            var failures = 0, versions: [String] = []
            let users = ["1", "42", "99", "610"]
            var j = 0
            while Date() < deadline {
              let r = try await h.post("/v1/recommend", #"{"user": "\#(users[(worker + j) % 4])", "k": 10}"#, specPath: "")
              j += 1
              if r.status != 200 { failures += 1 }
              if let v = r.object["model_version"] as? String, versions.last != v { versions.append(v) }
            }
            return (failures, versions)
          }
        }
        try await Task.sleep(for: .milliseconds(500))
        try replace(path, with: ServerFixture.files.otherIALS)
        let reload = try await h.post("/admin/reload", "", specPath: "/admin/reload")
        XCTAssertEqual(reload.status, 200, reload.text)
        XCTAssertEqual(reload.object["changed"] as? Bool, true)
        XCTAssertEqual(reload.object["previous_version"] as? String, oldVersion)
        var all: [(failures: Int, versions: [String])] = []
        for try await r in group { all.append(r) }
        return all
      }
      let newVersion = h.server.store.model.version
      XCTAssertNotEqual(newVersion, oldVersion)
      XCTAssertEqual(results.map(\.failures), [0, 0, 0, 0], "no request fails during a reload")
      for r in results {
        // Each worker saw the old version, then the new one, never back.
        XCTAssertEqual(r.versions, [oldVersion, newVersion], "\(r.versions)")
      }
      // The new model answers: the other model's own recommendations.
      let other = try IALSModel.load(from: ServerFixture.files.otherIALS)
      let u = Int(other.userIds.index(of: "1")!)
      let r = try await h.post("/v1/recommend", #"{"user": "1", "k": 5}"#)
      XCTAssertEqual(items(r).map(\.item),
                     other.recommend(user: u, k: 5, excluding: other.seenItems(ofUser: u)!).map { other.itemIds.name(of: $0.item) })
    }
  }

  func testABadFileLeavesTheOldModelServing() async throws {
    let folder = TemporaryFolder(self)
    let path = try servedCopy(folder)
    try await withServer(model: path) { h in
      let version = h.server.store.model.version
      var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      bytes[bytes.count / 2] ^= 0xFF  // checksum no longer matches
      try Data(bytes).write(to: URL(fileURLWithPath: path + ".bad"))
      _ = rename(path + ".bad", path)
      let reload = try await h.post("/admin/reload", "", specPath: "/admin/reload")
      XCTAssertEqual(reload.status, 422, reload.text)
      XCTAssertEqual(reload.errorCode, "reload_failed")
      XCTAssertTrue(reload.text.contains("checksum"), reload.text)
      let r = try await h.post("/v1/recommend", #"{"user": "1", "k": 5}"#)
      XCTAssertEqual(r.status, 200)
      XCTAssertEqual(r.object["model_version"] as? String, version)
      let metrics = try await h.send(.GET, "/metrics")
      XCTAssertTrue(metrics.text.contains(#"gramian_model_reloads_total{result="failure"} 1"#), metrics.text)
    }
  }

  func testWatchReloadsWhenTheFileChanges() async throws {
    let folder = TemporaryFolder(self)
    let path = try servedCopy(folder)
    try await withServer({ $0.watchInterval = .milliseconds(100) }, model: path) { h in
      let version = h.server.store.model.version
      try await Task.sleep(for: .milliseconds(250))
      try replace(path, with: ServerFixture.files.otherIALS)
      var current = version
      for _ in 0..<50 where current == version {
        try await Task.sleep(for: .milliseconds(100))
        current = (try await h.send(.GET, "/readyz")).object["model_version"] as? String ?? version
      }
      XCTAssertNotEqual(current, version, "the watched file was reloaded")
      XCTAssertEqual(current, try ServedModel(path: ServerFixture.files.otherIALS, indexPath: nil, ef: 10).version)
    }
  }
}
