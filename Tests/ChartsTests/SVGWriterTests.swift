@testable import Charts
import XCTest

final class SVGWriterTests: XCTestCase {
  func testEscape() {
    XCTAssertEqual(SVGWriter.escape("a<b & \"c\" 'd' >"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;")
    XCTAssertEqual(SVGWriter.escape("tab\there\u{0}"), "tab\there\u{FFFD}")
    XCTAssertEqual(SVGWriter.escape("λ_g ≥ 0.1"), "λ_g ≥ 0.1")
  }

  func testNumbersHaveAtMostTwoDecimals() {
    XCTAssertEqual(SVGWriter.number(12.3456), "12.35")
    XCTAssertEqual(SVGWriter.number(12), "12")
    XCTAssertEqual(SVGWriter.number(12.5), "12.5")
    XCTAssertEqual(SVGWriter.number(-0.001), "0")
    XCTAssertEqual(SVGWriter.pointList([(1, 2.005), (3.1, 4)]), "1,2 3.1,4")
  }

  func testPaletteStylesAreDistinctWithinACycle() {
    let styles = (0..<8).map(Palette.style)
    XCTAssertEqual(Set(styles.map(\.color)).count, 8)
    XCTAssertEqual(Set(styles.map(\.marker)).count, 8)
    XCTAssertEqual(Set(styles.map { $0.dash ?? "solid" }).count, 8)
    XCTAssertEqual(Set(styles.map { $0.hatch?.rawValue ?? "none" }).count, 8)
    // Ten lines (a full comparison) stay distinct in colour and dash; the cycle restarts at 10.
    let ten = (0..<10).map(Palette.style)
    XCTAssertEqual(Set(ten.map { "\($0.color) \($0.dash ?? "solid")" }).count, 10)
    XCTAssertEqual(Set(ten.map(\.color)).count, 10)
    XCTAssertEqual(Palette.style(10), Palette.style(0))
  }
}
