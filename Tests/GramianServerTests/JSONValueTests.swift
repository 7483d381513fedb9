import Foundation
@testable import GramianServer
import XCTest

/// The request parser against Foundation's JSONSerialization (an
/// independent parser) on valid documents, and on invalid ones it must refuse.
final class JSONValueTests: XCTestCase {
  func parse(_ text: String) throws -> JSONValue {
    try Array(text.utf8).withUnsafeBytes { raw in try JSONValue.parse(raw) }
  }

  /// Foundation's value as a JSONValue.
  func reference(_ any: Any) -> JSONValue {
    switch any {
    case is NSNull: return .null
    case let s as String: return .string(s)
    case let a as [Any]: return .array(a.map(reference))
    case let d as [String: Any]: return .object(d.mapValues(reference))
    case let n as NSNumber:
      if CFBooleanGetTypeIDIfBool(n) { return .bool(n.boolValue) }
      return .number(n.doubleValue)
    default: return .null
    }
  }

  func CFBooleanGetTypeIDIfBool(_ n: NSNumber) -> Bool {
    n === NSNumber(value: true) || n === NSNumber(value: false) || String(describing: type(of: n)).contains("Bool")
  }

  func testValidDocumentsMatchFoundation() throws {
    let docs = [
      #"{"user": "42", "k": 10, "exclude_seen": true, "filter": {"include": ["a", "b"], "exclude": []}, "prior_exponent": -0.5}"#,
      #"{"pairs": [["u1", "i1"], ["u\u00e9", "\ud83d\ude00"], ["tab\there", "quote\"slash\\\/"]]}"#,
      #"[1, -0, 0.5, 1e3, -2.5E-3, 123456789012, null, false, "", {}, []]"#,
      "  {\"a\" : [ { \"b\" : [ [ ] ] } ] }  \n",
      #""caf\u00e9 \n\r\t\b\f""#,
    ]
    for d in docs {
      let mine = try parse(d)
      let theirs = reference(try JSONSerialization.jsonObject(with: Data(d.utf8), options: [.fragmentsAllowed]))
      if case .array(let a) = mine, case .array(let b) = theirs {
        XCTAssertEqual(a.count, b.count)
        for (x, y) in zip(a, b) {
          if case .number(let p) = x, case .number(let q) = y { XCTAssertEqual(p, q) } else if case .bool = x {} else { XCTAssertEqual(x, y, d) }
        }
      } else {
        XCTAssertEqual(mine, theirs, d)
      }
    }
    XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
    XCTAssertEqual(try parse("[true,false,null]"), .array([.bool(true), .bool(false), .null]))
  }

  func testInvalidDocumentsAreRefused() {
    let bad = ["", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "[1 2]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "tru", "nul",
               "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "{} {}", "[1] x", "{'a': 1}", "NaN",
               String(repeating: "[", count: 100) + String(repeating: "]", count: 100)]
    for b in bad {
      XCTAssertThrowsError(try parse(b), "accepted \(b.prefix(40))")
    }
    // Invalid UTF-8 inside a string.
    XCTAssertThrowsError(try [UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")].withUnsafeBytes { raw in try JSONValue.parse(raw) })
  }

  func testRepliesAreWhatJSONEncoderWouldWrite() throws {
    let r = RecommendResponse(user: "u\"1", items: [ScoredItem(item: "a\tb", score: 1.5), ScoredItem(item: "c", score: -2e-7)],
                              modelVersion: "ials-1", source: "model", retrieval: "exact", ignoredItems: 2)
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let ours = try JSONSerialization.jsonObject(with: Data(r.json)) as! NSDictionary
    let theirs = try JSONSerialization.jsonObject(with: try e.encode(r)) as! NSDictionary
    XCTAssertEqual(ours, theirs)
    let s = ScoreResponse(scores: [0.25, nil, 3], modelVersion: "v")
    XCTAssertEqual(String(decoding: s.json, as: UTF8.self), #"{"model_version":"v","scores":[0.25,null,3.0]}"#)
  }
}
