import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest

/// The splitting protocols, checked on synthetic and hand-built event lists.
final class SplitTests: XCTestCase {
  /// A pair named by its external ids (dense indices may be renumbered).
  struct Pair: Hashable { let user: String, item: String }

  func pairs(_ x: Interactions) -> [Pair] {
    (0..<x.count).map { Pair(user: x.userIds.name(of: x.users[$0]), item: x.itemIds.name(of: x.items[$0])) }
  }

  func data(seed: UInt64 = 3) -> Interactions {
    var c = SyntheticConfig()
    c.users = 200
    c.items = 80
    c.interactions = 4000
    c.seed = seed
    return SyntheticData.generate(c)
  }

  /// Distinct items of each user (by external id).
  func itemsByUser(_ x: Interactions) -> [String: Set<String>] {
    var out: [String: Set<String>] = [:]
    for p in pairs(x) { out[p.user, default: []].insert(p.item) }
    return out
  }

  func assertSharedMaps(_ s: Split, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(s.train.userIds, s.test.userIds, file: file, line: line)
    XCTAssertEqual(s.train.itemIds, s.test.itemIds, file: file, line: line)
    // Every item of the narrowed map has a training event.
    XCTAssertEqual(Set(s.train.items).count, s.train.itemCount, file: file, line: line)
  }

  func testRandomHoldoutFractionsAndNoLeakage() {
    let x = data()
    let s = Splitter.randomHoldout(x, testFraction: 0.25, seed: 1)
    assertSharedMaps(s)
    let train = Set(pairs(s.train)), test = Set(pairs(s.test))
    XCTAssertTrue(train.isDisjoint(with: test), "a pair is in both train and test")
    XCTAssertEqual(s.report.trainEvents + s.report.testEvents + s.report.droppedTestEvents, x.count)
    XCTAssertEqual(s.report.trainEvents, s.train.count)
    XCTAssertEqual(s.report.testEvents, s.test.count)
    XCTAssertNil(s.foldIn)
    // Per user: exactly n - clamp(round(0.25 n), 1, n - 1) pairs stay in train.
    let trainByUser = itemsByUser(s.train)
    for (user, items) in itemsByUser(x) {
      let n = items.count
      let held = n >= 2 ? min(n - 1, max(1, Int((0.25 * Double(n)).rounded()))) : 0
      XCTAssertEqual(trainByUser[user]?.count ?? 0, n - held, user)
    }
    XCTAssertEqual(s.report.heldOutUsers, Set(s.test.users).count)
    XCTAssertGreaterThan(s.test.count, 0)
  }

  func testRandomHoldoutIsSeeded() {
    let x = data()
    let a = Splitter.randomHoldout(x, testFraction: 0.2, seed: 5)
    let b = Splitter.randomHoldout(x, testFraction: 0.2, seed: 5)
    let c = Splitter.randomHoldout(x, testFraction: 0.2, seed: 6)
    XCTAssertEqual(a.train, b.train)
    XCTAssertEqual(a.test, b.test)
    XCTAssertEqual(a.report, b.report)
    XCTAssertNotEqual(Set(pairs(a.test)), Set(pairs(c.test)))
  }

  /// Repeated events of one pair never straddle train and test.
  func testDuplicatePairsMoveTogether() {
    let users = IdMap(names: ["a", "b"]), items = IdMap(names: ["x", "y", "z"])
    // a: x, x, y, z, y ; b: x, y
    let x = Interactions(users: [0, 0, 0, 0, 0, 1, 1], items: [0, 0, 1, 2, 1, 0, 1],
                         weights: [1, 1, 1, 1, 1, 1, 1], userIds: users, itemIds: items)
    for seed in 0..<20 as Range<UInt64> {
      let s = Splitter.randomHoldout(x, testFraction: 0.5, seed: seed)
      XCTAssertTrue(Set(pairs(s.train)).isDisjoint(with: Set(pairs(s.test))))
      XCTAssertEqual(s.train.count + s.test.count + s.report.droppedTestEvents, 7)
    }
  }

  func testLeaveLastOutHoldsOutLatestEvent() {
    let users = IdMap(names: ["a", "b", "c"]), items = IdMap(names: ["p", "q", "r", "s"])
    // a: p@5 q@9 r@9 s@1 -> tie at 9, the later input (r) is the latest.
    // b: q@3 p@2 r@1     -> q.   c: s@4 (one item: stays in train).
    let x = Interactions(
      users: [0, 0, 1, 0, 0, 1, 2, 1], items: [0, 1, 1, 2, 3, 0, 3, 2], weights: [1, 1, 1, 1, 1, 1, 1, 1],
      timestamps: [5, 9, 3, 9, 1, 2, 4, 1], userIds: users, itemIds: items)
    let s = Splitter.leaveLastOut(x)
    XCTAssertEqual(Set(pairs(s.test)), [Pair(user: "a", item: "r"), Pair(user: "b", item: "q")])
    XCTAssertEqual(s.report.droppedTestEvents, 0)
    XCTAssertEqual(s.report.notes, [])
    XCTAssertEqual(s.test.timestamps, [3, 9], "test events keep input order and timestamps")
    XCTAssertEqual(s.report.trainEvents, 6)
    // Without timestamps, the input order decides: a's last event is s, b's is r.
    var untimed = x
    untimed.timestamps = nil
    let t = Splitter.leaveLastOut(untimed)
    XCTAssertEqual(Set(pairs(t.test)), [Pair(user: "a", item: "s"), Pair(user: "b", item: "r")])
    XCTAssertFalse(t.report.notes.isEmpty)
    // An item seen by nobody else cannot be learned: its test event is dropped.
    let lonely = Interactions(users: [0, 0, 1], items: [0, 1, 0], weights: [1, 1, 1],
                              userIds: IdMap(names: ["a", "b"]), itemIds: IdMap(names: ["p", "q"]))
    let l = Splitter.leaveLastOut(lonely)
    XCTAssertEqual(l.report.testEvents, 0)
    XCTAssertEqual(l.report.droppedTestEvents, 1)
    XCTAssertEqual(l.train.itemIds.names, ["p"])
  }

  func testLeaveLastOutOnSyntheticData() {
    let x = data()
    let s = Splitter.leaveLastOut(x)
    // For each user with >= 2 items, the held-out item is the one of the max timestamp.
    var latest: [String: (Int64, String)] = [:]
    for e in 0..<x.count {
      let u = x.userIds.name(of: x.users[e]), t = x.timestamps![e]
      if latest[u].map({ t >= $0.0 }) ?? true { latest[u] = (t, x.itemIds.name(of: x.items[e])) }
    }
    for p in pairs(s.test) { XCTAssertEqual(latest[p.user]?.1, p.item) }
    XCTAssertEqual(s.report.testEvents + s.report.droppedTestEvents, itemsByUser(x).values.filter { $0.count >= 2 }.count)
    XCTAssertTrue(Set(pairs(s.train)).isDisjoint(with: Set(pairs(s.test))))
  }

  func testStrongGeneralization() {
    let x = data()
    let s = Splitter.strongGeneralization(x, heldOutUsers: 40, seed: 2)
    let foldIn = try! XCTUnwrap(s.foldIn)
    XCTAssertEqual(s.report.heldOutUsers, 40)
    XCTAssertEqual(foldIn.userIds, s.train.userIds)
    XCTAssertEqual(foldIn.itemIds, s.train.itemIds)
    let trainUsers = Set(s.train.users), heldOut = Set(foldIn.users).union(s.test.users)
    XCTAssertEqual(heldOut.count, 40)
    XCTAssertTrue(trainUsers.isDisjoint(with: heldOut), "a held-out user has training events")
    XCTAssertEqual(trainUsers.count + 40, x.userCount)
    // Fold-in and test items all occur in train.
    let trainItems = Set(s.train.items)
    XCTAssertTrue(Set(foldIn.items).isSubset(of: trainItems))
    XCTAssertTrue(Set(s.test.items).isSubset(of: trainItems))
    // 80/20 per user, within the dropped events.
    let original = itemsByUser(x), fold = itemsByUser(foldIn), test = itemsByUser(s.test)
    var dropped = 0
    for u in heldOut {
      let name = s.train.userIds.name(of: u)
      let n = original[name]!.count
      let f = fold[name]?.count ?? 0, t = test[name]?.count ?? 0
      XCTAssertTrue((fold[name] ?? []).isDisjoint(with: test[name] ?? []))
      let expectedFold = min(n - 1, max(1, Int((0.8 * Double(n)).rounded())))
      XCTAssertLessThanOrEqual(f, expectedFold)
      XCTAssertLessThanOrEqual(t, n - expectedFold)
      dropped += n - f - t
    }
    XCTAssertEqual(s.report.droppedTestEvents, dropped)
    XCTAssertEqual(s.report.trainEvents + s.report.foldInEvents + s.report.testEvents + dropped, x.count)
    // Seeded.
    let again = Splitter.strongGeneralization(x, heldOutUsers: 40, seed: 2)
    XCTAssertEqual(again.foldIn, s.foldIn)
    XCTAssertEqual(again.test, s.test)
    let other = Splitter.strongGeneralization(x, heldOutUsers: 40, seed: 3)
    XCTAssertNotEqual(Set(other.test.users), Set(s.test.users))
  }

  func testGivenDropsUnknownAndNarrowsMaps() {
    let users = IdMap(names: ["a", "b", "c"]), items = IdMap(names: ["p", "q", "r", "s"])
    // train: a-p, a-q, b-q ; test: a-r (r not in train), b-p, c-p (c not in train), a-q.
    let train = Interactions(users: [0, 0, 1], items: [0, 1, 1], weights: [1, 1, 1], userIds: users, itemIds: items)
    let test = Interactions(users: [0, 1, 2, 0], items: [2, 0, 0, 1], weights: [1, 1, 1, 1], userIds: users, itemIds: items)
    let s = Splitter.given(train: train, test: test)
    XCTAssertEqual(s.report.droppedTestEvents, 2)
    XCTAssertEqual(s.train.userIds.names, ["a", "b"])
    XCTAssertEqual(s.train.itemIds.names, ["p", "q"])
    XCTAssertEqual(Set(pairs(s.test)), [Pair(user: "b", item: "p"), Pair(user: "a", item: "q")])
    XCTAssertEqual(s.report.heldOutUsers, 2)
    // Different maps are matched by name.
    let other = Interactions(users: [0, 1], items: [0, 1], weights: [1, 1],
                             userIds: IdMap(names: ["b", "zz"]), itemIds: IdMap(names: ["p", "q"]))
    let t = Splitter.given(train: train, test: other)
    XCTAssertEqual(Set(pairs(t.test)), [Pair(user: "b", item: "p")])
    XCTAssertEqual(t.report.droppedTestEvents, 1)
  }
}
