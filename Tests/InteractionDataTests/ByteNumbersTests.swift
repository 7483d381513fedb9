import LinearAlgebra
import XCTest

@testable import InteractionData

final class ByteNumbersTests: XCTestCase {
  private func float(_ s: String) -> Float? {
    var bytes = Array(s.utf8)
    return bytes.withUnsafeMutableBufferPointer { b in ByteNumbers.parseFloat(UnsafePointer(b.baseAddress!), b.count) }
  }

  private func int(_ s: String) -> Int64? {
    var bytes = Array(s.utf8)
    return bytes.withUnsafeMutableBufferPointer { b in ByteNumbers.parseInt64(UnsafePointer(b.baseAddress!), b.count) }
  }

  func testHandPickedDecimals() {
    XCTAssertEqual(float("4.5"), 4.5)
    XCTAssertEqual(float("3"), 3)
    XCTAssertEqual(float("-1e-3"), -0.001)
    XCTAssertEqual(float("+.5"), 0.5)
    XCTAssertEqual(float("5."), 5)
    XCTAssertEqual(float("0.05"), 0.05)
    XCTAssertEqual(float("1E5"), 100_000)
    XCTAssertEqual(float("352698"), 352_698)
    XCTAssertEqual(float("1e999"), .infinity)
    XCTAssertEqual(float("-Infinity"), -.infinity)
    XCTAssertTrue(float("NaN")!.isNaN)
    for bad in ["", "-", ".", "abc", "4.5x", "1e", "1e+", "--1", "4,5", " 4", "0x10", "in"] {
      XCTAssertNil(float(bad), bad)
    }
  }

  /// The fast path and the strtof fallback agree with the standard
  /// library's correctly rounded `Float(String)` on random decimals of
  /// every length and exponent.
  func testRandomDecimalsMatchStandardLibrary() {
    var rng = SeededGenerator(seed: 7)
    for _ in 0..<20_000 {
      let digits = 1 + Int(rng.next() % 22)
      var s = Int(rng.next() % 4) == 0 ? "-" : ""
      for k in 0..<digits {
        s += String(rng.next() % 10)
        if k == Int(rng.next() % UInt64(digits)) && !s.contains(".") { s += "." }
      }
      if rng.next() % 3 == 0 { s += "e\(Int(rng.next() % 80) - 40)" }
      XCTAssertEqual(float(s), Float(s), s)
    }
  }

  func testIntegers() {
    XCTAssertEqual(int("978300760"), 978_300_760)
    XCTAssertEqual(int("-12"), -12)
    XCTAssertEqual(int("9223372036854775807"), .max)
    XCTAssertNil(int("9223372036854775808"))
    XCTAssertNil(int("12a"))
    XCTAssertNil(int("-"))
  }
}
