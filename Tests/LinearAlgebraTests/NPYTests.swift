import Foundation
import LinearAlgebra
import XCTest

final class NPYTests: XCTestCase {
  /// Hand-checked header bytes (as numpy 1.x writes them) and a round trip.
  func testHeaderAndRoundTrip() throws {
    let m = Matrix(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5, -6.5])
    let data = NPY.encode(m)
    XCTAssertEqual(Array(data.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    let headerLen = Int(data[8]) | Int(data[9]) << 8
    XCTAssertEqual((10 + headerLen) % 64, 0, "header must end on a 64-byte boundary")
    let header = String(decoding: data[10..<(10 + headerLen)], as: UTF8.self)
    XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
    XCTAssertTrue(header.hasSuffix("\n"))
    let path = NSTemporaryDirectory() + "/gramian-npy-\(UUID().uuidString).npy"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try NPY.write(m, to: path)
    XCTAssertEqual(try NPY.read(path), m)
  }

  /// int32 arrays: the `<i4` header and the values' little-endian bytes.
  func testInt32Encoding() {
    let data = NPY.encode(int32: [1, -2, 70000], rows: 3, columns: 1)
    let headerLen = Int(data[8]) | Int(data[9]) << 8
    XCTAssertEqual((10 + headerLen) % 64, 0)
    let header = String(decoding: data[10..<(10 + headerLen)], as: UTF8.self)
    XCTAssertTrue(header.hasPrefix("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 1), }"))
    XCTAssertEqual(Array(data.suffix(12)), [1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0x70, 0x11, 0x01, 0x00])
  }

  func testTruncatedFileIsRejected() throws {
    let path = NSTemporaryDirectory() + "/gramian-npy-\(UUID().uuidString).npy"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try NPY.encode(Matrix(rows: 4, columns: 4)).dropLast(3).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try NPY.read(path)) { XCTAssertTrue("\($0)".contains("data bytes")) }
  }
}
