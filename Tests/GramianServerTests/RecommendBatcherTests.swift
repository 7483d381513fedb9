import Foundation
import Gramian
@testable import GramianServer
import GramianTestSupport
import XCTest

/// Batched scoring gives each request exactly what it would get alone.
final class RecommendBatcherTests: XCTestCase {
  let model = try! IALSModel.load(from: ServerFixture.files.ials)

  func job(_ user: String, k: Int = 10, filter: ItemFilter? = nil) -> RecommendBatcher.Job {
    let u = Int(model.userIds.index(of: user)!)
    return .init(vector: model.userVector(u), seen: Array(model.seenItems(ofUser: u)!), filter: filter, k: k)
  }

  func direct(_ j: RecommendBatcher.Job) throws -> [(item: Int32, score: Float)] {
    try model.recommend(vector: j.vector, k: j.k, excluding: j.seen, filter: j.filter)
  }

  func assertSame(_ a: [(item: Int32, score: Float)], _ b: [(item: Int32, score: Float)], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.map(\.item), b.map(\.item), file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x.score, y.score, accuracy: 1e-4 * max(1, abs(y.score)), file: file, line: line) }
  }

  func testOneBatchEqualsEachRequestAlone() throws {
    let batcher = RecommendBatcher(model: model, maxBatch: 8)
    let jobs = [job("1"), job("42", k: 3), job("610", k: 50), job("7", filter: .excluding([0, 1, 2])),
                job("99", filter: .only((0..<200).map(Int32.init)))]
    for (got, j) in zip(batcher.score(jobs), jobs) { assertSame(got, try direct(j)) }
  }

  func testConcurrentRequestsAreBatchedAndExact() async throws {
    let batcher = RecommendBatcher(model: model, maxBatch: 16, maxLeaders: 1)
    let users = (1...120).map(String.init).filter { model.userIds.index(of: $0) != nil }
    let jobs = users.map { job($0) }
    let results = await withTaskGroup(of: (Int, [(item: Int32, score: Float)]).self) { group in
      for (i, j) in jobs.enumerated() { group.addTask { (i, await batcher.recommend(j)) } }
      var out = [[(item: Int32, score: Float)]](repeating: [], count: jobs.count)
      for await (i, r) in group { out[i] = r }
      return out
    }
    for (got, j) in zip(results, jobs) { assertSame(got, try direct(j)) }
    let (batches, answered) = batcher.counts
    XCTAssertEqual(answered, jobs.count)
    XCTAssertLessThan(batches, jobs.count, "concurrent requests shared batches")
  }
}
