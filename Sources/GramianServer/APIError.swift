import Foundation
import Hummingbird

/// An error reply: an HTTP status and `{"error": {"code": ..., "message": ...}}`.
/// Every failure the service reports has this shape (docs/openapi.yaml, `Error`).
public struct APIError: Error, HTTPResponseError, Sendable {
  public var status: HTTPResponse.Status
  /// Stable, machine-readable: `bad_request`, `unknown_user`, ...
  public var code: String
  /// What was wrong, naming the field, and how to fix it.
  public var message: String
  public var headers: HTTPFields = [:]

  public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
    self.status = status
    self.code = code
    self.message = message
    self.headers = headers
  }

  static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
  static func unknownUser(_ id: String) -> APIError {
    APIError(.notFound, "unknown_user", "user '\(id)' is not in the model and has no events; post events first, or start the server with --unknown popular")
  }
  static func unknownItem(_ id: String) -> APIError {
    APIError(.notFound, "unknown_item", "item '\(id)' is not in the model")
  }

  struct Body: Encodable {
    struct Inner: Encodable { var code: String; var message: String }
    var error: Inner
  }

  public func response(from request: Request, context: some RequestContext) throws -> Response {
    var response = JSONReply.response(Body(error: .init(code: code, message: message)), status: status)
    for field in headers { response.headers.append(field) }
    return response
  }
}

/// JSON bodies: snake_case keys both ways.
enum JSONReply {
  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }()

  static let decoder: JSONDecoder = {
    let d = JSONDecoder()
    d.keyDecodingStrategy = .convertFromSnakeCase
    return d
  }()

  static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"response encoding failed"}}"#.utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// Decodes a request body, turning every decoding failure into a 400 that
  /// names the field (`k: expected Int, found a string`).
  static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: limit)
    } catch {
      throw APIError(.contentTooLarge, "body_too_large", "the request body is over \(limit) bytes; send fewer items per request")
    }
    guard buffer.readableBytes > 0 else { throw APIError.badRequest("the request body is empty; send a JSON object") }
    do {
      return try decoder.decode(T.self, from: Data(buffer: buffer))
    } catch let error as DecodingError {
      throw APIError.badRequest(describe(error))
    } catch let error as APIError {
      throw error
    } catch {
      throw APIError.badRequest("the body is not valid JSON (\(error.localizedDescription))")
    }
  }

  /// The JSON field path of a decoding error, in snake_case.
  static func path(_ keys: [any CodingKey]) -> String {
    let p = keys.map { $0.intValue.map { "[\($0)]" } ?? "." + snake($0.stringValue) }.joined()
    return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "body" : p)
  }

  static func snake(_ s: String) -> String {
    var out = ""
    for c in s {
      if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
    }
    return out
  }

  static func describe(_ error: DecodingError) -> String {
    switch error {
    case .typeMismatch(let type, let c):
      return "\(path(c.codingPath)): expected \(typeName(type)); \(c.debugDescription)"
    case .valueNotFound(let type, let c):
      return "\(path(c.codingPath)): expected \(typeName(type)), found null"
    case .keyNotFound(let key, let c):
      return "\(path(c.codingPath + [key])): required field missing"
    case .dataCorrupted(let c):
      if c.codingPath.isEmpty { return "the body is not valid JSON: \(c.underlyingError.map { "\($0)" } ?? c.debugDescription)" }
      return "\(path(c.codingPath)): \(c.debugDescription)"
    @unknown default:
      return "the body does not decode: \(error)"
    }
  }

  static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type: "an integer"
    case is Float.Type, is Double.Type: "a number"
    case is Bool.Type: "true or false"
    default: "\(type)".hasPrefix("Array") ? "an array" : (("\(type)".hasPrefix("Dictionary")) ? "an object" : "\(type)")
    }
  }
}
