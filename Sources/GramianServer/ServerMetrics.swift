import Foundation
import Metrics
import Prometheus

/// The service's metrics, recorded through swift-metrics into a Prometheus
/// registry of its own (no global bootstrap, so several servers can run in
/// one process) and exported as Prometheus text at `GET /metrics`.
///
/// Names: `gramian_http_requests_total{route,method,status}`,
/// `gramian_http_errors_total{route,code}`,
/// `gramian_http_request_duration_seconds{route}` (histogram),
/// `gramian_model_info{version}` (1 for the model serving), `gramian_model_load_seconds`,
/// `gramian_model_loaded_timestamp_seconds`, `gramian_model_reloads_total{result}`,
/// `gramian_user_refresh_lag_seconds` (histogram: age of the oldest event a
/// refresh covered), `gramian_users_pending_refresh`, `gramian_events_total`,
/// `gramian_index_enabled`, `gramian_index_ef`.
public final class ServerMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  let factory: PrometheusMetricsFactory

  public init() {
    registry = PrometheusCollectorRegistry()
    var f = PrometheusMetricsFactory(registry: registry)
    f.defaultDurationHistogramBuckets = [
      .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
      .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    f.valueHistogramBuckets["gramian_user_refresh_lag_seconds"] = [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600]
    factory = f
  }

  func request(route: String, method: String, status: Int, nanoseconds: Int64) {
    Counter(label: "gramian_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory).increment()
    Metrics.Timer(label: "gramian_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
      .recordNanoseconds(nanoseconds)
  }

  func error(route: String, code: String) {
    Counter(label: "gramian_http_errors_total", dimensions: [("route", route), ("code", code)], factory: factory).increment()
  }

  func modelLoaded(_ served: ServedModel, previous: ServedModel?) {
    if let previous, previous.version != served.version {
      Gauge(label: "gramian_model_info", dimensions: [("version", previous.version)], factory: factory).record(0)
    }
    Gauge(label: "gramian_model_info", dimensions: [("version", served.version)], factory: factory).record(1)
    Gauge(label: "gramian_model_load_seconds", factory: factory).record(served.loadSeconds)
    Gauge(label: "gramian_model_loaded_timestamp_seconds", factory: factory).record(served.loadedAt.timeIntervalSince1970)
    Gauge(label: "gramian_index_enabled", factory: factory).record(served.index == nil ? 0 : 1)
    Gauge(label: "gramian_index_ef", factory: factory).record(Double(served.ef))
  }

  func reload(succeeded: Bool) {
    Counter(label: "gramian_model_reloads_total", dimensions: [("result", succeeded ? "success" : "failure")], factory: factory)
      .increment()
  }

  func refreshed(lagSeconds: Double) {
    Recorder(label: "gramian_user_refresh_lag_seconds", aggregate: true, factory: factory).record(lagSeconds)
  }

  func pendingUsers(_ n: Int) {
    Gauge(label: "gramian_users_pending_refresh", factory: factory).record(Double(n))
  }

  func events(_ n: Int) {
    Counter(label: "gramian_events_total", factory: factory).increment(by: n)
  }

  /// The Prometheus text exposition of every metric.
  public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
