import XCTest

@testable import InteractionData

/// The interner against a plain dictionary: ids of every route (dense and
/// sparse decimal ids, non-canonical and non-numeric ones) get the index of
/// their first appearance, whatever order they come in, and the flat array
/// for decimal ids stays within its density bound.
final class IdInternerTests: XCTestCase {
  private func intern(_ interner: inout IdInterner, _ id: String) -> Int32 {
    var bytes = Array(id.utf8)
    return bytes.withUnsafeMutableBufferPointer { interner.intern(UnsafePointer($0.baseAddress!), $0.count) }
  }

  /// Replays `ids` through a fresh interner and through a dictionary that
  /// numbers names by first appearance; both must agree on every lookup.
  private func check(_ ids: [String], seed: IdMap = IdMap(), file: StaticString = #filePath, line: UInt = #line) {
    var interner = IdInterner(map: seed, addNewIds: true)
    var reference: [String: Int32] = [:]
    for (i, name) in seed.names.enumerated() { reference[name] = Int32(i) }
    for id in ids {
      let expected = reference[id] ?? { let n = Int32(reference.count); reference[id] = n; return n }()
      XCTAssertEqual(intern(&interner, id), expected, "id \(id)", file: file, line: line)
    }
    XCTAssertEqual(interner.map.count, reference.count, file: file, line: line)
    for (name, i) in reference { XCTAssertEqual(interner.map.name(of: i), name, file: file, line: line) }
    let bound = IdInterner.smallSlack + IdInterner.slotsPerId * (reference.count + 1)
    XCTAssertLessThanOrEqual(interner.flatSlots, max(1024, bound), file: file, line: line)
  }

  func testAOneLineFileWithAHugeIdDoesNotFillTheFlatArray() {
    var interner = IdInterner(map: IdMap(), addNewIds: true)
    XCTAssertEqual(intern(&interner, "16777215"), 0)
    XCTAssertEqual(intern(&interner, "16777215"), 0)
    XCTAssertEqual(intern(&interner, "7"), 1)
    XCTAssertLessThanOrEqual(interner.flatSlots, 1024, "one huge id must not allocate 2^24 slots")
  }

  /// Sparse ids seen first move into the flat array once enough ids make it
  /// grow past them, and keep their indices.
  func testSparseIdsKeepTheirIndexWhenTheArrayGrowsPastThem() {
    let early = ["500000", "70000", "1048576", "x", "007", "65536"]
    let dense = (0..<40_000).map { String($0 * 3) }  // 0 ... 119,997: grows the array past 70000
    check(early + dense + early + dense.reversed() + ["500000", "1048576"])
  }

  func testRandomMixesAgreeWithADictionary() {
    var g = SystemRandomNumberGenerator()
    for round in 0..<20 {
      var ids: [String] = []
      let n = Int.random(in: 1...5_000, using: &g)
      for _ in 0..<n {
        switch Int.random(in: 0..<10, using: &g) {
        case 0: ids.append(String(Int.random(in: 0..<(1 << 24), using: &g)))  // sparse decimal
        case 1: ids.append(String(Int.random(in: (1 << 24)..<(1 << 30), using: &g)))  // too big for the array
        case 2: ids.append("0" + String(Int.random(in: 0..<100, using: &g)))  // not canonical
        case 3: ids.append("u" + String(Int.random(in: 0..<300, using: &g)))
        default: ids.append(String(Int.random(in: 0..<(round % 2 == 0 ? 2_000 : 200_000), using: &g)))
        }
      }
      check(ids + ids.shuffled())
    }
  }

  /// An interner seeded from an existing map (reading a test file against the
  /// training ids) finds the seeded ids, sparse ones included.
  func testSeededMapsFindTheirIds() {
    let seed = IdMap(names: ["3", "9000000", "abc", "12", "400000"])
    check(["9000000", "12", "5", "400000", "abc", "16000000", "3"], seed: seed)
    var lookupOnly = IdInterner(map: seed, addNewIds: false)
    XCTAssertEqual(intern(&lookupOnly, "9000000"), 1)
    XCTAssertEqual(intern(&lookupOnly, "400000"), 4)
    XCTAssertEqual(intern(&lookupOnly, "400001"), IdInterner.unknown)
  }
}
