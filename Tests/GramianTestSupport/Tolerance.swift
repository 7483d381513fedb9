import XCTest

/// Tolerance helpers whose meaning is stated, in the manner of
/// swift-numerics' `isApproximatelyEqual`: two values agree when
/// `|a - b| <= max(absolute, relative * max(|a|, |b|))`.
/// Failures are reported at the caller's file and line.
public func assertClose(
  _ a: Double, _ b: Double, relative: Double = 1e-6, absolute: Double = 0,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
  let tol = max(absolute, relative * max(abs(a), abs(b)))
  if !(abs(a - b) <= tol) {
    XCTFail("\(a) and \(b) differ by \(abs(a - b)) > tolerance \(tol). \(message())", file: file, line: line)
  }
}

/// Element-wise ``assertClose`` over two equal-length sequences; reports the
/// first index that fails and the largest difference.
public func assertAllClose<A: Collection, B: Collection>(
  _ a: A, _ b: B, relative: Double = 1e-6, absolute: Double = 0,
  _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
  XCTAssertEqual(a.count, b.count, "lengths differ", file: file, line: line)
  var worst = 0.0
  var firstBad: Int? = nil
  for (i, (x, y)) in zip(a, b).enumerated() {
    let xd = Double(x), yd = Double(y)
    let d = abs(xd - yd)
    worst = max(worst, d)
    if firstBad == nil, !(d <= max(absolute, relative * max(abs(xd), abs(yd)))) { firstBad = i }
  }
  if let i = firstBad {
    XCTFail("first mismatch at index \(i); largest difference \(worst). \(message())", file: file, line: line)
  }
}
