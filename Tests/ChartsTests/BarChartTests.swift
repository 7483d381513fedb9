import Charts
import GramianTestSupport
import XCTest

/// Grouped bars read back through an XML parser: heights proportional to
/// values from a zero baseline, at hand-computed positions.
final class BarChartTests: XCTestCase {
  let pixel = 0.006

  private func plotArea(_ root: XMLNode) throws -> (left: Double, top: Double, width: Double, height: Double) {
    let rect = try XCTUnwrap(root.all("rect", class: "plot-area").first)
    return (try rect.number("x"), try rect.number("y"), try rect.number("width"), try rect.number("height"))
  }

  /// Error bars: a whisker from value - e to value + e at each bar's centre,
  /// none where the error is NaN or zero; the axis spans the whiskers.
  func testErrorBarsSpanValuePlusMinusError() throws {
    let chart = BarChart(
      title: "coverage", xLabel: "method", yLabel: "coverage@20", categories: ["a", "b", "c"],
      series: [BarSeries(name: "coverage@20", values: [0.1, 0.2, 0.3], errors: [0.05, .nan, 0])])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    // The y axis runs from 0 to its top tick (the values and whiskers lie within).
    let whiskers = root.all("line", class: "error-bar")
    XCTAssertEqual(whiskers.count, 3, "one bar with an error: a vertical line and two caps")
    let vertical = try XCTUnwrap(whiskers.first { (try? $0.number("x1")) == (try? $0.number("x2")) })
    let bar = try XCTUnwrap(root.all("rect", class: "bar").first)
    assertClose(try vertical.number("x1"), try bar.number("x") + (try bar.number("width")) / 2, relative: 0, absolute: 2 * pixel)
    let top = try XCTUnwrap(root.all("text", class: "y-tick").compactMap { Double($0.text) }.max())
    let yOf = { (v: Double) in plot.top + plot.height * (1 - v / top) }
    assertClose(min(try vertical.number("y1"), try vertical.number("y2")), yOf(0.15), relative: 0, absolute: 2 * pixel)
    assertClose(max(try vertical.number("y1"), try vertical.number("y2")), yOf(0.05), relative: 0, absolute: 2 * pixel)
    // An error bar longer than any value widens the axis to cover it.
    let tall = BarChart(title: "t", xLabel: "x", yLabel: "y", categories: ["a"],
                        series: [BarSeries(name: "s", values: [0.1], errors: [0.35])])
    let ticks = try XMLTree.parse(try tall.svg()).all("text", class: "y-tick").compactMap { Double($0.text) }
    XCTAssertGreaterThanOrEqual(ticks.max() ?? 0, 0.45)
    XCTAssertThrowsError(try BarChart(title: "t", xLabel: "x", yLabel: "y", categories: ["a", "b"],
                                      series: [BarSeries(name: "s", values: [1, 2], errors: [1])]).svg())
  }

  func testBarsAtHandComputedPixels() throws {
    // y axis 0...0.4 (span 0.4 / 5 = 0.08 -> step 0.1). Three groups of W/3;
    // bars fill 80% of a group, W/3 * 0.8 / 2 each, with a 1 px gap between them.
    let values: [[Double]] = [[0.1, 0.2, 0.3], [0.05, .nan, 0.4]]
    let chart = BarChart(
      title: "Recall by popularity decile", xLabel: "item popularity decile", yLabel: "recall@20",
      categories: ["low", "mid", "high"],
      series: [BarSeries(name: "iALS", values: values[0]), BarSeries(name: "two-tower & gram", values: values[1])])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let bars = root.all("rect", class: "bar")
    XCTAssertEqual(bars.count, 5, "the NaN value draws no bar")
    let group = plot.width / 3
    let barWidth = group * 0.8 / 2
    let baseline = plot.top + plot.height
    var index = 0
    for (s, row) in values.enumerated() {
      for (c, value) in row.enumerated() where value.isFinite {
        let bar = bars[index]
        index += 1
        XCTAssertEqual(bar.attributes["data-category"], ["low", "mid", "high"][c])
        let x = plot.left + Double(c) * group + group * 0.1 + Double(s) * barWidth + 0.5
        assertClose(try bar.number("x"), x, relative: 0, absolute: pixel)
        assertClose(try bar.number("width"), barWidth - 1, relative: 0, absolute: pixel)
        assertClose(try bar.number("height"), value / 0.4 * plot.height, relative: 0, absolute: pixel)
        assertClose(try bar.number("y") + bar.number("height"), baseline, relative: 0, absolute: 2 * pixel)
      }
    }
    XCTAssertEqual(root.all("g", class: "series").map { $0.attributes["data-series"] }, ["iALS", "two-tower & gram"])
    XCTAssertEqual(root.all("text", class: "legend-name").map(\.text), ["iALS", "two-tower & gram"])
    XCTAssertEqual(root.all("text", class: "x-tick").map(\.text), ["low", "mid", "high"])
    XCTAssertEqual(root.all("text", class: "y-tick").map(\.text), ["0", "0.1", "0.2", "0.3", "0.4"])
    XCTAssertEqual(root.all("text", class: "title").map(\.text), ["Recall by popularity decile"])
    XCTAssertEqual(root.all("text", class: "x-label").map(\.text), ["item popularity decile"])
    XCTAssertEqual(root.all("text", class: "y-label").map(\.text), ["recall@20"])
    // The second series is hatched, and its pattern is defined.
    let patterns = root.all("pattern").compactMap { $0.attributes["id"] }
    XCTAssertEqual(patterns, ["hatch-diagonal"])
    XCTAssertTrue(root.all("rect", class: "hatch").allSatisfy { $0.attributes["fill"] == "url(#hatch-diagonal)" })
  }

  func testNegativeValuesHangFromZero() throws {
    // Axis -0.5...1 (step 0.25): zero sits at 1/3 of the height from the bottom.
    let chart = BarChart(
      title: "t", xLabel: "x", yLabel: "change", categories: ["a", "b"],
      series: [BarSeries(name: "s", values: [-0.3, 0.8])])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let zero = plot.top + plot.height * (1 - 0.5 / 1.5)
    let bars = root.all("rect", class: "bar")
    XCTAssertEqual(bars.count, 2)
    assertClose(try bars[0].number("y"), zero, relative: 0, absolute: pixel)
    assertClose(try bars[0].number("height"), 0.3 / 1.5 * plot.height, relative: 0, absolute: pixel)
    assertClose(try bars[1].number("y") + bars[1].number("height"), zero, relative: 0, absolute: 2 * pixel)
    assertClose(try bars[1].number("height"), 0.8 / 1.5 * plot.height, relative: 0, absolute: pixel)
    let zeroLine = try XCTUnwrap(root.all("line", class: "zero").first)
    assertClose(try zeroLine.number("y1"), zero, relative: 0, absolute: pixel)
  }

  func testTenDecilesByFourSeriesFitAndStayInOrder() throws {
    let names = ["popularity", "iALS", "two-tower softmax", "two-tower gram"]
    let series = names.enumerated().map { s, name in
      BarSeries(name: name, values: (0..<10).map { Double($0 + 1) * 0.01 * Double(s + 1) })
    }
    let chart = BarChart(
      title: "t", xLabel: "decile", yLabel: "recall", categories: (1...10).map(String.init), series: series)
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let bars = root.all("rect", class: "bar")
    XCTAssertEqual(bars.count, 40)
    // Within each series, heights grow with the decile; bars never leave the plot.
    for s in 0..<4 {
      let heights = try bars[(s * 10)..<(s * 10 + 10)].map { try $0.number("height") }
      XCTAssertEqual(heights, heights.sorted())
      assertClose(heights[9] / heights[0], 10, relative: 1e-3)
    }
    for bar in bars {
      XCTAssertGreaterThanOrEqual(try bar.number("x"), plot.left)
      XCTAssertLessThanOrEqual(try bar.number("x") + bar.number("width"), plot.left + plot.width + pixel)
      XCTAssertGreaterThanOrEqual(try bar.number("y"), plot.top - pixel)
    }
    XCTAssertEqual(root.all("text", class: "x-tick").map(\.text), (1...10).map(String.init))
    XCTAssertNil(root.all("text", class: "x-tick").first?.attributes["transform"], "short labels stay horizontal")
  }

  func testErrors() {
    let noSeries = BarChart(title: "t", xLabel: "x", yLabel: "y", categories: ["a"], series: [])
    XCTAssertThrowsError(try noSeries.svg()) { XCTAssertEqual($0 as? ChartError, .noSeries) }
    let noCategories = BarChart(title: "t", xLabel: "x", yLabel: "y", categories: [], series: [BarSeries(name: "s", values: [])])
    XCTAssertThrowsError(try noCategories.svg()) { XCTAssertEqual($0 as? ChartError, .noCategories) }
    let mismatch = BarChart(
      title: "t", xLabel: "x", yLabel: "y", categories: ["a", "b"],
      series: [BarSeries(name: "ok", values: [1, 2]), BarSeries(name: "short", values: [1])])
    XCTAssertThrowsError(try mismatch.svg()) {
      XCTAssertEqual($0 as? ChartError, .valueCountMismatch(series: "short", values: 1, categories: 2))
    }
    let allNaN = BarChart(title: "t", xLabel: "x", yLabel: "y", categories: ["a"], series: [BarSeries(name: "s", values: [.nan])])
    XCTAssertThrowsError(try allNaN.svg()) { XCTAssertEqual($0 as? ChartError, .noFinitePoints) }
  }
}
