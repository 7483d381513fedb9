import GramianTestSupport
import Foundation
import InteractionData
import XCTest

final class InteractionCacheTests: XCTestCase {
  private func sample(timestamps: Bool) -> Interactions {
    let n = 1000
    var rng = SystemRandomNumberGenerator()
    return Interactions(
      users: (0..<n).map { _ in Int32.random(in: 0..<50, using: &rng) },
      items: (0..<n).map { _ in Int32.random(in: 0..<70, using: &rng) },
      weights: (0..<n).map { _ in Float.random(in: 0..<5, using: &rng) },
      timestamps: timestamps ? (0..<n).map { Int64($0) * 1_000_000_007 } : nil,
      userIds: IdMap(names: (0..<50).map { "user-\($0)-é" }), itemIds: IdMap(names: (0..<70).map { String($0 * 3) }))
  }

  func testRoundTrip() throws {
    let dir = TemporaryFolder(self)
    for ts in [true, false] {
      let x = sample(timestamps: ts)
      try InteractionCache.write(x, to: dir.path("c.bin"))
      XCTAssertEqual(try InteractionCache.read(dir.path("c.bin")), x)
    }
    let empty = Interactions(users: [], items: [], weights: [], userIds: IdMap(), itemIds: IdMap())
    try InteractionCache.write(empty, to: dir.path("e.bin"))
    XCTAssertEqual(try InteractionCache.read(dir.path("e.bin")), empty)
  }

  private func cacheError(_ path: String) -> DataError? {
    do {
      _ = try InteractionCache.read(path)
      XCTFail("expected a DataError")
      return nil
    } catch { return error }
  }

  func testTruncatedCorruptAndWrongVersion() throws {
    let dir = TemporaryFolder(self)
    try InteractionCache.write(sample(timestamps: true), to: dir.path("c.bin"))
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("c.bin")))

    let truncated = dir.file("t.bin", bytes: Array(good.dropLast(100)))
    let t = try XCTUnwrap(cacheError(truncated))
    XCTAssertEqual(t.kind, .corrupt)
    XCTAssertTrue(t.message.contains("truncated"), t.message)

    let shortHeader = dir.file("h.bin", bytes: Array(good.prefix(30)))
    XCTAssertEqual(try XCTUnwrap(cacheError(shortHeader)).kind, .corrupt)

    var flipped = good
    flipped[good.count / 2] ^= 0x10
    let c = try XCTUnwrap(cacheError(dir.file("f.bin", bytes: flipped)))
    XCTAssertEqual(c.kind, .corrupt)
    XCTAssertTrue(c.message.contains("checksum"), c.message)
    XCTAssertTrue(c.hint?.description.contains("rebuild") ?? false)

    var version = good
    version[8] = 99
    let v = try XCTUnwrap(cacheError(dir.file("v.bin", bytes: version)))
    XCTAssertEqual(v.kind, .badFormat)
    XCTAssertTrue(v.message.contains("version 99"), v.message)

    let text = try XCTUnwrap(cacheError(dir.file("r.csv", "1,2,3\n")))
    XCTAssertEqual(text.kind, .badFormat)
    XCTAssertEqual(try XCTUnwrap(cacheError(dir.path("missing.bin"))).kind, .missingFile)
  }
}
