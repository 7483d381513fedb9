/// One point of a line series, in data units.
public struct Point: Equatable, Sendable {
  public var x: Double
  public var y: Double

  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }

  /// True when both coordinates are finite (neither NaN nor infinite).
  public var isFinite: Bool { x.isFinite && y.isFinite }
}

/// A named line of a `LineChart`: points joined in the order given (sort by
/// x first for a sweep). Points with a NaN or infinite coordinate are not
/// drawn; the line is broken there rather than bridged.
public struct Series: Equatable, Sendable {
  /// Legend text; any characters (escaped on output).
  public var name: String
  public var points: [Point]

  public init(name: String, points: [Point]) {
    self.name = name
    self.points = points
  }

  /// A series from `(x, y)` pairs.
  public init(name: String, pairs: [(x: Double, y: Double)]) {
    self.init(name: name, points: pairs.map { Point(x: $0.x, y: $0.y) })
  }

  /// A series from parallel coordinate arrays.
  /// - Throws: `ChartError.coordinateCountMismatch` when the arrays differ in length.
  public init(name: String, x: [Double], y: [Double]) throws {
    guard x.count == y.count else {
      throw ChartError.coordinateCountMismatch(series: name, xCount: x.count, yCount: y.count)
    }
    self.init(name: name, points: zip(x, y).map { Point(x: $0, y: $1) })
  }
}

/// A named set of bars of a `BarChart`: `values[i]` is the bar drawn in
/// category `i`. A NaN or infinite value draws no bar in that group.
public struct BarSeries: Equatable, Sendable {
  /// Legend text; any characters (escaped on output).
  public var name: String
  public var values: [Double]
  /// Half-lengths of error bars (`values[i] ± errors[i]`, e.g. standard
  /// errors over seeds), one per value; nil: no error bars. A NaN or
  /// non-positive entry draws none for that bar.
  public var errors: [Double]?

  public init(name: String, values: [Double], errors: [Double]? = nil) {
    self.name = name
    self.values = values
    self.errors = errors
  }
}
