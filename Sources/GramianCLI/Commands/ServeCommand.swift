import ArgumentParser
import Dispatch
import Foundation
import GramianServer
import LinearAlgebra
import Logging

extension UnknownUserPolicy: ExpressibleByArgument {}

/// `gramian serve`: the HTTP service (GramianServer) on one model.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Serve a model over HTTP: recommend, score, similar items, user events, metrics, hot reload.",
    discussion: """
      JSON over HTTP/1.1 (docs/openapi.yaml): POST /v1/recommend, POST /v1/score, GET /v1/similar, \
      POST /v1/users/ID/events, GET /v1/users/ID, GET /healthz, GET /readyz, GET /metrics (Prometheus), \
      POST /admin/reload. Posted events are stored in SQLite under --state before they are acknowledged \
      and folded into the user's vector (--user-refresh). SIGTERM or SIGINT drains requests in flight and exits.
      """)

  @Option(help: "The model file to serve.") var model: String
  @Option(help: "An HNSW index built for the model ('gramian index build'); exact top-K without it.") var index: String?
  @Option(help: "HNSW search breadth (raised to k when smaller).") var ef = 64
  @Option(help: "Address to bind (loopback by default; 0.0.0.0 for every interface).") var host = "127.0.0.1"
  @Option(help: "TCP port (0: any free port, printed once bound).") var port = 8080
  @Option(help: "Folder of the event database (default: MODEL.state next to the model).") var state: String?
  @Option(help: "When a user's vector is refolded after new events: realtime (on the next request) or an interval such as 30s (a background pass).")
  var userRefresh = "realtime"
  @Option(help: "Unknown users: error (404 unknown_user) or popular (the model's average user).") var unknown: UnknownUserPolicy = .error
  @Option(help: "Poll the model file at this interval (e.g. 5s) and reload it when it changes.") var watch: String?
  @Option(help: "Largest request body in bytes (413 beyond).") var maxBodyBytes = 1 << 20
  @Option(help: "Largest k a request may ask for.") var maxK = 1000
  @Option(help: "Most pairs in one score request.") var maxPairs = 10_000
  @Option(help: "Most concurrent exact recommend requests scored together in one pass over the items (1: each alone).") var maxBatch = 32
  @Option(help: "Close connections idle this many seconds.") var idleTimeout = 30
  @Option(help: "Most concurrent connections (more wait in the backlog).") var maxConnections = 512
  @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

  func validate() throws {
    guard UserRefresh(userRefresh) != nil else {
      throw ValidationError("--user-refresh expects realtime or an interval such as 30s, 500ms or 2m, got '\(userRefresh)'")
    }
    if let watch, UserRefresh(watch) == nil || watch == "realtime" {
      throw ValidationError("--watch expects an interval such as 5s or 1m, got '\(watch)'")
    }
    guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
    guard ef >= 1, maxK >= 1, maxPairs >= 1, maxBatch >= 1, maxBodyBytes >= 1024, idleTimeout >= 1, maxConnections >= 1 else {
      throw ValidationError("--ef, --max-k, --max-pairs, --max-batch, --idle-timeout and --max-connections must be at least 1, --max-body-bytes at least 1024")
    }
    guard Logger.Level(rawValue: logLevel) != nil else {
      throw ValidationError("--log-level expects trace, debug, info, notice, warning, error or critical, got '\(logLevel)'")
    }
  }

  func run() throws {
    var c = ServerConfiguration(modelPath: model)
    c.indexPath = index
    c.ef = ef
    c.host = host
    c.port = port
    c.stateDirectory = state
    c.userRefresh = UserRefresh(userRefresh)!
    c.unknownUsers = unknown
    c.maxBodyBytes = maxBodyBytes
    c.maxK = maxK
    c.maxPairs = maxPairs
    c.maxBatch = maxBatch
    c.idleTimeout = .seconds(idleTimeout)
    c.maxConnections = maxConnections
    if let watch, case .every(let d) = UserRefresh(watch)! { c.watchInterval = d }
    #if os(Linux)
    // Model-sized buffers (factors, packed panels, score blocks) come and go
    // with every reload: map them directly so that freeing returns them to
    // the system instead of leaving them in the heap (flat RSS across reloads).
    _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 1 << 20)
    #endif
    let level = Logger.Level(rawValue: logLevel)!
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
    let server = try GramianServer(configuration: c, logger: Logger(label: "gramian.serve"))
    let host = self.host
    let app = server.application(onRunning: { port in
      Console.info("gramian serve: listening on http://\(host):\(port)")
    })
    let done = DispatchSemaphore(value: 0)
    let failure = Locked<String?>(nil)
    Task {
      do { try await app.runService() } catch { failure.withLock { $0 = "\(error)" } }
      done.signal()
    }
    done.wait()
    if let message = failure.withLock({ $0 }) { throw CommandFailure("serve: \(message)") }
  }
}

#if os(Linux)
/// glibc's `mallopt` (malloc.h, not in Swift's Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif
