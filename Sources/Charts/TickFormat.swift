import Foundation

/// Compact number text for tick labels: `0`, `0.25`, `0.001`, `1e-4`,
/// `2.5e-5`, `10k`, `1.5M`.
///
/// Magnitudes in [0.001, 1000) print as plain decimals without trailing
/// zeros; smaller ones in scientific notation (`1e-4`); larger ones with an SI
/// suffix (k, M, G, T), and beyond 10^15 scientific again.
public enum TickFormat {
  /// The label of a tick `value` on an axis whose ticks are `step` apart:
  /// just enough digits to tell neighbouring ticks apart (`0.3` rather
  /// than `0.30000000000000004`). - Complexity: O(1).
  public static func label(_ value: Double, step: Double) -> String {
    guard value.isFinite else { return String(describing: value) }
    let step = abs(step)
    if value == 0 || (step > 0 && abs(value) < step * 1e-9) { return "0" }
    let magnitude = abs(value)
    if magnitude < 0.001 {
      let digits = decimalPlaces(step) + decade(magnitude) + 1
      return scientific(value, significantDigits: min(max(digits, 1), 15))
    }
    if let (divisor, suffix) = siSuffix(magnitude) {
      return fixed(value / divisor, decimals: decimalPlaces(step / divisor)) + suffix
    }
    if magnitude >= 1e15 { return scientific(value, significantDigits: 3) }
    return fixed(value, decimals: decimalPlaces(step))
  }

  /// `value` rounded to `significantDigits` in the same compact style
  /// (used for log-axis ticks, which are not evenly spaced). - Complexity: O(1).
  public static func compact(_ value: Double, significantDigits: Int = 3) -> String {
    guard value.isFinite else { return String(describing: value) }
    if value == 0 { return "0" }
    let digits = min(max(significantDigits, 1), 15)
    // Round first so that 999.96 becomes 1k rather than "1000".
    let shift = digits - 1 - decade(abs(value))
    let scale = powerOfTen(abs(shift))
    let value = shift >= 0 ? (value * scale).rounded() / scale : (value / scale).rounded() * scale
    let magnitude = abs(value)
    if magnitude < 0.001 || magnitude >= 1e15 {
      return scientific(value, significantDigits: digits)
    }
    if let (divisor, suffix) = siSuffix(magnitude) {
      let scaled = value / divisor
      return fixed(scaled, decimals: max(0, digits - 1 - decade(abs(scaled)))) + suffix
    }
    return fixed(value, decimals: max(0, digits - 1 - decade(magnitude)))
  }

  /// The SI divisor and suffix for magnitudes in [10^3, 10^15), else nil.
  static func siSuffix(_ magnitude: Double) -> (Double, String)? {
    switch magnitude {
    case 1e12..<1e15: return (1e12, "T")
    case 1e9..<1e12: return (1e9, "G")
    case 1e6..<1e9: return (1e6, "M")
    case 1e3..<1e6: return (1e3, "k")
    default: return nil
    }
  }

  /// floor(log10(magnitude)) for magnitude > 0, corrected for rounding in
  /// `log10` (so that 0.001 gives -3, not -4).
  static func decade(_ magnitude: Double) -> Int {
    var exponent = Int(Foundation.log10(magnitude).rounded(.down))
    if powerOfTen(exponent + 1) <= magnitude { exponent += 1 }
    if powerOfTen(exponent) > magnitude { exponent -= 1 }
    return exponent
  }

  /// 10^exponent, correctly rounded (10^-3 is computed as 1/1000).
  static func powerOfTen(_ exponent: Int) -> Double {
    let exact = Foundation.pow(10.0, Double(abs(exponent)))
    return exponent >= 0 ? exact : 1 / exact
  }

  /// The fewest decimals d (0...15) with `step` * 10^d a whole number.
  static func decimalPlaces(_ step: Double) -> Int {
    guard step.isFinite, step > 0 else { return 0 }
    for places in 0...15 {
      let scaled = step * powerOfTen(places)
      if abs(scaled - scaled.rounded()) <= 1e-9 * max(scaled, 1) { return places }
    }
    return 15
  }

  /// `value` with `decimals` places, trailing zeros and a bare point removed, no "-0".
  static func fixed(_ value: Double, decimals: Int) -> String {
    var text = String(format: "%.\(min(max(decimals, 0), 15))f", value)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    if text == "-0" { text = "0" }
    return text
  }

  /// `value` as mantissa `e` exponent, e.g. `2.5e-5`, mantissa without trailing zeros.
  static func scientific(_ value: Double, significantDigits: Int) -> String {
    var exponent = decade(abs(value))
    let decimals = max(significantDigits - 1, 0)
    var mantissa = value / powerOfTen(exponent)
    let unit = powerOfTen(decimals)
    mantissa = (mantissa * unit).rounded() / unit
    if abs(mantissa) >= 10 {
      mantissa /= 10
      exponent += 1
    }
    return fixed(mantissa, decimals: decimals) + "e\(exponent)"
  }
}
