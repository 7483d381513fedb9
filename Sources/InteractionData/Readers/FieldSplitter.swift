#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation
import GramianKernels

/// A resolved field separator (``Delimiter`` without `.auto`).
enum FieldDelimiter: Equatable, Sendable {
  case byte(UInt8)
  /// Runs of spaces and tabs; leading and trailing whitespace ignored.
  case whitespace
  case doubleColon

  init?(_ d: Delimiter) {
    switch d {
    case .auto: return nil
    case .comma: self = .byte(UInt8(ascii: ","))
    case .tab: self = .byte(9)
    case .pipe: self = .byte(UInt8(ascii: "|"))
    case .whitespace: self = .whitespace
    case .doubleColon: self = .doubleColon
    }
  }

  /// How the separator is named in messages.
  var name: String {
    switch self {
    case .byte(9): return "tab"
    case .byte(UInt8(ascii: ",")): return "comma"
    case .byte(UInt8(ascii: "|")): return "pipe"
    case .byte(let b): return "'\(Character(Unicode.Scalar(b)))'"
    case .whitespace: return "whitespace"
    case .doubleColon: return "'::'"
    }
  }
}

/// Byte-level line and field scanning over a mapped file, and the same
/// splitting for one line of text (``fields(of:delimiter:)``), so every
/// reader of the package splits fields alike.
public enum FieldSplitter {
  /// The fields of one line, split as the interaction reader splits them:
  /// with a one-byte delimiter, RFC 4180 quoting (a quoted field may hold
  /// the delimiter; `""` inside it is one quote); `.whitespace` splits on
  /// runs of spaces and tabs; `.auto` picks tab, then comma, then whitespace
  /// by what the line holds.
  /// - Complexity: O(line length).
  public static func fields(of line: String, delimiter: Delimiter) -> [String] {
    let resolved: FieldDelimiter
    if let d = FieldDelimiter(delimiter) {
      resolved = d
    } else {
      resolved = line.contains("\t") ? .byte(9) : line.contains(",") ? .byte(UInt8(ascii: ",")) : .whitespace
    }
    var bytes = Array(line.utf8)
    if bytes.last == 13 { bytes.removeLast() }
    guard !bytes.isEmpty else { return [] }
    return bytes.withUnsafeBufferPointer { buf -> [String] in
      let base = buf.baseAddress!, end = buf.count
      let limit = end + 1
      var bounds = [Int](repeating: 0, count: 2 * limit)
      let n = bounds.withUnsafeMutableBufferPointer { split(base, 0, end, resolved, limit: limit, into: $0.baseAddress!) }
      return (0..<n).map { k in
        let a = bounds[2 * k], b = bounds[2 * k + 1]
        let text = String(decoding: UnsafeBufferPointer(start: base + a, count: b - a), as: UTF8.self)
        let quoted = a > 0 && base[a - 1] == 34 && b < end && base[b] == 34
        return quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
      }
    }
  }

  /// The end of the line starting at `start` (index of its `\n`, or
  /// `count`). Uses `memchr`, which glibc vectorises.
  @inline(__always)
  static func lineEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Int {
    guard let hit = memchr(base + start, 10, count - start) else { return count }
    return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
  }

  /// Number of `\n` bytes in `base[start..<end]` (a vectorised count).
  static func newlineCount(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    end > start ? gk_count_byte(base + start, end - start, 10) : 0
  }

  /// Splits `base[start..<end]` into at most `limit` fields, writing field
  /// `k` as `bounds[2k] ..< bounds[2k+1]`; returns how many were found.
  ///
  /// With a one-byte separator, a field that starts with a double quote
  /// runs to its closing quote (RFC 4180): separators inside are part of
  /// the field, and the quotes are dropped. A doubled quote `""` inside
  /// stays two bytes (fields are not copied to unescape it). A quoted field
  /// that is not closed on its line, or is followed by anything but the
  /// separator, is returned raw (quotes and all, to the next separator), so
  /// the caller's checks report it as written.
  @inline(__always)
  static func split(
    _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ delimiter: FieldDelimiter,
    limit: Int, into bounds: UnsafeMutablePointer<Int>
  ) -> Int {
    var found = 0
    var i = start
    switch delimiter {
    case .byte(let sep):
      var fieldStart = i
      while found < limit {
        if fieldStart < end && base[fieldStart] == 34, let close = closingQuote(base, fieldStart, end),
           close + 1 == end || base[close + 1] == sep {
          bounds[2 * found] = fieldStart + 1
          bounds[2 * found + 1] = close
          i = close + 1
        } else {
          i = find(sep, base, i, end)
          bounds[2 * found] = fieldStart
          bounds[2 * found + 1] = i
        }
        found += 1
        if i >= end { break }
        i += 1
        fieldStart = i
      }
    case .whitespace:
      while found < limit {
        while i < end && (base[i] == 32 || base[i] == 9) { i += 1 }
        if i >= end { break }
        let a = i
        while i < end && base[i] != 32 && base[i] != 9 { i += 1 }
        bounds[2 * found] = a
        bounds[2 * found + 1] = i
        found += 1
      }
    case .doubleColon:
      var fieldStart = i
      while found < limit {
        while i < end && !(base[i] == 58 && i + 1 < end && base[i + 1] == 58) { i += 1 }
        bounds[2 * found] = fieldStart
        bounds[2 * found + 1] = i
        found += 1
        if i >= end { break }
        i += 2
        fieldStart = i
      }
    }
    return found
  }

  /// The closing quote of the quoted field whose opening quote is at
  /// `open` (doubled quotes skipped), or nil when the line ends first.
  @inline(__always)
  static func closingQuote(_ base: UnsafePointer<UInt8>, _ open: Int, _ end: Int) -> Int? {
    var q = open + 1
    while true {
      q = find(34, base, q, end)
      if q >= end { return nil }
      if q + 1 < end && base[q + 1] == 34 { q += 2; continue }
      return q
    }
  }

  /// The index of the first `byte` in `base[i..<end]`, or `end`. Eight
  /// bytes at a time (SWAR: a byte equal to `byte` becomes zero after the
  /// xor; `(v - 0x01..) & ~v & 0x80..` flags zero bytes, exactly for the
  /// lowest one), so a field costs a few word operations, not one
  /// compare-and-branch per byte.
  @inline(__always)
  static func find(_ byte: UInt8, _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    let pattern = ones &* UInt64(byte)
    let raw = UnsafeRawPointer(base)
    var i = start
    while i + 8 <= end {
      let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ pattern
      let hit = (v &- ones) & ~v & highs
      if hit != 0 { return i + hit.trailingZeroBitCount >> 3 }
      i += 8
    }
    while i < end && base[i] != byte { i += 1 }
    return i
  }

  /// Total number of fields of a line (for messages).
  static func fieldCount(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ delimiter: FieldDelimiter) -> Int {
    let limit = end - start + 1
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * limit) { b in
      split(base, start, end, delimiter, limit: limit, into: b.baseAddress!)
    }
  }

  /// Whether `base[start..<end]` holds only spaces and tabs.
  @inline(__always)
  static func isBlank(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    while i < end {
      if base[i] != 32 && base[i] != 9 { return false }
      i += 1
    }
    return true
  }

  /// The text of a field for messages: valid UTF-8 as is (shortened past
  /// 40 characters), otherwise hex bytes.
  static func display(_ base: UnsafePointer<UInt8>, _ a: Int, _ b: Int) -> String {
    let buffer = UnsafeBufferPointer(start: base + a, count: b - a)
    if let s = String(validating: buffer, as: UTF8.self) {
      return s.count > 40 ? String(s.prefix(40)) + "..." : s
    }
    // Printable ASCII as is, every other byte as \xNN.
    return buffer.prefix(40).map { b in
      if b >= 32 && b < 127 { return String(Character(Unicode.Scalar(b))) }
      let h = String(b, radix: 16, uppercase: true)
      return "\\x" + (h.count == 1 ? "0" + h : h)
    }.joined()
  }
}
