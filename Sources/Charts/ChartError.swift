/// Why a chart could not be drawn or written, phrased so that the message
/// alone says what was wrong and how to fix it.
///
/// `description` reads like a diagnostic:
/// `error: series "gram" has x = 0 on a log10 x axis (log scales need x > 0); drop the point or use a linear x axis`.
public enum ChartError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The chart has no series at all.
  case noSeries
  /// The bar chart has no categories.
  case noCategories
  /// Every point of every series is NaN or infinite, so there is nothing to scale the axes by.
  case noFinitePoints
  /// A finite value that is zero or negative on a log10 axis (`axis` is "x" or "y").
  case nonPositiveOnLogScale(axis: String, series: String, value: Double)
  /// A bar series has a different number of values than there are categories.
  case valueCountMismatch(series: String, values: Int, categories: Int)
  /// `x` and `y` arrays of different lengths were passed to `Series(name:x:y:)`.
  case coordinateCountMismatch(series: String, xCount: Int, yCount: Int)
  /// The requested canvas is too small to hold axes, labels and legend (pixels).
  case canvasTooSmall(width: Int, height: Int, minimumWidth: Int, minimumHeight: Int)
  /// The SVG file could not be written.
  case unwritable(path: String, reason: String)

  public var description: String {
    switch self {
    case .noSeries:
      return "error: the chart has no series; add at least one series before drawing"
    case .noCategories:
      return "error: the bar chart has no categories; pass one label per group (for example \"1\"...\"10\" for deciles)"
    case .noFinitePoints:
      return "error: every value in the chart is NaN or infinite, so there is nothing to plot; check the metrics passed in"
    case let .nonPositiveOnLogScale(axis, series, value):
      return "error: series \"\(series)\" has \(axis) = \(value) on a log10 \(axis) axis (log scales need \(axis) > 0); "
        + "drop the point or use a linear \(axis) axis"
    case let .valueCountMismatch(series, values, categories):
      return "error: bar series \"\(series)\" has \(values) values but the chart has \(categories) categories; "
        + "pass exactly one value per category (NaN for a missing one)"
    case let .coordinateCountMismatch(series, xCount, yCount):
      return "error: series \"\(series)\" has \(xCount) x values but \(yCount) y values; pass arrays of equal length"
    case let .canvasTooSmall(width, height, minimumWidth, minimumHeight):
      return "error: a \(width)x\(height) pixel canvas is too small for this chart; "
        + "use at least \(minimumWidth)x\(minimumHeight) pixels or shorten the labels"
    case let .unwritable(path, reason):
      return "error: cannot write chart to \(path): \(reason); check that the folder exists and is writable"
    }
  }
}
