import Foundation
import Gramian

/// The users' posted events and their refreshed query vectors.
///
/// A user's query vector is the fold-in (``Recommender/foldIn(history:weights:)``)
/// of their training items (from the model file) and their events; it is
/// recomputed when events arrive (``UserRefresh``) and after a model reload
/// (vectors remember the model version they were folded against).
/// Seen-item exclusion always uses every event, refreshed or not.
public final class UserStates: Sendable {
  struct State: Sendable {
    /// Posted items, in order (external ids, including ones the model does not know).
    var items: [String] = []
    /// Arrival time of each posted item (seconds since 1970).
    var times: [Double] = []
    /// The last folded vector, the model version and the event count it covers.
    var vector: [Float]?
    var vectorVersion: String?
    var foldedEvents = 0
    var refreshedAt: Double?
    /// Why the last fold-in failed (a model kind without fold-in).
    var foldError: String?

    /// Seconds since the oldest event after the first `covered` ones (nil when none).
    func lag(after covered: Int, now: Double) -> Double? {
      covered < items.count ? now - times[covered] : nil
    }
  }

  private let states = Locked<[String: State]>([:])

  public init() {}

  /// Adds events (from a request or the database at start-up).
  public func append(user: String, items: [String], at: Double) {
    states.withLock { s in
      s[user, default: State()].items.append(contentsOf: items)
      s[user, default: State()].times.append(contentsOf: repeatElement(at, count: items.count))
    }
  }

  func state(_ user: String) -> State? { states.withLock { $0[user] } }

  /// Users whose vector is older than their events or the model.
  func stale(version: String) -> [String] {
    states.withLock { s in
      s.compactMap { id, st in
        st.vectorVersion != version || st.foldedEvents < st.items.count ? id : nil
      }
    }
  }

  /// Users with events, and events in all.
  var counts: (users: Int, events: Int) {
    states.withLock { s in (s.count, s.values.reduce(0) { $0 + $1.items.count }) }
  }

  /// The model's item indices of a user's events (unknown items left out).
  static func indices(_ items: [String], in model: any Recommender) -> [Int32] {
    items.compactMap { model.itemIds.index(of: $0) }
  }

  /// Folds `user` in against `served` and stores the vector. Returns the
  /// vector and the age in seconds of the oldest event it newly covers.
  @discardableResult
  func refresh(_ user: String, served: ServedModel, now: Double = Date().timeIntervalSince1970) -> (vector: [Float]?, lag: Double?) {
    guard let st = state(user) else { return (nil, nil) }
    let model = served.model
    let covered = st.items.count
    let row = model.userIds.index(of: user)
    var history: [Int32] = row.flatMap { model.seenItems(ofUser: Int($0)).map(Array.init) } ?? []
    history.append(contentsOf: Self.indices(st.items, in: model))
    var seen = Set<Int32>()
    history = history.filter { seen.insert($0).inserted }
    var vector: [Float]? = nil
    var failure: String? = nil
    if history.isEmpty {
      vector = row.map { model.userVector(Int($0)) }
    } else {
      do {
        vector = try model.foldIn(history: history, weights: nil)
      } catch {
        // A kind without fold-in keeps the model's own row (events still excluded).
        vector = row.map { model.userVector(Int($0)) }
        if case .foldInUnsupported(_, let reason) = error { failure = reason } else { failure = "\(error)" }
      }
    }
    let lag = st.lag(after: st.foldedEvents, now: now)
    states.withLock { s in
      guard var cur = s[user] else { return }
      cur.vector = vector
      cur.vectorVersion = served.version
      cur.foldedEvents = max(cur.foldedEvents, covered)
      cur.refreshedAt = now
      cur.foldError = failure
      s[user] = cur
    }
    return (vector, lag)
  }
}
