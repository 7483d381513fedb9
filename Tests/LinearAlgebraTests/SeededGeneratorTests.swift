import LinearAlgebra
import XCTest

final class SeededGeneratorTests: XCTestCase {
  func testSameSeedSameStreamAndMoments() {
    var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
    let xa = (0..<5).map { _ in a.next() }, xb = (0..<5).map { _ in b.next() }, xc = (0..<5).map { _ in c.next() }
    XCTAssertEqual(xa, xb)
    XCTAssertNotEqual(xa, xc)
    // Sample mean and variance of 200k normals: within 5 standard errors.
    var g = SeededGenerator(seed: 7)
    let n = 200_000
    var s = 0.0, s2 = 0.0
    for _ in 0..<n { let x = g.nextNormal(); s += x; s2 += x * x }
    let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
    XCTAssertLessThan(abs(mean), 5 / Double(n).squareRoot())
    XCTAssertLessThan(abs(variance - 1), 5 * (2 / Double(n)).squareRoot())
  }
}
