#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Number parsing straight from bytes, without making a `String`.
///
/// Decimals follow the grammar `[+-]digits[.digits][(e|E)[+-]digits]`
/// (at least one digit before or after the point) plus `nan`, `inf`,
/// `infinity` in any case, so that callers can reject non-finite weights
/// with a precise message. Results are correctly rounded: the common case
/// (at most 7 significant digits and |exponent| <= 10) is exact in Float
/// arithmetic (Clinger's fast path: W. D. Clinger, "How to read floating
/// point numbers accurately", PLDI 1990); anything else goes to `strtof`.
enum ByteNumbers {
  /// Exact powers of ten in Float (10^0 ... 10^10 are representable).
  private static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

  /// The decimal in `p[0..<n]`, or nil when the bytes are not one.
  ///
  /// - Complexity: O(n).
  @inline(__always)
  static func parseFloat(_ p: UnsafePointer<UInt8>, _ n: Int) -> Float? {
    if n == 0 { return nil }
    var i = 0
    var negative = false
    if p[0] == UInt8(ascii: "-") {
      negative = true
      i = 1
    } else if p[0] == UInt8(ascii: "+") {
      i = 1
    }
    var mantissa: UInt64 = 0
    var significant = 0  // digits accumulated in mantissa, leading zeros excluded
    var exponent = 0
    var sawDigit = false
    var inexact = false
    while i < n {
      let d = p[i] &- 48
      if d > 9 { break }
      sawDigit = true
      if significant < 19 {
        mantissa = mantissa &* 10 &+ UInt64(d)
        if mantissa != 0 { significant += 1 }
      } else {
        exponent += 1
        if d != 0 { inexact = true }
      }
      i += 1
    }
    if i < n && p[i] == UInt8(ascii: ".") {
      i += 1
      while i < n {
        let d = p[i] &- 48
        if d > 9 { break }
        sawDigit = true
        if significant < 19 {
          mantissa = mantissa &* 10 &+ UInt64(d)
          if mantissa != 0 { significant += 1 }
          exponent -= 1
        } else if d != 0 {
          inexact = true
        }
        i += 1
      }
    }
    if !sawDigit { return parseSpecial(p + i, n - i, negative: negative, signed: i > 0) }
    if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
      i += 1
      var expNegative = false
      if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
        expNegative = p[i] == UInt8(ascii: "-")
        i += 1
      }
      var e = 0
      var expDigits = 0
      while i < n {
        let d = p[i] &- 48
        if d > 9 { break }
        if e < 100_000 { e = e * 10 + Int(d) }
        expDigits += 1
        i += 1
      }
      if expDigits == 0 { return nil }
      exponent += expNegative ? -e : e
    }
    if i != n { return nil }
    if mantissa == 0 { return negative ? -0.0 : 0 }
    if !inexact && mantissa < (1 << 24) && exponent >= -10 && exponent <= 10 {
      var value = Float(mantissa)
      if exponent < 0 { value /= floatPowers[-exponent] } else { value *= floatPowers[exponent] }
      return negative ? -value : value
    }
    return slowFloat(p, n)
  }

  /// `strtof` on a NUL-terminated copy (already validated by the caller).
  private static func slowFloat(_ p: UnsafePointer<UInt8>, _ n: Int) -> Float {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
      for k in 0..<n { buf[k] = CChar(bitPattern: p[k]) }
      buf[n] = 0
      return strtof(buf.baseAddress!, nil)
    }
  }

  /// `nan`, `inf`, `infinity` (any case) after an optional sign.
  private static func parseSpecial(_ p: UnsafePointer<UInt8>, _ n: Int, negative: Bool, signed: Bool) -> Float? {
    func matches(_ word: StaticString) -> Bool {
      guard word.utf8CodeUnitCount == n else { return false }
      let w = word.utf8Start
      for k in 0..<n where (p[k] | 0x20) != w[k] { return false }
      return true
    }
    if matches("nan") { return .nan }
    if matches("inf") || matches("infinity") { return negative ? -.infinity : .infinity }
    return nil
  }

  /// The integer in `p[0..<n]` (optional sign, digits), or nil when the
  /// bytes are not an integer or it overflows Int64.
  @inline(__always)
  static func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
    if n == 0 { return nil }
    var i = 0
    var negative = false
    if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
      negative = p[0] == UInt8(ascii: "-")
      i = 1
      if n == 1 { return nil }
    }
    var value: Int64 = 0
    if n - i <= 18 {
      // At most 18 digits cannot overflow Int64.
      while i < n {
        let d = p[i] &- 48
        if d > 9 { return nil }
        value = value &* 10 &+ Int64(d)
        i += 1
      }
      return negative ? -value : value
    }
    while i < n {
      let d = p[i] &- 48
      if d > 9 { return nil }
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(Int64(d))
      if o1 || o2 { return nil }
      value = s
      i += 1
    }
    return negative ? -value : value
  }

  /// A timestamp: an integer, or a finite decimal truncated toward zero
  /// (some exports write `978300760.0`).
  @inline(__always)
  static func parseTimestamp(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
    if let v = parseInt64(p, n) { return v }
    guard let f = parseDouble(p, n), f.isFinite, abs(f) < 9.2e18 else { return nil }
    return Int64(f)
  }

  /// A Double via `strtod` after the same grammar check as ``parseFloat``.
  private static func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
    guard parseFloat(p, n) != nil else { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
      for k in 0..<n { buf[k] = CChar(bitPattern: p[k]) }
      buf[n] = 0
      return strtod(buf.baseAddress!, nil)
    }
  }
}
