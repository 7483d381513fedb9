import Foundation

/// Everything `gramian serve` is told: what to serve, where, and the limits
/// that keep one client from exhausting the service.
public struct ServerConfiguration: Sendable {
  /// The model file (any kind ``ModelFile/load(_:)`` reads).
  public var modelPath: String
  /// An HNSW index built for the model (`gramian index build`), or nil for
  /// exact top-K.
  public var indexPath: String?
  /// HNSW search breadth (recall against latency).
  public var ef = 64
  /// Address to bind: loopback unless told otherwise.
  public var host = "127.0.0.1"
  /// TCP port (0: any free port, reported once bound).
  public var port = 8080
  /// Folder of the event database; nil: `<model>.state` next to the model.
  public var stateDirectory: String?
  /// When a user's vector is recomputed after new events.
  public var userRefresh: UserRefresh = .realtime
  /// What `recommend` does for a user the model and the events do not know.
  public var unknownUsers: UnknownUserPolicy = .error
  /// Largest request body accepted (413 beyond).
  public var maxBodyBytes = 1 << 20
  /// Largest `k` accepted.
  public var maxK = 1000
  /// Most pairs in one `score` request.
  public var maxPairs = 10_000
  /// Most items in one history or events request.
  public var maxItemsPerRequest = 10_000
  /// Connections idle this long are closed.
  public var idleTimeout: Duration = .seconds(30)
  /// Concurrent connections accepted; more wait in the backlog.
  public var maxConnections = 512
  /// Most exact `recommend` requests scored together in one pass over the items
  /// (``RecommendBatcher``; 1: each request alone).
  public var maxBatch = 32
  /// Poll the model file and reload it when it changes (nil: never).
  public var watchInterval: Duration?

  public init(modelPath: String) {
    self.modelPath = modelPath
  }

  /// ``stateDirectory`` or its default.
  public var resolvedStateDirectory: String {
    stateDirectory ?? modelPath + ".state"
  }
}

/// When a user's query vector is recomputed from new events.
public enum UserRefresh: Sendable, Equatable, CustomStringConvertible {
  /// On the next request that needs the vector (fresh, costs one fold-in
  /// on that request).
  case realtime
  /// By a background task every interval: requests use the last vector
  /// (the asynchronous query tower: bounded staleness, no fold-in on the
  /// request path). Seen-item exclusion covers new events at once either way.
  case every(Duration)

  /// Parses `realtime`, or an interval such as `30s`, `500ms`, `2m`.
  public init?(_ text: String) {
    if text == "realtime" { self = .realtime; return }
    let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      guard let v = Double(text.dropLast(suffix.count)), v > 0, v.isFinite, v * scale <= 86_400 else { return nil }
      self = .every(.milliseconds(Int64((v * scale * 1000).rounded())))
      return
    }
    return nil
  }

  public var description: String {
    switch self {
    case .realtime: "realtime"
    case .every(let d): "every \(d)"
    }
  }
}

/// What to do for a user id nobody knows.
public enum UnknownUserPolicy: String, Sendable, CaseIterable {
  /// 404 with code `unknown_user`.
  case error
  /// Recommend for the model's average user (popular items first).
  case popular
}
