/// A parsed JSON document: the service reads request bodies with this small
/// parser instead of Foundation's `JSONDecoder` (whose `Codable` machinery
/// took half of a request's CPU time in profiles of `/v1/score`).
///
/// Strict RFC 8259: one value, no trailing commas or comments, strings are
/// UTF-8 with the standard escapes (surrogate pairs joined), numbers by the
/// JSON grammar. Nesting is limited to ``maxDepth``; the input's size is
/// bounded by the body limit before parsing. O(bytes).
enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  static let maxDepth = 64

  struct ParseError: Error {
    var message: String
    var offset: Int
  }

  static func parse(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> JSONValue {
    var p = Parser(bytes: bytes)
    p.skipSpace()
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == bytes.count else { throw ParseError(message: "unexpected text after the JSON value", offset: p.i) }
    return v
  }

  /// The kind, for messages ("found a string").
  var kind: String {
    switch self {
    case .null: "null"
    case .bool: "true or false"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var i = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipSpace() {
      while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    func fail(_ m: String) -> ParseError { ParseError(message: m, offset: i) }

    mutating func literal(_ word: StaticString, _ v: JSONValue) throws(ParseError) -> JSONValue {
      let n = word.utf8CodeUnitCount
      guard i + n <= bytes.count else { throw fail("unexpected end of input") }
      for j in 0..<n where bytes[i + j] != word.utf8Start[j] { throw fail("unexpected character") }
      i += n
      return v
    }

    mutating func value(depth: Int) throws(ParseError) -> JSONValue {
      guard depth < JSONValue.maxDepth else { throw fail("nesting deeper than \(JSONValue.maxDepth) levels") }
      guard i < bytes.count else { throw fail("unexpected end of input") }
      switch bytes[i] {
      case UInt8(ascii: "{"):
        i += 1
        var object: [String: JSONValue] = [:]
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
        while true {
          skipSpace()
          guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
          let key = try string()
          skipSpace()
          guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
          i += 1
          skipSpace()
          object[key] = try value(depth: depth + 1)
          skipSpace()
          guard i < bytes.count else { throw fail("unexpected end of input in an object") }
          if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
          if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(object) }
          throw fail("expected ',' or '}' in an object")
        }
      case UInt8(ascii: "["):
        i += 1
        var array: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
        while true {
          skipSpace()
          array.append(try value(depth: depth + 1))
          skipSpace()
          guard i < bytes.count else { throw fail("unexpected end of input in an array") }
          if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
          if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(array) }
          throw fail("expected ',' or ']' in an array")
        }
      case UInt8(ascii: "\""):
        return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return .number(try number())
      default:
        throw fail("unexpected character")
      }
    }

    mutating func number() throws(ParseError) -> Double {
      let start = i
      func digits(_ p: inout Parser) -> Int {
        let s = p.i
        while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
        return p.i - s
      }
      if bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard i < bytes.count else { throw fail("a number needs digits") }
      if bytes[i] == UInt8(ascii: "0") { i += 1 } else if digits(&self) == 0 { throw fail("a number needs digits") }
      if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
        i += 1
        guard digits(&self) > 0 else { throw fail("digits expected after '.'") }
      }
      if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
        i += 1
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits(&self) > 0 else { throw fail("digits expected in the exponent") }
      }
      let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
      guard let v = Double(text) else { throw ParseError(message: "not a number", offset: start) }
      return v
    }

    mutating func hex4() throws(ParseError) -> UInt32 {
      guard i + 4 <= bytes.count else { throw fail("\\u needs 4 hex digits") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let c = bytes[i]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        default: throw fail("\\u needs 4 hex digits")
        }
        v = v << 4 | d
        i += 1
      }
      return v
    }

    /// A string starting at the opening quote.
    mutating func string() throws(ParseError) -> String {
      i += 1
      let start = i
      // Fast path: no escapes.
      while i < bytes.count {
        let c = bytes[i]
        if c == UInt8(ascii: "\"") {
          let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
          i += 1
          guard let s = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw ParseError(message: "a string is not valid UTF-8", offset: start)
          }
          return s
        }
        if c == UInt8(ascii: "\\") { break }
        guard c >= 0x20 else { throw fail("control character in a string (escape it)") }
        i += 1
      }
      var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
      while i < bytes.count {
        let c = bytes[i]
        if c == UInt8(ascii: "\"") {
          i += 1
          guard let s = String(validating: out, as: UTF8.self) else {
            throw ParseError(message: "a string is not valid UTF-8", offset: start)
          }
          return s
        }
        guard c >= 0x20 else { throw fail("control character in a string (escape it)") }
        if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
        i += 1
        guard i < bytes.count else { break }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800...0xDBFF).contains(scalar) {
            guard i + 2 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
              throw fail("a high surrogate must be followed by a low one")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("a high surrogate must be followed by a low one") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw fail("\\u escape of a lone surrogate") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default:
          throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
        }
      }
      throw ParseError(message: "unterminated string", offset: start - 1)
    }
  }
}
