/// A line chart of one or more series against a numeric x axis (linear or
/// log10): a metric against a hyperparameter sweep, or learning curves.
///
/// The x axis spans the data widened to nice ticks (whole decades on log10);
/// the y axis runs from 0 (when `yIncludesZero`, or a nice floor otherwise)
/// to a nice ceiling. Gridlines at every tick, axis titles (y rotated), the
/// chart title above, and a legend to the right of the plot (or below it
/// when the names are long) that never overlaps the data.
///
/// Points with a NaN or infinite coordinate are skipped and the line is
/// broken there; a point with no finite neighbour is drawn as a marker even
/// when `markers` is false, so a single-point series is always visible.
///
/// ```swift
/// let chart = LineChart(title: "Recall@20 against lambda_g", xLabel: "lambda_g", yLabel: "recall@20",
///                       xScale: .log10, series: [Series(name: "gram", pairs: [(0.001, 0.21), (0.01, 0.24)])])
/// try chart.write(to: URL(fileURLWithPath: "recall-vs-lambda.svg"))
/// ```
public struct LineChart: Chart {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var xScale: AxisScale
  public var yScale: AxisScale
  /// Start a linear y axis at 0 even when every value is far above it
  /// (honest comparisons); false fits a nice floor under the data.
  public var yIncludesZero: Bool
  public var series: [Series]
  /// Canvas size in pixels.
  public var width: Int
  public var height: Int
  /// Draw a marker at every point (markers also tell series apart in greyscale).
  public var markers: Bool

  public init(
    title: String, xLabel: String, yLabel: String, xScale: AxisScale = .linear, yScale: AxisScale = .linear,
    yIncludesZero: Bool = true, series: [Series], width: Int = 720, height: Int = 440, markers: Bool = true
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xScale = xScale
    self.yScale = yScale
    self.yIncludesZero = yIncludesZero
    self.series = series
    self.width = width
    self.height = height
    self.markers = markers
  }

  /// The standalone SVG document.
  /// - Throws: `ChartError.noSeries` for no series, `.noFinitePoints` when
  ///   nothing is finite, `.nonPositiveOnLogScale` for a finite x (or y)
  ///   <= 0 on a log10 axis, `.canvasTooSmall` when the labels leave no room.
  /// - Complexity: O(total points + total label characters).
  public func svg() throws -> String {
    guard !series.isEmpty else { throw ChartError.noSeries }
    try checkLogDomain()
    let finite = series.flatMap { $0.points.filter(\.isFinite) }
    guard !finite.isEmpty else { throw ChartError.noFinitePoints }
    let xAxis = Self.axis(xScale, values: finite.map(\.x), includeZero: false)
    let yAxis = Self.axis(yScale, values: finite.map(\.y), includeZero: yIncludesZero)
    let lastXLabel = xAxis.labels.last ?? ""
    let layout = try ChartLayout(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
      yTickLabels: yAxis.labels, xOverhang: ChartLayout.textWidth(lastXLabel, size: ChartLayout.tickFont) / 2,
      xUnderhang: ChartLayout.textWidth(xAxis.labels.first ?? "", size: ChartLayout.tickFont) / 2,
      legendNames: series.map(\.name))

    var svg = SVGWriter(width: width, height: height)
    layout.drawBackground(&svg)
    layout.drawYAxis(&svg, yAxis)
    layout.drawXAxis(&svg, xAxis)
    layout.drawAxisLines(&svg)
    for (index, line) in series.enumerated() {
      drawSeries(&svg, line, style: Palette.style(index), layout: layout, x: xAxis, y: yAxis)
    }
    layout.drawTitles(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
    layout.drawLegend(&svg, names: series.map(\.name)) { svg, index, x, y in
      let style = Palette.style(index)
      let middle = y + ChartLayout.legendRowHeight / 2
      let n = SVGWriter.number
      svg.element("line", [
        "x1": n(x), "y1": n(middle), "x2": n(x + ChartLayout.legendSwatch), "y2": n(middle),
        "stroke": style.color, "stroke-width": "2", "stroke-dasharray": style.dash,
      ])
      svg.marker(style.marker, x: x + ChartLayout.legendSwatch / 2, y: middle, radius: 4, color: style.color)
    }
    return svg.document(title: title)
  }

  /// One `<g class="series">` holding a polyline per run of finite points
  /// and the markers.
  private func drawSeries(_ svg: inout SVGWriter, _ line: Series, style: SeriesStyle, layout: ChartLayout, x: Axis, y: Axis) {
    var runs: [[(x: Double, y: Double)]] = [[]]
    for point in line.points {
      if point.isFinite {
        runs[runs.count - 1].append((layout.px(x.fraction(point.x)), layout.py(y.fraction(point.y))))
      } else if !runs[runs.count - 1].isEmpty {
        runs.append([])
      }
    }
    svg.beginGroup(["class": "series", "data-series": line.name])
    for run in runs where run.count > 1 {
      svg.element("polyline", [
        "points": SVGWriter.pointList(run), "fill": "none", "stroke": style.color, "stroke-width": "2",
        "stroke-dasharray": style.dash, "stroke-linejoin": "round", "stroke-linecap": "round",
      ])
    }
    for run in runs where markers || run.count == 1 {
      for point in run { svg.marker(style.marker, x: point.x, y: point.y, radius: 4, color: style.color) }
    }
    svg.endGroup()
  }

  /// Throws for the first finite value <= 0 on a log10 axis.
  private func checkLogDomain() throws {
    for line in series {
      for point in line.points where point.isFinite {
        if xScale == .log10 && point.x <= 0 {
          throw ChartError.nonPositiveOnLogScale(axis: "x", series: line.name, value: point.x)
        }
        if yScale == .log10 && point.y <= 0 {
          throw ChartError.nonPositiveOnLogScale(axis: "y", series: line.name, value: point.y)
        }
      }
    }
  }

  private static func axis(_ scale: AxisScale, values: [Double], includeZero: Bool) -> Axis {
    let low = values.min() ?? 0
    let high = values.max() ?? 1
    switch scale {
    case .linear: return .linear(dataMin: low, dataMax: high, includeZero: includeZero)
    case .log10: return .log10(dataMin: low, dataMax: high)
    }
  }
}
