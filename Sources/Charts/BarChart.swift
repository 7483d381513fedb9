/// A grouped bar chart: one group per category along x (for example item
/// popularity deciles "1"..."10"), one bar per series in each group.
///
/// The y axis runs from 0 (or from a nice floor below 0 when values are
/// negative) to a nice ceiling; bars grow from 0, so heights are
/// proportional to values. Bars are coloured and hatched per series (see
/// `Palette`). A NaN or infinite value draws no bar. Category labels too
/// wide for their group are drawn slanted.
///
/// Bars carry `class="bar"`, `data-series`, `data-category` and
/// `data-value` attributes.
public struct BarChart: Chart {
  public var title: String
  public var xLabel: String
  public var yLabel: String
  /// Group labels, left to right.
  public var categories: [String]
  /// `series[s].values[c]` is the bar of series s in category c.
  public var series: [BarSeries]
  /// Canvas size in pixels.
  public var width: Int
  public var height: Int

  public init(
    title: String, xLabel: String, yLabel: String, categories: [String], series: [BarSeries],
    width: Int = 720, height: Int = 440
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.categories = categories
    self.series = series
    self.width = width
    self.height = height
  }

  /// Share of a group's width taken by its bars (the rest separates groups).
  static let groupFill = 0.8

  /// The standalone SVG document.
  /// - Throws: `ChartError.noSeries`, `.noCategories`, `.valueCountMismatch`
  ///   when a series has not exactly one value per category,
  ///   `.noFinitePoints`, `.canvasTooSmall`.
  /// - Complexity: O(categories x series + total label characters).
  public func svg() throws -> String {
    guard !series.isEmpty else { throw ChartError.noSeries }
    guard !categories.isEmpty else { throw ChartError.noCategories }
    for bars in series where bars.values.count != categories.count || (bars.errors.map { $0.count != categories.count } ?? false) {
      throw ChartError.valueCountMismatch(series: bars.name, values: bars.values.count, categories: categories.count)
    }
    // The axis spans the error bars' ends too.
    let finite = series.flatMap { bars in
      bars.values.indices.flatMap { c -> [Double] in
        let v = bars.values[c], e = bars.errors?[c] ?? 0
        return (e.isFinite && e > 0 ? [v, v - e, v + e] : [v]).filter(\.isFinite)
      }
    }
    guard let low = finite.min(), let high = finite.max() else { throw ChartError.noFinitePoints }
    let yAxis = Axis.linear(dataMin: low, dataMax: high, includeZero: true)

    // Slant category labels when the widest does not fit its group.
    let labelWidth = categories.map { ChartLayout.textWidth($0, size: ChartLayout.tickFont) }.max() ?? 0
    let roughGroup = Double(width) * 0.7 / Double(categories.count)
    let slanted = labelWidth > roughGroup - 4
    // A slanted label ends at its group's centre and reaches back 0.71 x its
    // width; keep the first one on the canvas (groups are at least width/2/n wide).
    let band = slanted ? labelWidth * 0.71 + ChartLayout.tickFont : 16
    let underhang = slanted
      ? labelWidth * 0.71 + ChartLayout.tickFont * 0.7 - Double(width) * 0.25 / Double(categories.count) : 0
    let layout = try ChartLayout(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel,
      yTickLabels: yAxis.labels, xTickBand: band, xUnderhang: underhang, legendNames: series.map(\.name))

    var svg = SVGWriter(width: width, height: height)
    for hatch in Set(series.indices.compactMap { Palette.style($0).hatch }).sorted(by: { $0.rawValue < $1.rawValue }) {
      svg.defineHatch(hatch)
    }
    layout.drawBackground(&svg)
    layout.drawYAxis(&svg, yAxis)
    drawBars(&svg, layout: layout, yAxis: yAxis)
    drawCategoryLabels(&svg, layout: layout, slanted: slanted)
    layout.drawAxisLines(&svg)
    if yAxis.lower < 0 {
      let zero = layout.py(yAxis.fraction(0))
      svg.line(layout.left, zero, layout.right, zero, stroke: ChartLayout.axisColor, width: 1.2, class: "zero")
    }
    layout.drawTitles(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
    layout.drawLegend(&svg, names: series.map(\.name)) { svg, index, x, y in
      let style = Palette.style(index)
      let size = 14.0
      let box = (x: x + (ChartLayout.legendSwatch - size) / 2, y: y + (ChartLayout.legendRowHeight - size) / 2)
      Self.bar(&svg, x: box.x, y: box.y, width: size, height: size, style: style, attributes: [:])
    }
    return svg.document(title: title)
  }

  private func drawBars(_ svg: inout SVGWriter, layout: ChartLayout, yAxis: Axis) {
    let group = (layout.right - layout.left) / Double(categories.count)
    let barWidth = group * Self.groupFill / Double(series.count)
    let gap = barWidth > 6 ? 1.0 : 0
    let base = layout.py(yAxis.fraction(0))
    for (s, bars) in series.enumerated() {
      let style = Palette.style(s)
      svg.beginGroup(["class": "series", "data-series": bars.name])
      for (c, value) in bars.values.enumerated() where value.isFinite {
        let x = layout.left + Double(c) * group + group * (1 - Self.groupFill) / 2 + Double(s) * barWidth
        let y = layout.py(yAxis.fraction(value))
        Self.bar(
          &svg, x: x + gap / 2, y: min(y, base), width: barWidth - gap, height: abs(base - y), style: style,
          attributes: ["data-category": categories[c], "data-value": TickFormat.compact(value, significantDigits: 6)])
        if let e = bars.errors?[c], e.isFinite, e > 0 {
          // An error bar: a vertical whisker with caps, centred on the bar.
          let mid = x + barWidth / 2, cap = min(6, barWidth * 0.3)
          let top = layout.py(yAxis.fraction(value + e)), bottom = layout.py(yAxis.fraction(value - e))
          svg.line(mid, top, mid, bottom, stroke: ChartLayout.axisColor, width: 1.2, class: "error-bar")
          svg.line(mid - cap, top, mid + cap, top, stroke: ChartLayout.axisColor, width: 1.2, class: "error-bar")
          svg.line(mid - cap, bottom, mid + cap, bottom, stroke: ChartLayout.axisColor, width: 1.2, class: "error-bar")
        }
      }
      svg.endGroup()
    }
  }

  private func drawCategoryLabels(_ svg: inout SVGWriter, layout: ChartLayout, slanted: Bool) {
    let n = SVGWriter.number
    let group = (layout.right - layout.left) / Double(categories.count)
    for (c, label) in categories.enumerated() {
      let x = layout.left + (Double(c) + 0.5) * group
      let y = slanted ? layout.bottom + ChartLayout.tickLength + 4 + ChartLayout.tickFont * 0.7 : layout.xTickBaseline
      svg.text(label, [
        "class": "x-tick", "x": n(x), "y": n(y), "font-size": n(ChartLayout.tickFont), "fill": ChartLayout.textColor,
        "text-anchor": slanted ? "end" : "middle", "transform": slanted ? "rotate(-45 \(n(x)) \(n(y)))" : nil,
      ])
    }
  }

  /// A filled bar (`class="bar"`) with its hatch laid over it (`class="hatch"`).
  private static func bar(
    _ svg: inout SVGWriter, x: Double, y: Double, width: Double, height: Double, style: SeriesStyle,
    attributes: [String: String]
  ) {
    let n = SVGWriter.number
    let isBar = !attributes.isEmpty
    svg.element("rect", [
      "class": isBar ? "bar" : "swatch", "x": n(x), "y": n(y), "width": n(width), "height": n(height),
      "fill": style.color, "data-category": attributes["data-category"], "data-value": attributes["data-value"],
    ])
    if let hatch = style.hatch {
      svg.element("rect", [
        "class": "hatch", "x": n(x), "y": n(y), "width": n(width), "height": n(height),
        "fill": "url(#\(SVGWriter.patternID(hatch)))",
      ])
    }
  }
}
