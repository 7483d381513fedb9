import Foundation
import Gramian
import Hummingbird
import LinearAlgebra
import HummingbirdCore
import Logging
import ServiceLifecycle

/// `gramian serve`: a model (and its HNSW index) behind an HTTP/1.1 JSON API
/// on Hummingbird 2, with posted events stored in SQLite and folded into the
/// users' vectors, hot reloads, and Prometheus metrics.
///
/// Endpoints (docs/openapi.yaml): `POST /v1/recommend`, `POST /v1/score`,
/// `GET /v1/similar`, `POST /v1/users/{id}/events`, `GET /v1/users/{id}`,
/// `GET /healthz`, `GET /readyz`, `GET /metrics`, `POST /admin/reload`.
///
/// Each request answers from the model that was current when it started
/// (``ModelStore``): a reload swaps the model atomically and requests in
/// flight finish on the old one.
public final class GramianServer: Sendable {
  public let configuration: ServerConfiguration
  public let store: ModelStore
  public let users: UserStates
  public let events: EventStore
  public let metrics: ServerMetrics
  public let logger: Logger

  /// Loads the model (and index), opens the event store and replays its
  /// events into the users' histories.
  public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "gramian.serve")) throws {
    self.configuration = configuration
    self.logger = logger
    // Requests run concurrently, each on one core: OpenBLAS must not start threads of its own.
    BLAS.setThreads(1)
    let served = try ServedModel(path: configuration.modelPath, indexPath: configuration.indexPath, ef: configuration.ef,
                                 maxBatch: configuration.maxBatch)
    store = ModelStore(served)
    metrics = ServerMetrics()
    metrics.modelLoaded(served, previous: nil)
    events = try EventStore(directory: configuration.resolvedStateDirectory)
    users = UserStates()
    let stored = try events.all()
    for e in stored { users.append(user: e.user, items: [e.item], at: e.at) }
    let counts = users.counts
    logger.info("serving \(served.model.kind) model \(served.version) (\(served.model.userCount) users x \(served.model.itemCount) items, d = \(served.model.dimension)) loaded in \(String(format: "%.3f", served.loadSeconds)) s; \(served.index == nil ? "exact top-K" : "HNSW ef \(served.ef)"); \(counts.events) stored events of \(counts.users) users replayed from \(events.path)")
    if served.model.training?.seen == nil {
      logger.warning("\(configuration.modelPath) carries no training items (fitted by an older build): exclude_seen covers posted events only; re-fit to exclude training items")
    }
  }

  /// Loads the model file again and swaps it in (``ModelStore/reload(path:indexPath:ef:)``);
  /// the users' vectors are refreshed against it (on their next request,
  /// or by the next scheduled pass).
  @discardableResult
  public func reload() throws -> (old: ServedModel, new: ServedModel) {
    do {
      let r = try store.reload(path: configuration.modelPath, indexPath: configuration.indexPath, ef: configuration.ef,
                               maxBatch: configuration.maxBatch)
      metrics.reload(succeeded: true)
      metrics.modelLoaded(r.new, previous: r.old)
      logger.info("reloaded \(configuration.modelPath): \(r.old.version) -> \(r.new.version) in \(String(format: "%.3f", r.new.loadSeconds)) s")
      return r
    } catch {
      metrics.reload(succeeded: false)
      logger.error("reload of \(configuration.modelPath) failed, the previous model keeps serving: \(error.localizedDescriptionOrDescription)")
      throw error
    }
  }

  /// Refreshes every user whose vector is older than their events or the
  /// model; records each refresh's lag. Returns how many were refreshed.
  @discardableResult
  public func refreshStaleUsers() -> Int {
    let served = store.model
    let stale = users.stale(version: served.version)
    metrics.pendingUsers(stale.count)
    for user in stale {
      if let lag = users.refresh(user, served: served).lag { metrics.refreshed(lagSeconds: lag) }
    }
    metrics.pendingUsers(users.stale(version: served.version).count)
    return stale.count
  }

  /// The router with every endpoint.
  func router() -> Router<BasicRequestContext> {
    let router = Router()
    var table = RouteTable()
    let h = Handlers(server: self)
    for (path, method) in [("/v1/recommend", HTTPRequest.Method.post), ("/v1/score", .post), ("/v1/similar", .get),
                           ("/v1/users/{id}/events", .post), ("/v1/users/{id}", .get), ("/healthz", .get), ("/readyz", .get),
                           ("/metrics", .get), ("/admin/reload", .post)] {
      table.add(path, method)
    }
    router.add(middleware: ObservabilityMiddleware(metrics: metrics, routes: table, logger: logger))
    router.post("/v1/recommend") { request, _ in try await h.recommend(request) }
    router.post("/v1/score") { request, _ in try await h.score(request) }
    router.get("/v1/similar") { request, _ in try h.similar(request) }
    router.post("/v1/users/:id/events") { request, context in
      try await h.postEvents(request, user: try Handlers.pathId(context.parameters.require("id")))
    }
    router.get("/v1/users/:id") { _, context in try h.user(try Handlers.pathId(context.parameters.require("id"))) }
    router.get("/healthz") { _, _ in JSONReply.response(StatusResponse(status: "ok", modelVersion: nil)) }
    router.get("/readyz") { [store] _, _ in
      JSONReply.response(StatusResponse(status: "ready", modelVersion: store.model.version))
    }
    router.get("/metrics") { [metrics] _, _ in
      Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
               body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
    router.post("/admin/reload") { _, _ in try await h.reload() }
    return router
  }

  /// The Hummingbird application: the router, the HTTP/1.1 server with the
  /// idle timeout and connection cap, and the background services
  /// (scheduled user refresh, model-file watch). `onRunning` receives the
  /// bound port.
  public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    var services: [any Service] = []
    if case .every(let interval) = configuration.userRefresh {
      services.append(PeriodicService(interval: interval) { [self] in refreshStaleUsers() })
    }
    if let interval = configuration.watchInterval {
      let watcher = FileWatcher(path: configuration.modelPath)
      services.append(PeriodicService(interval: interval) { [self] in
        if watcher.changed() { _ = try? reload() }
      })
    }
    let timeout = configuration.idleTimeout.components
    return Application(
      router: router(),
      server: .http1(configuration: .init(idleTimeout: .nanoseconds(timeout.seconds * 1_000_000_000 + timeout.attoseconds / 1_000_000_000))),
      configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gramian",
                           availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
      services: services,
      onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
      logger: logger)
  }
}

/// Runs `body` every `interval` until graceful shutdown.
struct PeriodicService: Service {
  let interval: Duration
  let body: @Sendable () -> Void

  func run() async throws {
    await cancelWhenGracefulShutdown {
      while !Task.isCancelled {
        do { try await Task.sleep(for: interval) } catch { return }
        body()
      }
    }
  }
}

/// Tells when a file's modification time or size changes.
final class FileWatcher: Sendable {
  let path: String
  private let last: Locked<String?>

  init(path: String) {
    self.path = path
    last = Locked(nil)
    _ = changed()
  }

  func stamp() -> String? {
    guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
    let date = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    return "\(date)-\((a[.size] as? NSNumber)?.intValue ?? -1)"
  }

  /// True when the file differs from the last call (a missing file is no change).
  func changed() -> Bool {
    guard let now = stamp() else { return false }
    return last.withLock { prev in
      defer { prev = now }
      return prev != nil && prev != now
    }
  }
}
