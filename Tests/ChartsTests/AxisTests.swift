import Charts
import GramianTestSupport
import XCTest

/// Nice ticks and their labels against hand-computed fixtures.
final class AxisTests: XCTestCase {
  private func assertTicks(
    _ axis: Axis, _ ticks: [Double], _ labels: [String], file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(axis.ticks.count, ticks.count, "ticks \(axis.ticks)", file: file, line: line)
    for (got, want) in zip(axis.ticks, ticks) {
      XCTAssertEqual(got, want, accuracy: abs(want) * 1e-12, "ticks \(axis.ticks)", file: file, line: line)
    }
    XCTAssertEqual(axis.labels, labels, file: file, line: line)
    XCTAssertEqual(axis.lower, ticks.first)
    XCTAssertEqual(axis.upper, ticks.last)
  }

  func testLinearFromZero() {
    // span 0.37 / 5 = 0.074 -> step 0.1, ceiling 0.4.
    assertTicks(.linear(dataMin: 0, dataMax: 0.37), [0, 0.1, 0.2, 0.3, 0.4], ["0", "0.1", "0.2", "0.3", "0.4"])
    // span 1 / 5 = 0.2 -> step 0.2.
    assertTicks(.linear(dataMin: 0, dataMax: 1), [0, 0.2, 0.4, 0.6, 0.8, 1], ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    // Zero included although the data start at 0.12.
    assertTicks(
      .linear(dataMin: 0.12, dataMax: 0.21), [0, 0.05, 0.1, 0.15, 0.2, 0.25], ["0", "0.05", "0.1", "0.15", "0.2", "0.25"])
  }

  func testLinearNiceFloor() {
    // span 0.17 / 5 = 0.034 -> step 0.05; floor 1.2, ceiling 1.4.
    assertTicks(
      .linear(dataMin: 1.2, dataMax: 1.37, includeZero: false),
      [1.2, 1.25, 1.3, 1.35, 1.4], ["1.2", "1.25", "1.3", "1.35", "1.4"])
  }

  func testLinearNegativeAndLarge() {
    // span 1.1 / 5 = 0.22 -> step 0.25; floor -0.5, ceiling 1.
    assertTicks(
      .linear(dataMin: -0.3, dataMax: 0.8), [-0.5, -0.25, 0, 0.25, 0.5, 0.75, 1],
      ["-0.5", "-0.25", "0", "0.25", "0.5", "0.75", "1"])
    // span 23456 / 5 = 4691 -> step 5000.
    assertTicks(
      .linear(dataMin: 0, dataMax: 23456), [0, 5000, 10000, 15000, 20000, 25000],
      ["0", "5k", "10k", "15k", "20k", "25k"])
    // span 0.0009 / 5 = 1.8e-4 -> step 2e-4.
    assertTicks(
      .linear(dataMin: 0, dataMax: 0.0009), [0, 0.0002, 0.0004, 0.0006, 0.0008, 0.001],
      ["0", "2e-4", "4e-4", "6e-4", "8e-4", "0.001"])
  }

  func testLinearDegenerateSpan() {
    assertTicks(.linear(dataMin: 0, dataMax: 0), [0, 0.2, 0.4, 0.6, 0.8, 1], ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    // 5 +- 10% = 4.5...5.5, step 0.2: 4.4...5.6.
    assertTicks(
      .linear(dataMin: 5, dataMax: 5, includeZero: false), [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6],
      ["4.4", "4.6", "4.8", "5", "5.2", "5.4", "5.6"])
  }

  func testLogDecades() {
    assertTicks(.log10(dataMin: 0.001, dataMax: 10), [0.001, 0.01, 0.1, 1, 10], ["0.001", "0.01", "0.1", "1", "10"])
    // 0.02 rounds up to the decade 0.1.
    assertTicks(
      .log10(dataMin: 1e-5, dataMax: 0.02), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], ["1e-5", "1e-4", "0.001", "0.01", "0.1"])
  }

  func testLogNarrowSpanAddsTwoAndFive() {
    assertTicks(
      .log10(dataMin: 0.02, dataMax: 0.9), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"])
    // A single value 1 is widened a decade either side.
    assertTicks(.log10(dataMin: 1, dataMax: 1), [0.1, 0.2, 0.5, 1, 2, 5, 10], ["0.1", "0.2", "0.5", "1", "2", "5", "10"])
  }

  func testLogWideSpanSkipsDecades() {
    // 12 decades -> every second decade.
    assertTicks(
      .log10(dataMin: 1, dataMax: 1e12), [1, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12],
      ["1", "100", "10k", "1M", "100M", "10G", "1T"])
  }

  func testFraction() {
    let log = Axis.log10(dataMin: 0.001, dataMax: 10)
    assertClose(log.fraction(0.1), 0.5, relative: 0, absolute: 1e-12)
    assertClose(log.fraction(0.001), 0, relative: 0, absolute: 1e-12)
    assertClose(log.fraction(1), 0.75, relative: 0, absolute: 1e-12)
    let linear = Axis.linear(dataMin: 0, dataMax: 0.37)
    assertClose(linear.fraction(0.1), 0.25, relative: 0, absolute: 1e-12)
  }

  func testTickLabels() {
    XCTAssertEqual(TickFormat.label(3 * 0.1, step: 0.1), "0.3")
    XCTAssertEqual(TickFormat.label(0.0001, step: 0.0001), "1e-4")
    XCTAssertEqual(TickFormat.label(7.5e-5, step: 2.5e-5), "7.5e-5")
    XCTAssertEqual(TickFormat.label(10000, step: 2000), "10k")
    XCTAssertEqual(TickFormat.label(2500, step: 500), "2.5k")
    XCTAssertEqual(TickFormat.label(-0.25, step: 0.25), "-0.25")
    XCTAssertEqual(TickFormat.label(1e-17, step: 0.1), "0")
    XCTAssertEqual(TickFormat.label(2_000_000, step: 500_000), "2M")
  }

  func testCompact() {
    XCTAssertEqual(TickFormat.compact(0.001), "0.001")
    XCTAssertEqual(TickFormat.compact(0.01), "0.01")
    XCTAssertEqual(TickFormat.compact(1e-4), "1e-4")
    XCTAssertEqual(TickFormat.compact(2.5), "2.5")
    XCTAssertEqual(TickFormat.compact(10_000), "10k")
    XCTAssertEqual(TickFormat.compact(1_234_567), "1.23M")
    XCTAssertEqual(TickFormat.compact(0.123456), "0.123")
    XCTAssertEqual(TickFormat.compact(999.96), "1k")
    XCTAssertEqual(TickFormat.compact(-0.000255), "-2.55e-4")
    XCTAssertEqual(TickFormat.compact(0), "0")
  }
}
