import Foundation
import Hummingbird
import Logging

/// Turns every failure into the documented JSON error object and records
/// each request's route, status and latency.
///
/// Unknown paths get 404 `not_found`; a known path with another method
/// gets 405 `method_not_allowed` with an `Allow` header; anything that is
/// not an ``APIError`` or an `HTTPError` is logged and answered 500
/// `internal` (the message names no internals).
struct ObservabilityMiddleware<Context: RequestContext>: RouterMiddleware {
  let metrics: ServerMetrics
  let routes: RouteTable
  let logger: Logger

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    let start = DispatchTime.now().uptimeNanoseconds
    var route = routes.pattern(for: request.uri.path) ?? "unmatched"
    let response: Response
    var code: String? = nil
    do {
      response = try await next(request, context)
    } catch {
      let api = convert(error, request)
      code = api.code
      if api.status == .notFound && api.code == "not_found" { route = "unmatched" }
      response = try api.response(from: request, context: context)
    }
    let elapsed = Int64(DispatchTime.now().uptimeNanoseconds - start)
    metrics.request(route: route, method: request.method.rawValue, status: response.status.code, nanoseconds: elapsed)
    if let code { metrics.error(route: route, code: code) }
    return response
  }

  func convert(_ error: any Error, _ request: Request) -> APIError {
    if let e = error as? APIError { return e }
    if let e = error as? HTTPError {
      switch e.status {
      case .notFound:
        let path = request.uri.path
        if let allowed = routes.methods(for: path), !allowed.contains(request.method) {
          let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
          return APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed on \(path); use \(allow)",
                          headers: [.allow: allow])
        }
        return APIError(.notFound, "not_found", "no route \(request.method.rawValue) \(path); the routes are in docs/openapi.yaml")
      case .contentTooLarge:
        return APIError(.contentTooLarge, "body_too_large", e.body ?? "the request body is too large")
      default:
        return APIError(e.status, e.status.code < 500 ? "bad_request" : "internal", e.body ?? e.status.reasonPhrase)
      }
    }
    logger.error("unhandled error on \(request.method.rawValue) \(request.uri.path): \(error)")
    return APIError(.internalServerError, "internal", "the server failed to answer this request; the log has the cause")
  }
}

/// The service's routes as patterns (`/v1/users/{id}/events`), for metric
/// labels and for telling 404 from 405.
struct RouteTable: Sendable {
  var routes: [(pattern: [Substring], path: String, methods: Set<HTTPRequest.Method>)] = []

  mutating func add(_ path: String, _ method: HTTPRequest.Method) {
    if let i = routes.firstIndex(where: { $0.path == path }) {
      routes[i].methods.insert(method)
    } else {
      routes.append((path.split(separator: "/"), path, [method]))
    }
  }

  private func match(_ path: String) -> Int? {
    let parts = path.split(separator: "/")
    return routes.firstIndex { r in
      r.pattern.count == parts.count && zip(r.pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
  }

  func pattern(for path: String) -> String? { match(path).map { routes[$0].path } }
  func methods(for path: String) -> Set<HTTPRequest.Method>? { match(path).map { routes[$0].methods } }
}
