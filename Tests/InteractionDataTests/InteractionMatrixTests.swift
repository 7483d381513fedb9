import GramianTestSupport
import InteractionData
import XCTest

final class InteractionMatrixTests: XCTestCase {
  /// A hand-built 3 x 4 fixture with a duplicate pair, under each policy.
  func testCSRAndCSCWithDuplicates() {
    let users: [Int32] = [0, 2, 0, 1, 0, 2]
    let items: [Int32] = [3, 0, 1, 1, 3, 2]
    let weights: [Float] = [1, 2, 3, 4, 5, 6]
    let sum = InteractionMatrix(userCount: 3, itemCount: 4, users: users, items: items, weights: weights, duplicates: .sum)
    XCTAssertEqual(sum.userOffsets, [0, 2, 3, 5])
    XCTAssertEqual(sum.userItems, [1, 3, 1, 0, 2])
    XCTAssertEqual(sum.userWeights, [3, 6, 4, 2, 6])
    XCTAssertEqual(sum.duplicatesMerged, 1)
    XCTAssertEqual(sum.itemOffsets, [0, 1, 3, 4, 5])
    XCTAssertEqual(sum.itemUsers, [2, 0, 1, 2, 0])
    XCTAssertEqual(sum.itemWeights, [2, 3, 4, 6, 6])
    XCTAssertEqual(sum.itemDegrees, [1, 2, 1, 1])
    let mx = InteractionMatrix(userCount: 3, itemCount: 4, users: users, items: items, weights: weights, duplicates: .max)
    XCTAssertEqual(mx.userWeights, [3, 5, 4, 2, 6])
    let last = InteractionMatrix(userCount: 3, itemCount: 4, users: users.reversed(), items: items.reversed(), weights: weights.reversed(), duplicates: .last)
    XCTAssertEqual(last.weights(ofUser: 0), [3, 1])
    XCTAssertTrue(sum.contains(user: 0, item: 3))
    XCTAssertFalse(sum.contains(user: 1, item: 3))
    XCTAssertEqual(sum.transposed.transposed, InteractionMatrix(userCount: 3, itemCount: 4, userOffsets: sum.userOffsets, userItems: sum.userItems, userWeights: sum.userWeights))
  }
}
