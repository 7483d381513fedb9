/// Where everything goes on the canvas, in pixels (origin top left, y down):
/// the plot rectangle, the title, the axis titles and the legend.
///
/// Margins are sized from estimated text widths (`textWidth`), so long tick
/// labels or series names push the plot inwards instead of overlapping it.
/// The legend sits to the right of the plot when it needs at most a third of
/// the width, otherwise in rows below the x axis title.
struct ChartLayout {
  static let titleFont = 16.0
  static let axisTitleFont = 13.0
  static let tickFont = 12.0
  static let legendFont = 12.0
  static let tickLength = 5.0
  static let legendRowHeight = 20.0
  static let legendSwatch = 30.0
  static let legendPadding = 8.0
  /// Smallest plot rectangle worth drawing.
  static let minimumPlot = (width: 100.0, height: 60.0)

  var width: Double
  var height: Double
  /// The plot rectangle.
  var left, top, right, bottom: Double
  var titleFontSize: Double
  var titleCenterX: Double
  /// Baseline of the x tick labels (horizontal labels) or their anchor (rotated).
  var xTickBaseline: Double
  var xTitleBaseline: Double
  var yTitleBaseline: Double
  /// The legend box and the top-left corner of each entry's row.
  var legendBox: (x: Double, y: Double, width: Double, height: Double)
  var legendEntries: [(x: Double, y: Double)]

  /// A generous estimate of the rendered width of `text` at `size` px in a
  /// sans-serif font (0.6 em per character; typical averages are 0.5-0.55 em).
  static func textWidth(_ text: String, size: Double) -> Double {
    Double(text.count) * size * 0.6
  }

  /// Lays out a `width` x `height` chart.
  /// - Parameters:
  ///   - yTickLabels: the y labels, to size the left margin.
  ///   - xTickBand: height reserved under the axis for the x tick labels.
  ///   - xOverhang: how far the last x label reaches past the plot's right edge.
  ///   - xUnderhang: how far the first x label reaches left of the plot's left edge.
  ///   - legendNames: one per series, in order.
  /// - Throws: `ChartError.canvasTooSmall` when less than a 100 x 60 px plot remains.
  /// - Complexity: O(total characters of the labels).
  init(
    width: Int, height: Int, title: String, xLabel: String, yLabel: String,
    yTickLabels: [String], xTickBand: Double = 16, xOverhang: Double = 0, xUnderhang: Double = 0,
    legendNames: [String]
  ) throws {
    self.width = Double(width)
    self.height = Double(height)
    let tickWidth = yTickLabels.map { Self.textWidth($0, size: Self.tickFont) }.max() ?? 0
    left = max(8 + (yLabel.isEmpty ? 0 : Self.axisTitleFont + 10) + tickWidth + Self.tickLength + 4, xUnderhang + 6)
    // Next to the tick labels, also when a wide first x label pushed the plot right.
    yTitleBaseline = left - (tickWidth + Self.tickLength + 4 + 10)

    var titleSize = Self.titleFont
    while titleSize > 11 && Self.textWidth(title, size: titleSize) > self.width - 20 { titleSize -= 1 }
    titleFontSize = titleSize
    top = title.isEmpty ? 16 : titleSize + 28

    let nameWidth = legendNames.map { Self.textWidth($0, size: Self.legendFont) }.max() ?? 0
    let entryWidth = Self.legendSwatch + 6 + nameWidth
    let boxWidth = entryWidth + 2 * Self.legendPadding
    let legendOnRight = boxWidth + 24 <= self.width / 3
    right = self.width - (legendOnRight ? boxWidth + 24 : max(16, xOverhang + 6))

    // Rows of the legend when it goes below: entries flow left to right.
    var rows: [[Int]] = [[]]
    var rowWidth = 0.0
    let rowLimit = self.width - 16
    for (index, name) in legendNames.enumerated() where !legendOnRight {
      let item = Self.legendSwatch + 6 + Self.textWidth(name, size: Self.legendFont) + 18
      if rowWidth + item > rowLimit && !rows[rows.count - 1].isEmpty {
        rows.append([])
        rowWidth = 0
      }
      rows[rows.count - 1].append(index)
      rowWidth += item
    }
    let legendBelowHeight = legendOnRight ? 0 : Double(rows.count) * Self.legendRowHeight + Self.legendPadding

    let xTitleBand = xLabel.isEmpty ? 0 : Self.axisTitleFont + 10
    bottom = self.height - (Self.tickLength + xTickBand + xTitleBand + 10 + (legendOnRight ? 0 : legendBelowHeight + 6))
    xTickBaseline = bottom + Self.tickLength + Self.tickFont + 1
    xTitleBaseline = bottom + Self.tickLength + xTickBand + Self.axisTitleFont + 6

    let plotWidth = right - left
    let plotHeight = bottom - top
    guard plotWidth >= Self.minimumPlot.width, plotHeight >= Self.minimumPlot.height else {
      throw ChartError.canvasTooSmall(
        width: width, height: height,
        minimumWidth: Int((self.width - plotWidth + Self.minimumPlot.width).rounded(.up)),
        minimumHeight: Int((self.height - plotHeight + Self.minimumPlot.height).rounded(.up)))
    }
    let halfTitle = Self.textWidth(title, size: titleSize) / 2
    titleCenterX = min(max((left + right) / 2, halfTitle + 10), self.width - halfTitle - 10)

    if legendOnRight {
      let x = right + 24 - 8
      let boxHeight = Double(legendNames.count) * Self.legendRowHeight + Self.legendPadding
      legendBox = (x, top, boxWidth, boxHeight)
      let top = self.top
      legendEntries = legendNames.indices.map {
        (x + Self.legendPadding, top + Self.legendPadding / 2 + Double($0) * Self.legendRowHeight)
      }
    } else {
      let y = xTitleBaseline + 10
      legendBox = (8, y, self.width - 16, legendBelowHeight)
      var entries = [(x: Double, y: Double)](repeating: (0, 0), count: legendNames.count)
      for (rowIndex, row) in rows.enumerated() {
        var x = 8 + Self.legendPadding
        for index in row {
          entries[index] = (x, y + Self.legendPadding / 2 + Double(rowIndex) * Self.legendRowHeight)
          x += Self.legendSwatch + 6 + Self.textWidth(legendNames[index], size: Self.legendFont) + 18
        }
      }
      legendEntries = entries
    }
  }

  /// The x pixel of a fraction along the x axis (0 = left edge of the plot).
  func px(_ fraction: Double) -> Double { left + fraction * (right - left) }

  /// The y pixel of a fraction up the y axis (0 = bottom edge of the plot).
  func py(_ fraction: Double) -> Double { bottom - fraction * (bottom - top) }
}
