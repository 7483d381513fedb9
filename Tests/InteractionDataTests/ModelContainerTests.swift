import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

@testable import InteractionData

/// ``ModelContainerReader`` reads back what ``ModelContainerWriter`` wrote
/// (ids with multi-byte and empty names, matrices bit for bit), and every
/// damaged field gets its own error naming the field: a truncated or
/// invalid id, a duplicate, a count beyond the file, a non-finite value at
/// the first or last place, a missing file, a folder.
final class ModelContainerTests: XCTestCase {
  struct Failure: Error, CustomStringConvertible { let description: String }
  static let magic = Array("GRMNTEST".utf8)

  func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.appendingPathComponent(name).path
  }

  func reader(_ path: String) throws -> ModelContainerReader<Failure> {
    try ModelContainerReader(path: path, magic: Self.magic, versions: 1...1, kind: "test") { Failure(description: $0) }
  }

  /// Writes a file whose fields `fill` writes, returns its path.
  func file(_ fill: (inout ModelContainerWriter) -> Void) throws -> String {
    var w = ModelContainerWriter(magic: Self.magic, version: 1)
    fill(&w)
    let path = tempPath("m.bin")
    try w.write(to: path)
    return path
  }

  func error(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    XCTFail("no error")
    return ""
  }

  func testIdsAndMatricesRoundTrip() throws {
    var rng = SeededGenerator(seed: 4)
    let names = ["", "a", "usér 名", String(repeating: "x", count: 3000)] + (0..<5000).map { "id\($0)" }
    let m = Matrix(rows: 301, columns: 7, storage: (0..<2107).map { _ in Float(rng.nextNormal()) })
    let path = try file { w in
      w.ids(IdMap(names: names))
      w.ids(IdMap())
      w.matrix(m)
    }
    var r = try reader(path)
    let ids = try r.ids("user ids")
    XCTAssertEqual(ids.names, names)
    XCTAssertEqual(ids.index(of: "usér 名"), 2)
    XCTAssertEqual(ids.index(of: "id4999"), Int32(names.count - 1))
    XCTAssertEqual(try r.ids("item ids").count, 0)
    let back = try r.matrix("user factors")
    XCTAssertEqual(back.storage.map(\.bitPattern), m.storage.map(\.bitPattern))
    try r.finish()
  }

  func testDamagedIdsNameTheField() throws {
    // Id 1 is the 4 bytes FF FE 41 42: not UTF-8.
    let notUTF8 = try file { w in
      w.u64(2)
      w.u32(4); w.u32(0x6463_6261)  // "abcd"
      w.u32(4); w.u32(0x4241_FEFF)  // FF FE 41 42
    }
    var r = try reader(notUTF8)
    XCTAssertEqual(error { _ = try r.ids("user ids") }, "user ids 1 is not UTF-8")

    let duplicate = try file { w in
      w.u64(3)
      w.u32(4); w.u32(0x6463_6261)
      w.u32(4); w.u32(0x6565_6565)
      w.u32(4); w.u32(0x6463_6261)
    }
    r = try reader(duplicate)
    XCTAssertEqual(error { _ = try r.ids("item ids") }, "item ids contains duplicates")

    let longName = try file { w in
      w.u64(2)
      w.u32(4); w.u32(0x6463_6261)
      w.u32(400); w.u32(0x6463_6261)  // says 400 bytes, 4 remain
    }
    r = try reader(longName)
    XCTAssertTrue(error { _ = try r.ids("user ids") }.hasPrefix("truncated: user ids 1 needs 400 bytes"))

    let noLength = try file { w in
      w.u64(1)
      w.u32(0)  // id 0 is empty; the count says 1, so this is fine
      w.u64(3)  // then a map of 3 whose first length is cut: 2 bytes left would be needed
    }
    r = try reader(noLength)
    XCTAssertEqual(try r.ids("user ids").names, [""])
    XCTAssertTrue(error { _ = try r.ids("item ids") }.contains("item ids count 3 exceeds the file size"))

    let cutLength = try file { w in
      w.u64(2)
      w.u32(1); w.u32(0x6262_6261)  // id 0 "a", then 3 bytes "abb" left: not a 4-byte length
    }
    r = try reader(cutLength)
    XCTAssertTrue(error { _ = try r.ids("user ids") }.hasPrefix("truncated: length of user ids 1 needs 4 bytes"))
  }

  func testNonFiniteValuesAreNamedByRowAndColumn() throws {
    for (at, bad) in [(0, -Float.infinity), (11, Float.nan), (5, Float.infinity)] {
      var values = (0..<12).map { Float($0) }
      values[at] = bad
      let path = try file { w in w.matrix(Matrix(rows: 4, columns: 3, storage: values)) }
      var r = try reader(path)
      XCTAssertEqual(error { _ = try r.matrix("item factors") },
                     "item factors row \(at / 3), column \(at % 3) is \(bad), not a finite number")
    }
    XCTAssertTrue(ModelContainer.allFinite([Float](repeating: .greatestFiniteMagnitude, count: 10_000)))
    var big = [Float](repeating: 1, count: 10_000)
    big[9_999] = .nan
    XCTAssertFalse(ModelContainer.allFinite(big))
  }

  func testUnreadablePathsSayWhy() throws {
    let missing = tempPath("none.bin")
    XCTAssertEqual(error { _ = try reader(missing) }, "cannot read file (No such file or directory)")
    let folder = tempPath("folder")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    XCTAssertEqual(error { _ = try reader(folder) }, "cannot read file (not a regular file)")
    // A file larger than the memory budget allows is refused before it is read.
    let big = try file { w in w.matrix(Matrix(rows: 100, columns: 100, storage: [Float](repeating: 1, count: 10_000))) }
    let saved = MemoryBudget.limit
    MemoryBudget.limit = 50_000
    defer { MemoryBudget.limit = saved }
    let message = error { _ = try reader(big) }
    XCTAssertTrue(message.hasPrefix("cannot read file (loading this "), message)
    XCTAssertTrue(message.contains("model file would need about"), message)
    MemoryBudget.limit = saved
    XCTAssertNoThrow(try reader(big))
  }

  func testUniqueNamesRefusesDuplicates() {
    XCTAssertNil(IdMap(uniqueNames: ["a", "b", "a"]))
    XCTAssertEqual(IdMap(uniqueNames: ["a", "b"])?.index(of: "b"), 1)
    XCTAssertEqual(IdMap(uniqueNames: [])?.count, 0)
  }
}
