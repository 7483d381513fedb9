/// Typed reading of a parsed request body, with errors that name the field
/// (`k: expected an integer, found a string`) as a 400 ``APIError``.
struct JSONFields {
  let object: [String: JSONValue]
  let path: String

  init(_ object: [String: JSONValue], path: String = "") {
    self.object = object
    self.path = path
  }

  func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> APIError {
    APIError.badRequest("\(name(key)): expected \(expected), found \(found.kind)")
  }

  /// nil when absent or null (as optional fields are).
  private func present(_ key: String) -> JSONValue? {
    guard let v = object[key], v != .null else { return nil }
    return v
  }

  func string(_ key: String) throws(APIError) -> String? {
    guard let v = present(key) else { return nil }
    guard case .string(let s) = v else { throw mismatch(key, "a string", v) }
    return s
  }

  func bool(_ key: String) throws(APIError) -> Bool? {
    guard let v = present(key) else { return nil }
    guard case .bool(let b) = v else { throw mismatch(key, "true or false", v) }
    return b
  }

  func int(_ key: String) throws(APIError) -> Int? {
    guard let v = present(key) else { return nil }
    guard case .number(let d) = v else { throw mismatch(key, "an integer", v) }
    guard d == d.rounded(), abs(d) <= 1e15 else { throw APIError.badRequest("\(name(key)): expected an integer, found \(d)") }
    return Int(d)
  }

  func float(_ key: String) throws(APIError) -> Float? {
    guard let v = present(key) else { return nil }
    guard case .number(let d) = v else { throw mismatch(key, "a number", v) }
    return Float(d)
  }

  func strings(_ key: String) throws(APIError) -> [String]? {
    guard let v = present(key) else { return nil }
    guard case .array(let a) = v else { throw mismatch(key, "an array of strings", v) }
    var out: [String] = []
    out.reserveCapacity(a.count)
    for (j, e) in a.enumerated() {
      guard case .string(let s) = e else { throw APIError.badRequest("\(name(key))[\(j)]: expected a string, found \(e.kind)") }
      out.append(s)
    }
    return out
  }

  func object(_ key: String) throws(APIError) -> JSONFields? {
    guard let v = present(key) else { return nil }
    guard case .object(let o) = v else { throw mismatch(key, "an object", v) }
    return JSONFields(o, path: name(key))
  }

  func required<T>(_ key: String, _ value: T?) throws(APIError) -> T {
    guard let value else { throw APIError.badRequest("\(name(key)): required field missing") }
    return value
  }
}

/// A request body read from a JSON object.
protocol JSONBody {
  init(json: JSONFields) throws(APIError)
}

extension RecommendRequest: JSONBody {
  init(json: JSONFields) throws(APIError) {
    user = try json.string("user")
    history = try json.strings("history")
    k = try json.int("k")
    excludeSeen = try json.bool("exclude_seen")
    if let f = try json.object("filter") {
      filter = Filter(include: try f.strings("include"), exclude: try f.strings("exclude"))
    }
    priorExponent = try json.float("prior_exponent")
  }
}

extension ScoreRequest: JSONBody {
  init(json: JSONFields) throws(APIError) {
    guard let v = json.object["pairs"], v != .null else { throw APIError.badRequest("pairs: required field missing") }
    guard case .array(let list) = v else { throw json.mismatch("pairs", "an array of [user, item] pairs", v) }
    var pairs: [[String]] = []
    pairs.reserveCapacity(list.count)
    for (j, e) in list.enumerated() {
      guard case .array(let pair) = e else { throw APIError.badRequest("pairs[\(j)]: expected [user, item], found \(e.kind)") }
      var strings: [String] = []
      for (m, s) in pair.enumerated() {
        guard case .string(let id) = s else { throw APIError.badRequest("pairs[\(j)][\(m)]: expected a string, found \(s.kind)") }
        strings.append(id)
      }
      pairs.append(strings)
    }
    self.pairs = pairs
    priorExponent = try json.float("prior_exponent")
  }
}

extension EventsRequest: JSONBody {
  init(json: JSONFields) throws(APIError) {
    items = try json.required("items", try json.strings("items"))
  }
}

/// Writes the hot replies without `JSONEncoder` (same bytes as its sorted,
/// snake_case output, floats in Swift's shortest round-trip form).
struct JSONWriter {
  var bytes: [UInt8] = []

  init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

  mutating func raw(_ s: StaticString) {
    bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
  }

  mutating func string(_ s: String) {
    bytes.append(UInt8(ascii: "\""))
    for b in s.utf8 {
      switch b {
      case UInt8(ascii: "\""): raw("\\\"")
      case UInt8(ascii: "\\"): raw("\\\\")
      case 0x0A: raw("\\n")
      case 0x0D: raw("\\r")
      case 0x09: raw("\\t")
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        raw("\\u00")
        bytes.append(hex[Int(b >> 4)])
        bytes.append(hex[Int(b & 15)])
      default: bytes.append(b)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// A finite number, or null.
  mutating func number(_ v: Float) {
    if v.isFinite { bytes.append(contentsOf: v.description.utf8) } else { raw("null") }
  }

  mutating func int(_ v: Int) { bytes.append(contentsOf: String(v).utf8) }

  mutating func items(_ items: [ScoredItem]) {
    raw("[")
    for (j, it) in items.enumerated() {
      if j > 0 { raw(",") }
      raw("{\"item\":")
      string(it.item)
      raw(",\"score\":")
      number(it.score)
      raw("}")
    }
    raw("]")
  }
}

extension RecommendResponse {
  var json: [UInt8] {
    var w = JSONWriter(capacity: 64 + items.count * 40)
    w.raw("{\"ignored_items\":")
    w.int(ignoredItems)
    w.raw(",\"items\":")
    w.items(items)
    w.raw(",\"model_version\":")
    w.string(modelVersion)
    w.raw(",\"retrieval\":")
    w.string(retrieval)
    w.raw(",\"source\":")
    w.string(source)
    if let user {
      w.raw(",\"user\":")
      w.string(user)
    }
    w.raw("}")
    return w.bytes
  }
}

extension ScoreResponse {
  var json: [UInt8] {
    var w = JSONWriter(capacity: 48 + scores.count * 12)
    w.raw("{\"model_version\":")
    w.string(modelVersion)
    w.raw(",\"scores\":[")
    for (j, s) in scores.enumerated() {
      if j > 0 { w.raw(",") }
      if let s { w.number(s) } else { w.raw("null") }
    }
    w.raw("]}")
    return w.bytes
  }
}
