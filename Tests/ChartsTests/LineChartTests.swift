import Charts
import Foundation
import GramianTestSupport
import XCTest

/// Line charts read back through an XML parser: well-formed, labelled,
/// escaped, and points where a hand-computed mapping puts them.
final class LineChartTests: XCTestCase {
  /// Coordinates are printed with two decimals.
  let pixel = 0.006

  /// The plot rectangle as drawn.
  private func plotArea(_ root: XMLNode) throws -> (left: Double, top: Double, width: Double, height: Double) {
    let rect = try XCTUnwrap(root.all("rect", class: "plot-area").first)
    return (try rect.number("x"), try rect.number("y"), try rect.number("width"), try rect.number("height"))
  }

  private func texts(_ root: XMLNode, _ cls: String) -> [String] {
    root.all("text", class: cls).map(\.text)
  }

  func testWellFormedWithTitleLabelsAndEscapedLegend() throws {
    let awkward = "a<b & \"c\" 'd'"
    let chart = LineChart(
      title: "Recall@20 <vs> beta & lambda", xLabel: "beta (prior strength)", yLabel: "recall@20 & \"ndcg\"",
      series: [
        Series(name: awkward, pairs: [(0, 0.1), (1, 0.2)]),
        Series(name: "gram", pairs: [(0, 0.15), (1, 0.25)]),
        Series(name: "softmax\u{1}", pairs: [(0, 0.12), (1, 0.22)]),
      ])
    let document = try chart.svg()
    XCTAssertTrue(document.hasPrefix("<?xml"))
    let root = try XMLTree.parse(document)
    XCTAssertEqual(root.name, "svg")
    XCTAssertEqual(root.attributes["xmlns"], "http://www.w3.org/2000/svg")
    XCTAssertEqual(root.attributes["width"], "720")
    XCTAssertEqual(root.attributes["height"], "440")
    XCTAssertEqual(root.all("title").first?.text, "Recall@20 <vs> beta & lambda")
    XCTAssertEqual(texts(root, "title"), ["Recall@20 <vs> beta & lambda"])
    XCTAssertEqual(texts(root, "x-label"), ["beta (prior strength)"])
    XCTAssertEqual(texts(root, "y-label"), ["recall@20 & \"ndcg\""])
    // The control character (forbidden in XML 1.0) is replaced, the rest round-trips.
    XCTAssertEqual(texts(root, "legend-name"), [awkward, "gram", "softmax\u{FFFD}"])
    XCTAssertEqual(root.all("g", class: "series").map { $0.attributes["data-series"] }, [awkward, "gram", "softmax\u{FFFD}"])
    XCTAssertEqual(texts(root, "y-tick"), ["0", "0.05", "0.1", "0.15", "0.2", "0.25"])
    XCTAssertEqual(texts(root, "x-tick"), ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    // A white background covering the canvas.
    let background = try XCTUnwrap(root.all("rect", class: "background").first)
    XCTAssertEqual(background.attributes["fill"], "#ffffff")
    XCTAssertEqual(try background.number("width"), 720)
  }

  func testPointsAtHandComputedPixels() throws {
    // x axis 0...1, y axis 0...0.4 (step 0.1): pixel = left + x * width, top + (1 - y / 0.4) * height.
    let data: [(x: Double, y: Double)] = [(0, 0), (0.5, 0.2), (0.8, 0.37), (1, 0.1)]
    let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", pairs: data)])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let expected = data.map { (plot.left + $0.x * plot.width, plot.top + (1 - $0.y / 0.4) * plot.height) }
    let line = try XCTUnwrap(root.all("polyline").first)
    let points = try line.points()
    XCTAssertEqual(points.count, 4)
    for (got, want) in zip(points, expected) {
      assertClose(got.x, want.0, relative: 0, absolute: pixel)
      assertClose(got.y, want.1, relative: 0, absolute: pixel)
    }
    // Series 0 uses circle markers, one per point, at the same pixels.
    let circles = root.all("circle", class: "marker").filter { $0.attributes["fill"] == Palette.colors[0] }
    XCTAssertEqual(circles.count, 4 + 1)  // + the legend swatch
    for (circle, want) in zip(circles, expected) {
      assertClose(try circle.number("cx"), want.0, relative: 0, absolute: pixel)
      assertClose(try circle.number("cy"), want.1, relative: 0, absolute: pixel)
    }
    // The 0.3 gridline sits a quarter of the way down the plot.
    let grid = root.all("line", class: "grid")
    let gridYs = try grid.map { try $0.number("y1") }
    XCTAssertTrue(gridYs.contains { abs($0 - (plot.top + 0.25 * plot.height)) < pixel }, "\(gridYs)")
    // The plot fits in the canvas and the legend is to its right.
    XCTAssertGreaterThan(plot.left, 30)
    XCTAssertLessThan(plot.left + plot.width, 720)
    XCTAssertLessThan(plot.top + plot.height, 440 - 30)
    let legendBox = try XCTUnwrap(root.all("g", class: "legend").first?.all("rect").first)
    XCTAssertGreaterThan(try legendBox.number("x"), plot.left + plot.width)
    XCTAssertLessThanOrEqual(try legendBox.number("x") + legendBox.number("width"), 720)
  }

  func testLogXMapsDecadesEvenly() throws {
    // Axis 0.001...10 (4 decades): 0.001 -> 0, 0.1 -> 1/2, 10 -> 1.
    let chart = LineChart(
      title: "t", xLabel: "lambda_g", yLabel: "recall", xScale: .log10,
      series: [Series(name: "gram", pairs: [(0.001, 0.1), (0.1, 0.2), (10, 0.3)])])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let xs = try XCTUnwrap(root.all("polyline").first).points().map(\.x)
    assertAllClose(xs, [plot.left, plot.left + plot.width / 2, plot.left + plot.width], relative: 0, absolute: pixel)
    XCTAssertEqual(texts(root, "x-tick"), ["0.001", "0.01", "0.1", "1", "10"])
  }

  func testLogYMapsDecadesEvenlyAndRejectsZero() throws {
    // y axis 0.01...1 (two decades): 0.01 -> bottom, 0.1 -> middle, 1 -> top.
    let chart = LineChart(
      title: "t", xLabel: "epoch", yLabel: "loss", yScale: .log10,
      series: [Series(name: "loss", pairs: [(1, 1), (2, 0.1), (3, 0.01)])])
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    let ys = try XCTUnwrap(root.all("polyline").first).points().map(\.y)
    assertAllClose(ys, [plot.top, plot.top + plot.height / 2, plot.top + plot.height], relative: 0, absolute: pixel)
    var zero = chart
    zero.series[0].points.append(Point(x: 4, y: 0))
    XCTAssertThrowsError(try zero.svg()) {
      XCTAssertEqual($0 as? ChartError, .nonPositiveOnLogScale(axis: "y", series: "loss", value: 0))
    }
  }

  func testLogScaleRejectsNonPositiveX() {
    for bad in [0.0, -0.5] {
      let chart = LineChart(
        title: "t", xLabel: "x", yLabel: "y", xScale: .log10,
        series: [Series(name: "prior", pairs: [(1, 1)]), Series(name: "gram", pairs: [(0.1, 1), (bad, 2)])])
      XCTAssertThrowsError(try chart.svg()) { error in
        XCTAssertEqual(error as? ChartError, .nonPositiveOnLogScale(axis: "x", series: "gram", value: bad))
        XCTAssertTrue(String(describing: error).contains("\"gram\""))
      }
    }
    // The same data is fine on a linear axis.
    let linear = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "gram", pairs: [(0, 1), (1, 2)])])
    XCTAssertNoThrow(try linear.svg())
  }

  func testNonFinitePointsBreakTheLine() throws {
    let chart = LineChart(
      title: "t", xLabel: "epoch", yLabel: "loss", yIncludesZero: false,
      series: [Series(name: "s", pairs: [(1, 1), (2, .nan), (3, 2), (.infinity, 5), (4, 3), (5, 4)])],
      markers: false)
    let root = try XMLTree.parse(try chart.svg())
    let group = try XCTUnwrap(root.all("g", class: "series").first)
    // (1,1) alone -> a marker, no line; (3,2) alone -> a marker; (4,3)-(5,4) -> a polyline.
    XCTAssertEqual(try group.all("polyline").map { try $0.points().count }, [2])
    XCTAssertEqual(group.all("circle", class: "marker").count, 2)
    // The non-finite values did not stretch the axes: y stays within nice ticks of 1...4.
    XCTAssertEqual(texts(root, "y-tick").last, "4")
  }

  func testSinglePointSeriesDrawsAMarker() throws {
    let chart = LineChart(
      title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "one", pairs: [(2, 0.5)])], markers: false)
    let root = try XMLTree.parse(try chart.svg())
    let group = try XCTUnwrap(root.all("g", class: "series").first)
    XCTAssertTrue(group.all("polyline").isEmpty)
    XCTAssertEqual(group.all("circle", class: "marker").count, 1)
  }

  func testLongNamesMoveTheLegendBelow() throws {
    let names = (1...4).map { "model \($0) with a rather long descriptive name" }
    let chart = LineChart(
      title: "t", xLabel: "x", yLabel: "y",
      series: names.enumerated().map { Series(name: $1, pairs: [(0, Double($0)), (1, 1)]) })
    let root = try XMLTree.parse(try chart.svg())
    let plot = try plotArea(root)
    XCTAssertGreaterThan(plot.width, 600, "the plot keeps the full width")
    let xTitle = try XCTUnwrap(root.all("text", class: "x-label").first).number("y")
    let legendYs = try root.all("text", class: "legend-name").map { try $0.number("y") }
    XCTAssertEqual(legendYs.count, 4)
    for y in legendYs {
      XCTAssertGreaterThan(y, xTitle)
      XCTAssertLessThanOrEqual(y, 440)
    }
    for name in root.all("text", class: "legend-name") {
      XCTAssertLessThanOrEqual(try name.number("x") + Double(name.text.count) * 12 * 0.6, 720)
    }
  }

  func testErrors() throws {
    let empty = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [])
    XCTAssertThrowsError(try empty.svg()) { XCTAssertEqual($0 as? ChartError, .noSeries) }
    let allNaN = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", pairs: [(.nan, 1), (1, .nan)])])
    XCTAssertThrowsError(try allNaN.svg()) { XCTAssertEqual($0 as? ChartError, .noFinitePoints) }
    let tiny = LineChart(
      title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", pairs: [(0, 1)])], width: 120, height: 90)
    XCTAssertThrowsError(try tiny.svg()) { error in
      guard case .canvasTooSmall(120, 90, let minWidth, let minHeight)? = error as? ChartError else {
        return XCTFail("\(error)")
      }
      XCTAssertGreaterThan(minWidth, 120)
      XCTAssertGreaterThan(minHeight, 90)
    }
    XCTAssertThrowsError(try Series(name: "s", x: [1, 2], y: [1])) {
      XCTAssertEqual($0 as? ChartError, .coordinateCountMismatch(series: "s", xCount: 2, yCount: 1))
    }
  }

  func testWriteIsTheDocumentAndNamesBadPaths() throws {
    let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [Series(name: "s", pairs: [(0, 1), (1, 2)])])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("charts-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("chart.svg")
    try chart.write(to: url)
    XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), try chart.svg())
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["chart.svg"], "no temporary file left")
    let missing = folder.appendingPathComponent("no-such-folder/chart.svg")
    XCTAssertThrowsError(try chart.write(to: missing)) { error in
      guard case .unwritable(let path, _)? = error as? ChartError else { return XCTFail("\(error)") }
      XCTAssertEqual(path, missing.path)
    }
  }
}
