import Foundation

/// How data values map to positions along an axis.
public enum AxisScale: Equatable, Sendable {
  /// Position proportional to the value.
  case linear
  /// Position proportional to log10 of the value; every value must be > 0.
  case log10
}

/// A numeric axis: its domain (the first and last tick), the tick values and
/// their labels, and the map from data values to a fraction of the axis length.
///
/// Linear ticks are "nice" numbers, multiples of 1, 2, 2.5 or 5 times a power
/// of ten, chosen as the smallest such step giving at most `targetIntervals`
/// intervals over the data (Heckbert, "Nice numbers for graph labels",
/// Graphics Gems, 1990, with 2.5 added). Log ticks are whole decades, with
/// 2x and 5x ticks added when the data span two decades or fewer.
public struct Axis: Equatable, Sendable {
  public var scale: AxisScale
  /// The value at the start of the axis (the first tick).
  public var lower: Double
  /// The value at the end of the axis (the last tick).
  public var upper: Double
  /// Tick values in increasing order, from `lower` to `upper`.
  public var ticks: [Double]
  /// One compact label per tick (see `TickFormat`).
  public var labels: [String]

  /// A linear axis over `[dataMin, dataMax]`, widened to nice ticks and, when
  /// `includeZero`, to take in 0. An empty span (`dataMin == dataMax`) is
  /// widened to [0, 1] for 0, else by 10% of the value either side.
  /// - Complexity: O(number of ticks).
  public static func linear(
    dataMin: Double, dataMax: Double, includeZero: Bool = true, targetIntervals: Int = 5
  ) -> Axis {
    var low = min(dataMin, dataMax)
    var high = max(dataMin, dataMax)
    if includeZero {
      low = min(low, 0)
      high = max(high, 0)
    }
    if high - low <= abs(high) * 1e-12 {
      if high == 0 {
        (low, high) = (0, 1)
      } else {
        // Only reachable without includeZero: a single non-zero value.
        let pad = abs(high) * 0.1
        (low, high) = (low - pad, high + pad)
      }
    }
    let step = NiceStep(span: high - low, intervals: max(targetIntervals, 1))
    let first = Int((low / step.value + 1e-9).rounded(.down))
    let last = Int((high / step.value - 1e-9).rounded(.up))
    let ticks = (first...max(last, first + 1)).map(step.multiple)
    let labels = ticks.map { TickFormat.label($0, step: step.value) }
    return Axis(scale: .linear, lower: ticks[0], upper: ticks[ticks.count - 1], ticks: ticks, labels: labels)
  }

  /// A log10 axis over `[dataMin, dataMax]` (both > 0), widened to whole
  /// decades. A single decade value (say 1...1) is widened by one decade
  /// either side. More than 8 decades are ticked every few decades.
  /// - Precondition: `dataMin > 0` (callers check and throw `ChartError`).
  /// - Complexity: O(number of decades).
  public static func log10(dataMin: Double, dataMax: Double) -> Axis {
    precondition(dataMin > 0 && dataMax > 0, "log10 axis needs positive values")
    var low = TickFormat.decade(min(dataMin, dataMax))
    var high = TickFormat.decade(max(dataMin, dataMax))
    if TickFormat.powerOfTen(high) < max(dataMin, dataMax) { high += 1 }
    if high == low {
      low -= 1
      high += 1
    }
    var ticks: [Double] = []
    if high - low <= 2 {
      for exponent in low..<high {
        for mantissa in [1.0, 2.0, 5.0] { ticks.append(mantissa * TickFormat.powerOfTen(exponent)) }
      }
      ticks.append(TickFormat.powerOfTen(high))
    } else {
      let stride = (high - low + 7) / 8
      if (high - low) % stride != 0 { high += stride - (high - low) % stride }
      ticks = Swift.stride(from: low, through: high, by: stride).map(TickFormat.powerOfTen)
    }
    let labels = ticks.map { TickFormat.compact($0) }
    return Axis(scale: .log10, lower: ticks[0], upper: ticks[ticks.count - 1], ticks: ticks, labels: labels)
  }

  /// Where `value` falls along the axis: 0 at `lower`, 1 at `upper`.
  /// - Complexity: O(1).
  public func fraction(_ value: Double) -> Double {
    switch scale {
    case .linear:
      return (value - lower) / (upper - lower)
    case .log10:
      let low = Foundation.log10(lower)
      return (Foundation.log10(value) - low) / (Foundation.log10(upper) - low)
    }
  }
}

/// A step of the form (1, 2, 2.5 or 5) x 10^e, kept as an integer numerator
/// and a power of ten so that tick k is computed as one correctly rounded
/// division (3 x 0.1 gives 0.3, not 0.30000000000000004).
struct NiceStep {
  /// step = numerator x 10^exponent.
  var numerator: Double
  var exponent: Int

  /// The smallest nice step giving at most `intervals` intervals over `span`.
  init(span: Double, intervals: Int) {
    let raw = span / Double(intervals)
    let decade = TickFormat.decade(raw)
    // Mantissas scaled by 10 so 2.5 stays an integer.
    for mantissa in [10.0, 20, 25, 50, 100] where mantissa * TickFormat.powerOfTen(decade - 1) >= raw * (1 - 1e-9) {
      numerator = mantissa
      exponent = decade - 1
      return
    }
    numerator = 10
    exponent = decade + 1
  }

  var value: Double { multiple(1) }

  /// k x step.
  func multiple(_ k: Int) -> Double {
    let scaled = Double(k) * numerator
    return exponent >= 0 ? scaled * TickFormat.powerOfTen(exponent) : scaled / TickFormat.powerOfTen(-exponent)
  }
}
