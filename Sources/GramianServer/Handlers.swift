import Foundation
import Gramian
import Hummingbird
import Logging

/// The endpoints' logic, on the model a request started with.
struct Handlers: Sendable {
  let server: GramianServer
  var config: ServerConfiguration { server.configuration }

  // MARK: Validation

  func checkK(_ k: Int?) throws -> Int {
    let k = k ?? 10
    guard k >= 1, k <= config.maxK else { throw APIError.badRequest("k: must be between 1 and \(config.maxK), got \(k)") }
    return k
  }

  func checkId(_ id: String, _ field: String) throws {
    guard !id.isEmpty, id.utf8.count <= 1024 else {
      throw APIError.badRequest("\(field): ids are 1 to 1024 bytes, got \(id.utf8.count)")
    }
  }

  /// A user id from the path, percent-decoded (`/v1/users/a%20b` is user "a b").
  static func pathId(_ raw: String) throws -> String {
    guard let id = raw.removingPercentEncoding else {
      throw APIError.badRequest("user (path): '\(raw)' is not valid percent-encoding")
    }
    return id
  }

  func checkPrior(_ beta: Float?) throws {
    if let beta, !(beta.isFinite && abs(beta) <= 100) {
      throw APIError.badRequest("prior_exponent: must be a finite number in [-100, 100]")
    }
  }

  // MARK: Query vectors

  struct Query {
    var vector: [Float]
    var seen: [Int32]
    var source: String
  }

  /// The query vector of `user` and what they have seen (training items and
  /// every posted event), refreshing it first in `realtime` mode.
  func query(user: String, served: ServedModel, withSeen: Bool) throws -> Query? {
    let model = served.model
    let row = model.userIds.index(of: user)
    var state = server.users.state(user)
    if let st = state, config.userRefresh == .realtime,
       st.vectorVersion != served.version || st.foldedEvents < st.items.count {
      server.users.refresh(user, served: served)
      state = server.users.state(user)
    }
    var seen: [Int32] = []
    if withSeen {
      if let row, let s = model.seenItems(ofUser: Int(row)) { seen.append(contentsOf: s) }
      if let st = state { seen.append(contentsOf: UserStates.indices(st.items, in: model)) }
    }
    if let st = state, !st.items.isEmpty {
      if st.vectorVersion == served.version, let v = st.vector {
        return Query(vector: v, seen: seen, source: st.foldedEvents > 0 ? "events" : "model")
      }
      if let row { return Query(vector: model.userVector(Int(row)), seen: seen, source: "model") }
      if st.vectorVersion == served.version, let why = st.foldError {
        guard config.unknownUsers == .popular else {
          throw APIError(.unprocessableContent, "fold_in_unsupported",
                         "user '\(user)' is known only by events, and this \(model.kind) model cannot fold them in: \(why)")
        }
        return Query(vector: served.meanUser, seen: seen, source: "popular")
      }
      // Scheduled refresh, not run yet for this user: the average user meanwhile.
      return Query(vector: served.meanUser, seen: seen, source: "pending")
    }
    if let row { return Query(vector: model.userVector(Int(row)), seen: seen, source: "model") }
    return nil
  }

  // MARK: Endpoints

  func recommend(_ request: Request) async throws -> Response {
    let body = try await JSONReply.decode(RecommendRequest.self, from: request, limit: config.maxBodyBytes)
    let k = try checkK(body.k)
    try checkPrior(body.priorExponent)
    let served = server.store.model
    let model = served.model
    var ignored = 0
    var q: Query
    switch (body.user, body.history) {
    case (let user?, nil):
      try checkId(user, "user")
      if let found = try query(user: user, served: served, withSeen: body.excludeSeen ?? true) {
        q = found
      } else if config.unknownUsers == .popular {
        q = Query(vector: served.meanUser, seen: [], source: "popular")
      } else {
        throw APIError.unknownUser(user)
      }
    case (nil, let history?):
      guard history.count <= config.maxItemsPerRequest else {
        throw APIError.badRequest("history: at most \(config.maxItemsPerRequest) items, got \(history.count)")
      }
      let indices = history.compactMap { model.itemIds.index(of: $0) }
      ignored += history.count - indices.count
      if indices.isEmpty {
        guard config.unknownUsers == .popular else {
          throw APIError(.unprocessableContent, "empty_history", "history: none of the \(history.count) items is in the model")
        }
        q = Query(vector: served.meanUser, seen: [], source: "popular")
      } else {
        do {
          q = Query(vector: try model.foldIn(history: indices, weights: nil), seen: body.excludeSeen ?? true ? indices : [],
                    source: "history")
        } catch {
          throw APIError(.unprocessableContent, "fold_in_unsupported", "history: \(error)")
        }
      }
    case (nil, nil):
      throw APIError.badRequest("give \"user\" (an id) or \"history\" (a list of item ids)")
    case (_?, _?):
      throw APIError.badRequest("give \"user\" or \"history\", not both")
    }
    var filter: ItemFilter? = nil
    if let f = body.filter {
      let include = f.include.map { ids in ids.compactMap { model.itemIds.index(of: $0) } }
      let exclude = f.exclude.map { ids in ids.compactMap { model.itemIds.index(of: $0) } } ?? []
      ignored += (f.include?.count ?? 0) - (include?.count ?? 0) + (f.exclude?.count ?? 0) - exclude.count
      guard (f.include?.count ?? 0) + (f.exclude?.count ?? 0) <= config.maxItemsPerRequest else {
        throw APIError.badRequest("filter: at most \(config.maxItemsPerRequest) items in all")
      }
      if let include {
        let deny = Set(exclude)
        filter = .only(include.filter { !deny.contains($0) })
      } else if !exclude.isEmpty {
        filter = .excluding(exclude)
      }
    }
    let variant = try served.variant(priorExponent: body.priorExponent)
    let found: [(item: Int32, score: Float)]
    let retrieval: String
    if let index = served.index, variant.indexFits {
      found = try variant.model.recommend(vector: q.vector, k: k, excluding: q.seen, filter: filter, index: index, ef: max(served.ef, k))
      retrieval = "hnsw"
    } else if body.priorExponent == nil, config.maxBatch > 1, q.vector.count == model.dimension {
      found = await served.batcher.recommend(.init(vector: q.vector, seen: q.seen, filter: filter, k: k))
      retrieval = "exact"
    } else {
      found = try variant.model.recommend(vector: q.vector, k: k, excluding: q.seen, filter: filter)
      retrieval = "exact"
    }
    let items = found.map { ScoredItem(item: model.itemIds.name(of: $0.item), score: $0.score) }
    return JSONReply.response(bytes: RecommendResponse(user: body.user, items: items, modelVersion: served.version,
                                                       source: q.source, retrieval: retrieval, ignoredItems: ignored).json)
  }

  func score(_ request: Request) async throws -> Response {
    let body = try await JSONReply.decode(ScoreRequest.self, from: request, limit: config.maxBodyBytes)
    guard body.pairs.count <= config.maxPairs else {
      throw APIError.badRequest("pairs: at most \(config.maxPairs) pairs a request, got \(body.pairs.count)")
    }
    try checkPrior(body.priorExponent)
    let strict: Bool
    switch request.uri.queryParameters.get("unknown") {
    case nil, "null": strict = false
    case "error": strict = true
    case let other?: throw APIError.badRequest("unknown: expected null or error, got '\(other)'")
    }
    let served = server.store.model
    let model = try served.variant(priorExponent: body.priorExponent).model
    var vectors: [String: [Float]?] = [:]
    var scores: [Float?] = []
    scores.reserveCapacity(body.pairs.count)
    for (j, pair) in body.pairs.enumerated() {
      guard pair.count == 2 else { throw APIError.badRequest("pairs[\(j)]: expected [user, item], got \(pair.count) values") }
      let (user, item) = (pair[0], pair[1])
      if vectors[user] == nil {
        vectors[user] = .some(try query(user: user, served: served, withSeen: false)?.vector)
      }
      let i = model.itemIds.index(of: item)
      guard let v = vectors[user]!, let i else {
        if strict {
          throw vectors[user]! == nil ? APIError.unknownUser(user) : APIError.unknownItem(item)
        }
        scores.append(nil)
        continue
      }
      scores.append(model.score(vector: v, item: Int(i)))
    }
    return JSONReply.response(bytes: ScoreResponse(scores: scores, modelVersion: served.version).json)
  }

  func similar(_ request: Request) throws -> Response {
    let params = request.uri.queryParameters
    guard let item = params.get("item") else { throw APIError.badRequest("item: required query parameter (?item=ID&k=10)") }
    let k: Int?
    if let text = params.get("k") {
      guard let v = Int(text) else { throw APIError.badRequest("k: expected an integer, got '\(text)'") }
      k = v
    } else {
      k = nil
    }
    let kk = try checkK(k)
    let served = server.store.model
    let model = served.model
    guard let i = model.itemIds.index(of: item) else { throw APIError.unknownItem(item) }
    let items = model.similarItems(to: Int(i), k: kk).map { ScoredItem(item: model.itemIds.name(of: $0.item), score: $0.score) }
    return JSONReply.response(SimilarResponse(item: item, items: items, modelVersion: served.version))
  }

  func postEvents(_ request: Request, user: String) async throws -> Response {
    try checkId(user, "user (path)")
    let body = try await JSONReply.decode(EventsRequest.self, from: request, limit: config.maxBodyBytes)
    guard !body.items.isEmpty, body.items.count <= config.maxItemsPerRequest else {
      throw APIError.badRequest("items: 1 to \(config.maxItemsPerRequest) item ids, got \(body.items.count)")
    }
    for (j, item) in body.items.enumerated() { try checkId(item, "items[\(j)]") }
    let now = Date()
    try await server.events.append(user: user, items: body.items, at: now)  // on disk before the reply
    server.users.append(user: user, items: body.items, at: now.timeIntervalSince1970)
    server.metrics.events(body.items.count)
    let served = server.store.model
    let unknown = body.items.count - UserStates.indices(body.items, in: served.model).count
    let total = server.users.state(user)?.items.count ?? body.items.count
    return JSONReply.response(EventsResponse(user: user, accepted: body.items.count, events: total, unknownItems: unknown,
                                             refresh: config.userRefresh.description))
  }

  func user(_ id: String) throws -> Response {
    try checkId(id, "user (path)")
    let served = server.store.model
    let model = served.model
    let row = model.userIds.index(of: id)
    let st = server.users.state(id)
    guard row != nil || st != nil else { throw APIError.unknownUser(id) }
    let training = row.flatMap { model.seenItems(ofUser: Int($0))?.count } ?? 0
    let events = st?.items.count ?? 0
    let current = st?.vectorVersion == served.version
    let refreshed = current ? (st?.foldedEvents ?? 0) : 0
    let now = Date().timeIntervalSince1970
    let lag = st?.lag(after: refreshed, now: now) ?? 0
    let iso = ISO8601DateFormatter()
    return JSONReply.response(UserResponse(
      user: id, inModel: row != nil, trainingItems: training, events: events, refreshedEvents: refreshed,
      pendingEvents: events - refreshed, refreshedAt: st?.refreshedAt.map { iso.string(from: Date(timeIntervalSince1970: $0)) },
      refreshLagSeconds: lag, vectorModelVersion: st?.vectorVersion, refresh: config.userRefresh.description,
      foldInError: st?.foldError))
  }

  func reload() async throws -> Response {
    do {
      let (old, new) = try server.reload()
      return JSONReply.response(ReloadResponse(modelVersion: new.version, previousVersion: old.version,
                                               loadSeconds: new.loadSeconds, changed: old.version != new.version))
    } catch let e as APIError {
      throw e
    } catch {
      throw APIError(.unprocessableContent, "reload_failed", "\(error.localizedDescriptionOrDescription); the previous model keeps serving")
    }
  }
}

extension Error {
  /// The library's own message (`DataError` and the model errors describe
  /// themselves; Foundation errors through `localizedDescription`).
  var localizedDescriptionOrDescription: String { String(describing: self) }
}
