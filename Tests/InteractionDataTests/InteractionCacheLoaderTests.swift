import GramianTestSupport
import Foundation
import XCTest

@testable import InteractionData

/// The parallel, block-by-block loader of format version 2: large caches
/// (many 256 KiB blocks, two threads), and damaged files whose checksum was
/// recomputed, so only the loader's own range and name checks can catch them.
final class InteractionCacheLoaderTests: XCTestCase {
  /// `n` events over `users` x `items`, deterministic.
  private func events(_ n: Int, users: Int, items: Int, timestamps: Bool) -> Interactions {
    var rng = SystemRandomNumberGenerator()
    return Interactions(
      users: (0..<n).map { _ in Int32.random(in: 0..<Int32(users), using: &rng) },
      items: (0..<n).map { _ in Int32.random(in: 0..<Int32(items), using: &rng) },
      weights: (0..<n).map { Float($0 % 97) * 0.5 },
      timestamps: timestamps ? (0..<n).map { 1_000_000_000 + Int64($0) * 7 } : nil,
      userIds: IdMap(names: (0..<users).map { "u\($0)" }), itemIds: IdMap(names: (0..<items).map { "i\($0)" }))
  }

  private func loadError(_ bytes: [UInt8], _ dir: TemporaryFolder, _ name: String) -> DataError? {
    do {
      _ = try InteractionCache.read(dir.file(name, bytes: bytes))
      XCTFail("expected a DataError")
      return nil
    } catch { return error }
  }

  /// `bytes` with the header checksum recomputed by the sequential
  /// reference (``CacheChecksum/update(_:)`` over each whole section).
  private func resealed(_ bytes: [UInt8]) -> [UInt8] {
    let h = CacheHeader(decoding: Array(bytes.prefix(CacheHeader.size)))
    let n = Int(h.events)
    let sizes = [4 * n, 4 * n, 4 * n, h.hasTimestamps ? 8 * n : 0, 8 * Int(h.users), Int(h.userNameBytes), 8 * Int(h.items), Int(h.itemNameBytes)]
    var sum = CacheChecksum()
    var at = CacheHeader.size
    bytes.withUnsafeBytes { b in
      for size in sizes {
        sum.update(UnsafeRawBufferPointer(rebasing: b[at..<at + size]))
        at += size
      }
    }
    var out = bytes
    withUnsafeBytes(of: sum.value.littleEndian) { out.replaceSubrange(56..<64, with: $0) }
    return out
  }

  func testLargeCacheRoundTripsOverManyBlocks() throws {
    let dir = TemporaryFolder(self)
    for ts in [true, false] {
      // 120K events: two 256 KiB blocks per Int32 section, read on two threads.
      let x = events(120_000, users: 3000, items: 900, timestamps: ts)
      try InteractionCache.write(x, to: dir.path("big.bin"))
      XCTAssertEqual(try InteractionCache.read(dir.path("big.bin")), x)
    }
  }

  func testDamageInAnyBlockIsCaught() throws {
    let dir = TemporaryFolder(self)
    try InteractionCache.write(events(120_000, users: 500, items: 400, timestamps: true), to: dir.path("c.bin"))
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("c.bin")))
    XCTAssertEqual(resealed(good), good, "the parallel block checksum equals the sequential reference")
    for position in [CacheHeader.size, CacheHeader.size + 120_000 * 4 + 262_144 + 5, good.count - 1] {
      var bad = good
      bad[position] ^= 0x01
      let e = try XCTUnwrap(loadError(bad, dir, "f\(position).bin"))
      XCTAssertEqual(e.kind, .corrupt)
      XCTAssertTrue(e.message.contains("checksum"), e.message)
    }
  }

  func testIndexPastTheIdMapIsCaughtEvenWithAValidChecksum() throws {
    let dir = TemporaryFolder(self)
    let x = events(120_000, users: 500, items: 400, timestamps: false)
    try InteractionCache.write(x, to: dir.path("c.bin"))
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("c.bin")))
    for (offset, value) in [(CacheHeader.size + 4 * 119_999, Int32(500)), (CacheHeader.size + 4 * 120_000 + 4 * 77_777, Int32(-1))] {
      var bad = good
      withUnsafeBytes(of: value.littleEndian) { bad.replaceSubrange(offset..<offset + 4, with: $0) }
      let e = try XCTUnwrap(loadError(resealed(bad), dir, "r\(offset).bin"))
      XCTAssertEqual(e.kind, .corrupt)
      XCTAssertTrue(e.message.contains("index past the id maps"), e.message)
    }
  }

  func testBadNamesAreCaughtEvenWithAValidChecksum() throws {
    let dir = TemporaryFolder(self)
    let x = Interactions(
      users: [0, 1], items: [0, 1], weights: [1, 1], userIds: IdMap(names: ["ab", "cd"]), itemIds: IdMap(names: ["x", "y"]))
    try InteractionCache.write(x, to: dir.path("c.bin"))
    let good = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("c.bin")))
    let userBytes = CacheHeader.size + 3 * 4 * 2 + 8 * 2  // "abcd"
    var repeated = good
    repeated.replaceSubrange(userBytes..<userBytes + 4, with: Array("abab".utf8))
    let r = try XCTUnwrap(loadError(resealed(repeated), dir, "dup.bin"))
    XCTAssertTrue(r.message.contains("user ids repeat"), r.message)
    var invalid = good
    invalid[userBytes + 2] = 0xFF
    let u = try XCTUnwrap(loadError(resealed(invalid), dir, "utf8.bin"))
    XCTAssertTrue(u.message.contains("not valid UTF-8"), u.message)
  }

  func testVersionOneCachesAskForARebuild() throws {
    let dir = TemporaryFolder(self)
    try InteractionCache.write(events(10, users: 3, items: 3, timestamps: true), to: dir.path("c.bin"))
    var old = try [UInt8](Data(contentsOf: dir.url.appendingPathComponent("c.bin")))
    old[8] = 1
    let e = try XCTUnwrap(loadError(old, dir, "v1.bin"))
    XCTAssertEqual(e.kind, .badFormat)
    XCTAssertTrue(e.message.contains("version 1; this build reads version 2"), e.message)
    XCTAssertTrue(e.hint?.description.contains("rebuild") ?? false)
  }
}
