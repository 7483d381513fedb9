import Foundation
import GramianTestSupport
import Yams

/// docs/openapi.yaml, and a checker of JSON values against its schemas:
/// types, required and *only* documented properties, enums, numeric and
/// size bounds, nullable, `$ref`. Enough of JSON Schema for this API, so
/// that a reply with an undocumented or missing field fails a test.
struct OpenAPISpec {
  let root: [String: Any]

  init() throws {
    let path = SharedDatasets.packageRoot.appendingPathComponent("docs/openapi.yaml").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw SpecError("openapi.yaml is not a mapping") }
    self.root = root
  }

  struct SpecError: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

  /// The schema of the JSON reply to `method path` with `status` (path as
  /// written in the spec, e.g. `/v1/users/{id}`).
  func responseSchema(_ method: String, _ path: String, _ status: Int) throws -> [String: Any] {
    guard let paths = root["paths"] as? [String: Any], let item = paths[path] as? [String: Any],
          let op = item[method.lowercased()] as? [String: Any], let responses = op["responses"] as? [String: Any] else {
      throw SpecError("\(method) \(path) is not in openapi.yaml")
    }
    guard var response = responses[String(status)] as? [String: Any] else {
      throw SpecError("\(method) \(path) documents no \(status) reply")
    }
    if let ref = response["$ref"] as? String { response = try resolve(ref) }
    guard let content = response["content"] as? [String: Any],
          let json = content["application/json"] as? [String: Any], let schema = json["schema"] as? [String: Any] else {
      throw SpecError("\(method) \(path) \(status) has no JSON schema")
    }
    return schema
  }

  func resolve(_ ref: String) throws -> [String: Any] {
    var node: Any = root
    for part in ref.dropFirst(2).split(separator: "/") {
      guard let d = node as? [String: Any], let next = d[String(part)] else { throw SpecError("unresolved \(ref)") }
      node = next
    }
    guard let d = node as? [String: Any] else { throw SpecError("\(ref) is not a mapping") }
    return d
  }

  /// Every way `value` breaks `schema` (empty when it conforms).
  func violations(_ value: Any, _ schema: [String: Any], at path: String = "$") throws -> [String] {
    var schema = schema
    if let ref = schema["$ref"] as? String { schema = try resolve(ref) }
    if value is NSNull {
      return schema["nullable"] as? Bool == true ? [] : ["\(path): null where the schema does not allow it"]
    }
    var out: [String] = []
    if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { "\($0)" == "\(value)" }) {
      out.append("\(path): \(value) is not one of \(allowed)")
    }
    switch schema["type"] as? String {
    case "object":
      guard let object = value as? [String: Any] else { return ["\(path): expected an object"] }
      let properties = schema["properties"] as? [String: Any] ?? [:]
      for key in schema["required"] as? [String] ?? [] where object[key] == nil { out.append("\(path).\(key): required, missing") }
      for (key, v) in object {
        guard let sub = properties[key] as? [String: Any] else { out.append("\(path).\(key): not documented"); continue }
        out += try violations(v, sub, at: "\(path).\(key)")
      }
    case "array":
      guard let array = value as? [Any] else { return ["\(path): expected an array"] }
      if let n = schema["minItems"] as? Int, array.count < n { out.append("\(path): fewer than \(n) items") }
      if let n = schema["maxItems"] as? Int, array.count > n { out.append("\(path): more than \(n) items") }
      if let items = schema["items"] as? [String: Any] {
        for (j, v) in array.enumerated() { out += try violations(v, items, at: "\(path)[\(j)]") }
      }
    case "string":
      guard let s = value as? String else { return ["\(path): expected a string"] }
      if let n = schema["minLength"] as? Int, s.count < n { out.append("\(path): shorter than \(n)") }
    case "integer", "number":
      guard let n = value as? NSNumber else { return ["\(path): expected a number"] }
      if schema["type"] as? String == "integer", n.doubleValue != n.doubleValue.rounded() { out.append("\(path): not an integer") }
      if let m = (schema["minimum"] as? NSNumber)?.doubleValue, n.doubleValue < m { out.append("\(path): below \(m)") }
      if let m = (schema["maximum"] as? NSNumber)?.doubleValue, n.doubleValue > m { out.append("\(path): above \(m)") }
    case "boolean":
      if !(value is Bool) { out.append("\(path): expected true or false") }
    default:
      break
    }
    return out
  }
}
