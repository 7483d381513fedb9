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

/// JSON replies (snake_case keys); request bodies are read by ``JSONValue``.
package enum JSONReply {
  static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }()

  static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"response encoding failed"}}"#.utf8)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
  }

  /// A reply from bytes already encoded.
  static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  /// Reads a request body (at most `limit` bytes) as a JSON object of type
  /// `T`, turning every failure into a 400 that names the field, or a 413.
  static func decode<T: JSONBody>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: limit)
    } catch {
      throw APIError(.contentTooLarge, "body_too_large", "the request body is over \(limit) bytes; send fewer items per request")
    }
    let bytes = buffer.readableBytesView
    return try bytes.withContiguousStorageIfAvailable { raw in try decode(T.self, bytes: UnsafeRawBufferPointer(raw)) }
      ?? Array(bytes).withUnsafeBytes { try decode(T.self, bytes: $0) }
  }

  /// Reads a complete request body as a JSON object of type `T`; every
  /// failure is a 400 ``APIError`` naming the field or the byte offset.
  /// (Untyped `throws` on purpose: a typed-throws closure through NIO's
  /// `rethrows` byte-buffer accessors corrupted memory in Swift 6.3.1, seen
  /// as a damaged Mutex in the server tests.)
  static func decode<T: JSONBody>(_ type: T.Type, bytes raw: UnsafeRawBufferPointer) throws -> T {
    guard raw.count > 0 else { throw APIError.badRequest("the request body is empty; send a JSON object") }
    let value: JSONValue
    do {
      value = try JSONValue.parse(raw)
    } catch let error as JSONValue.ParseError {
      throw APIError.badRequest("the body is not valid JSON: \(error.message) at byte \(error.offset)")
    }
    guard case .object(let object) = value else {
      throw APIError.badRequest("expected a JSON object as the body, found \(value.kind)")
    }
    return try T(json: JSONFields(object))
  }

  /// Decodes `raw` as each request body of the API (recommend, score,
  /// events) and returns, per body, the decoded value's description or the
  /// error's message: the service's request parsing as one function, for
  /// the fuzzer and its regression tests.
  package static func decodeEveryRequest(_ raw: UnsafeRawBufferPointer) -> [String] {
    func attempt<T: JSONBody>(_ type: T.Type) -> String {
      do { return String(describing: try decode(T.self, bytes: raw)) } catch {
        return (error as? APIError)?.message ?? String(describing: error)
      }
    }
    return [attempt(RecommendRequest.self), attempt(ScoreRequest.self), attempt(EventsRequest.self)]
  }
}
