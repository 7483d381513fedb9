import Evaluation
import Foundation
import GramianTestSupport
import InteractionData
import XCTest

/// Recall by popularity bucket and mean log-popularity on a hand-computed fixture.
final class PopularityBucketsTests: XCTestCase {
  // Training counts: item 0: 3 users, item 1: 2, item 2: 1, item 3: 0 (6 pairs).
  let train = InteractionMatrix(userCount: 3, itemCount: 4, users: [0, 0, 1, 1, 2, 2], items: [0, 1, 0, 1, 0, 2],
                                weights: [1, 1, 1, 1, 1, 1])
  let test = InteractionMatrix(userCount: 3, itemCount: 4, users: [0, 0, 1, 2, 2], items: [2, 3, 2, 1, 3],
                               weights: [1, 1, 1, 1, 1])
  // After excluding training items every user's best item is 3.
  let scorer = TableScorer(table: [[9, 9, 0.5, 0.9], [9, 9, 0.1, 0.8], [9, 0.2, 9, 0.7]])

  func testTwoBucketsByHand() {
    var options = EvaluationOptions()
    options.ks = [1]
    options.threads = 1
    options.popularityBuckets = 2
    let r = Evaluator.evaluate(scorer, train: train, test: test, options: options)
    // Ranked by count: item 3 (0), item 2 (1) -> bucket 1; item 1 (2), item 0 (3) -> bucket 2.
    // Test pairs: (0,2) miss, (0,3) hit, (1,2) miss, (2,3) hit in bucket 1; (2,1) miss in bucket 2.
    let b = try! XCTUnwrap(r.popularityBuckets)
    XCTAssertEqual(b, [
      PopularityBucketRecall(bucket: 1, items: 2, minCount: 0, maxCount: 1, testPairs: 4, hits: 2, cutoff: 1, recall: 0.5),
      PopularityBucketRecall(bucket: 2, items: 2, minCount: 2, maxCount: 3, testPairs: 1, hits: 0, cutoff: 1, recall: 0),
    ])
    // Every top-1 is item 3, count 0 -> floor 0.5: log(0.5 / 6).
    assertClose(r.metrics["mean_log_popularity@1"]!, log(0.5 / 6), relative: 1e-6)
    // Hits in bucket 1 and 2 add up to the overall hit count (hr@1 summed over users: users 0 and 2).
    XCTAssertEqual(b.reduce(0) { $0 + $1.hits }, 2)
  }

  func testOffByDefaultAndBucketSizesDifferByAtMostOne() {
    var options = EvaluationOptions()
    options.ks = [2]
    XCTAssertNil(Evaluator.evaluate(scorer, train: train, test: test, options: options).popularityBuckets)
    options.popularityBuckets = 3
    let b = Evaluator.evaluate(scorer, train: train, test: test, options: options).popularityBuckets!
    XCTAssertEqual(b.map(\.items), [2, 1, 1])
    XCTAssertEqual(b.reduce(0) { $0 + $1.testPairs }, test.nnz)
    // Top-2 of every user holds both its candidates: every test pair is a hit.
    XCTAssertEqual(b.reduce(0) { $0 + $1.hits }, test.nnz)
  }
}
