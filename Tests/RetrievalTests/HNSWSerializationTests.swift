import Foundation
import InteractionData
import LinearAlgebra
@testable import Retrieval
import XCTest

final class HNSWSerializationTests: XCTestCase {
  var folder: String!

  override func setUpWithError() throws {
    folder = NSTemporaryDirectory() + "hnsw-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

  func testRoundTripGivesIdenticalIndexAndResults() throws {
    for metric in HNSWIndex.Metric.allCases {
      let items = TestData.clustered(rows: 400, columns: 10, clusters: 8, seed: 3)
      let index = try HNSWIndex(vectors: items, configuration: .init(M: 6, efConstruction: 40, metric: metric, seed: 42), threads: 2)
      let path = folder + "/\(metric).hnsw"
      try index.write(to: path)
      let loaded = try HNSWIndex(contentsOf: path, checkInvariants: true)
      XCTAssertEqual(loaded.encoded(), index.encoded())
      XCTAssertEqual(loaded.configuration.metric, metric)
      XCTAssertEqual(loaded.configuration.seed, 42)
      let queries = TestData.gaussian(rows: 20, columns: 10, seed: 8)
      for r in 0..<queries.rows {
        let a = index.search(queries.row(r), k: 10, ef: 30), b = loaded.search(queries.row(r), k: 10, ef: 30)
        XCTAssertEqual(a.map(\.item), b.map(\.item))
        XCTAssertEqual(a.map(\.score), b.map(\.score))
      }
      // The loaded index keeps growing like the original.
      var grown = loaded
      try grown.add(TestData.gaussian(rows: 30, columns: 10, seed: 9))
      XCTAssertEqual(grown.count, 430)
      XCTAssertEqual(loaded.count, 400, "copy on write")
      XCTAssertEqual(grown.invariantViolations(), [])
    }
  }

  func testEmptyIndexRoundTrips() throws {
    let path = folder + "/empty.hnsw"
    try HNSWIndex(dimension: 3).write(to: path)
    let loaded = try HNSWIndex(contentsOf: path)
    XCTAssertEqual(loaded.count, 0)
    XCTAssertEqual(loaded.search([1, 2, 3], k: 5, ef: 10).count, 0)
  }

  func testTruncatedCorruptAndForeignFilesGiveClearErrors() throws {
    let index = try HNSWIndex(vectors: TestData.gaussian(rows: 100, columns: 4, seed: 1), configuration: .init(M: 4, efConstruction: 20))
    let bytes = index.encoded()
    let path = folder + "/x.hnsw"
    func load(_ data: Data) -> DataError? {
      try! data.write(to: URL(fileURLWithPath: path))
      do { _ = try HNSWIndex(contentsOf: path); return nil } catch { return error }
    }
    for cut in [0, 7, 50, bytes.count / 2, bytes.count - 1] {
      let error = load(bytes.prefix(cut))
      XCTAssertNotNil(error, "cut at \(cut)")
      XCTAssertEqual(error?.file, path)
      if cut >= 96 { XCTAssertTrue(error!.message.contains("truncated"), error!.message) }
    }
    var flipped = bytes
    flipped[200] ^= 0x10
    XCTAssertTrue(load(flipped)!.message.contains("checksum"))
    var version = bytes
    version[8] = 9
    XCTAssertTrue(load(version)!.message.contains("format version 9"))
    XCTAssertTrue(load(Data("user item\n".utf8))!.message.contains("not a Gramian HNSW index"))
    XCTAssertEqual(try? HNSWIndex(contentsOf: folder + "/missing.hnsw").count, nil)
    // Atomic write: no temporary files are left behind.
    try index.write(to: path)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["x.hnsw"])
  }
}
