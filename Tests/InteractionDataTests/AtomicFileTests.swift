import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

@testable import InteractionData

/// ``AtomicFile/write(to:_:)``: the file holds exactly the pieces appended,
/// in order (small pieces through the buffer, large ones written
/// directly); when the body throws, the old file is
/// untouched and no temporary is left.
final class AtomicFileTests: XCTestCase {
  func tempDir() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.path
  }

  func testPiecesArriveInOrder() throws {
    let path = tempDir() + "/out.bin"
    var rng = SeededGenerator(seed: 9)
    // 0 to 3 MiB pieces, about 20 MiB in all.
    let sizes = [0, 1, 5000, 3 << 20, 17, 1 << 20, (1 << 20) - 1, 2 << 20, 12, 3 << 20, 3 << 20, 99, 3 << 20, 2 << 20, 7]
    var expected: [UInt8] = []
    try AtomicFile.write(to: path) { append in
      for n in sizes {
        let piece = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        expected += piece
        try piece.withUnsafeBytes { try append($0) }
      }
    }
    XCTAssertGreaterThan(expected.count, 16 << 20)
    XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), expected)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent), ["out.bin"])
  }

  func testAThrowingBodyLeavesTheOldFile() throws {
    struct Stop: Error {}
    let dir = tempDir(), path = dir + "/out.txt"
    try AtomicFile.write("old\n", to: path)
    XCTAssertThrowsError(try AtomicFile.write(to: path) { append in
      let big = [UInt8](repeating: 65, count: 9 << 20)
      try big.withUnsafeBytes { try append($0) }
      throw Stop()
    }) { XCTAssertTrue($0 is Stop) }
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.txt"])
  }
}
