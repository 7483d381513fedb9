/// The parts every chart shares: background, grid, axes, titles, legend.
/// Elements carry a `class` (`plot-area`, `grid`, `x-tick`, `y-tick`,
/// `title`, `x-label`, `y-label`, `legend`) so tests and stylesheets can find them.
extension ChartLayout {
  static let axisColor = "#444444"
  static let gridColor = "#dcdcdc"
  static let textColor = "#222222"

  /// White canvas and the plot rectangle (`class="plot-area"`).
  func drawBackground(_ svg: inout SVGWriter) {
    let n = SVGWriter.number
    svg.element("rect", [
      "class": "background", "x": "0", "y": "0", "width": n(width), "height": n(height), "fill": "#ffffff",
    ])
    svg.element("rect", [
      "class": "plot-area", "x": n(left), "y": n(top), "width": n(right - left), "height": n(bottom - top),
      "fill": "#ffffff", "stroke": "none",
    ])
  }

  /// Horizontal gridlines, tick marks and labels of a numeric y axis.
  func drawYAxis(_ svg: inout SVGWriter, _ axis: Axis) {
    let n = SVGWriter.number
    for (tick, label) in zip(axis.ticks, axis.labels) {
      let y = py(axis.fraction(tick))
      svg.line(left, y, right, y, stroke: Self.gridColor, class: "grid")
      svg.line(left - Self.tickLength, y, left, y, stroke: Self.axisColor)
      svg.text(label, [
        "class": "y-tick", "x": n(left - Self.tickLength - 3), "y": n(y + Self.tickFont * 0.35),
        "font-size": n(Self.tickFont), "text-anchor": "end", "fill": Self.textColor,
      ])
    }
  }

  /// Vertical gridlines, tick marks and labels of a numeric x axis.
  func drawXAxis(_ svg: inout SVGWriter, _ axis: Axis) {
    let n = SVGWriter.number
    for (tick, label) in zip(axis.ticks, axis.labels) {
      let x = px(axis.fraction(tick))
      svg.line(x, top, x, bottom, stroke: Self.gridColor, class: "grid")
      svg.line(x, bottom, x, bottom + Self.tickLength, stroke: Self.axisColor)
      svg.text(label, [
        "class": "x-tick", "x": n(x), "y": n(xTickBaseline),
        "font-size": n(Self.tickFont), "text-anchor": "middle", "fill": Self.textColor,
      ])
    }
  }

  /// The left and bottom axis lines.
  func drawAxisLines(_ svg: inout SVGWriter) {
    svg.line(left, top, left, bottom, stroke: Self.axisColor, width: 1.2, class: "axis")
    svg.line(left, bottom, right, bottom, stroke: Self.axisColor, width: 1.2, class: "axis")
  }

  /// Chart title above the plot, x title under the tick labels, y title
  /// rotated a quarter turn anticlockwise left of the tick labels.
  func drawTitles(_ svg: inout SVGWriter, title: String, xLabel: String, yLabel: String) {
    let n = SVGWriter.number
    if !title.isEmpty {
      svg.text(title, [
        "class": "title", "x": n(titleCenterX), "y": n(8 + titleFontSize + 4), "font-size": n(titleFontSize),
        "font-weight": "bold", "text-anchor": "middle", "fill": Self.textColor,
      ])
    }
    if !xLabel.isEmpty {
      svg.text(xLabel, [
        "class": "x-label", "x": n((left + right) / 2), "y": n(xTitleBaseline),
        "font-size": n(Self.axisTitleFont), "text-anchor": "middle", "fill": Self.textColor,
      ])
    }
    if !yLabel.isEmpty {
      let y = (top + bottom) / 2
      svg.text(yLabel, [
        "class": "y-label", "x": n(yTitleBaseline), "y": n(y),
        "transform": "rotate(-90 \(n(yTitleBaseline)) \(n(y)))",
        "font-size": n(Self.axisTitleFont), "text-anchor": "middle", "fill": Self.textColor,
      ])
    }
  }

  /// The legend box; `swatch` draws entry i's sample (line or bar) into the
  /// `legendSwatch` x `legendRowHeight` px cell whose top-left corner it is given.
  func drawLegend(
    _ svg: inout SVGWriter, names: [String], swatch: (inout SVGWriter, Int, Double, Double) -> Void
  ) {
    let n = SVGWriter.number
    svg.beginGroup(["class": "legend"])
    svg.element("rect", [
      "x": n(legendBox.x), "y": n(legendBox.y), "width": n(legendBox.width), "height": n(legendBox.height),
      "fill": "#ffffff", "stroke": "#cccccc", "stroke-width": "1",
    ])
    for (index, name) in names.enumerated() {
      let (x, y) = legendEntries[index]
      swatch(&svg, index, x, y)
      svg.text(name, [
        "class": "legend-name", "x": n(x + Self.legendSwatch + 6),
        "y": n(y + Self.legendRowHeight / 2 + Self.legendFont * 0.35),
        "font-size": n(Self.legendFont), "fill": Self.textColor,
      ])
    }
    svg.endGroup()
  }
}
