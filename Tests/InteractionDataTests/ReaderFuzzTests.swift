import GramianTestSupport
import LinearAlgebra
import XCTest

@testable import InteractionData

/// Random byte soup from a small alphabet (separators, digits, signs,
/// quotes, high bytes, banners) never crashes a reader: every file either
/// reads or throws a DataError with a message.
final class ReaderFuzzTests: XCTestCase {
  func testRandomFilesReadOrThrow() throws {
    let dir = TemporaryFolder(self)
    let alphabet: [[UInt8]] = [
      [44], [9], [32], [10], [13, 10], [58, 58], [124], [34], [46], [45], [101], [0xC3], [0xFF], Array("nan".utf8),
      Array("%%MatrixMarket matrix coordinate real general\n".utf8), Array("userId".utf8),
    ] + (0...9).map { [UInt8(48 + $0)] }
    var rng = SeededGenerator(seed: 11)
    let formats: [InputFormat] = [.auto, .delimited, .lists, .mtx]
    for k in 0..<400 {
      var bytes: [UInt8] = []
      for _ in 0..<Int(rng.next() % 120) { bytes += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      let path = dir.file("f\(k).txt", bytes: bytes)
      var o = ReadOptions()
      o.format = formats[k % formats.count]
      o.skipBadLines = k % 2 == 0
      o.parallelThreshold = k % 3 == 0 ? 0 : .max
      o.threads = 3
      do {
        let (x, report) = try InteractionReader.read(path, options: o)
        XCTAssertEqual(report.events, x.count)
        XCTAssertTrue(x.users.allSatisfy { $0 >= 0 && Int($0) < x.userCount })
        XCTAssertTrue(x.items.allSatisfy { $0 >= 0 && Int($0) < x.itemCount })
        XCTAssertTrue(x.weights.allSatisfy { $0.isFinite && $0 >= 0 })
      } catch {
        XCTAssertFalse(error.message.isEmpty)
      }
    }
  }
}
