/// Request and response bodies of the HTTP API (docs/openapi.yaml). Keys are
/// snake_case on the wire (`exclude_seen`), camelCase here.

struct RecommendRequest: Sendable {
  struct Filter: Sendable {
    /// Only these items may be returned.
    var include: [String]?
    /// These items are never returned.
    var exclude: [String]?
  }
  var user: String?
  /// Items of a user the model does not know, folded in for this request.
  var history: [String]?
  var k: Int?
  var excludeSeen: Bool?
  var filter: Filter?
  var priorExponent: Float?
}

struct ScoredItem: Encodable, Sendable {
  var item: String
  var score: Float
}

struct RecommendResponse: Encodable, Sendable {
  var user: String?
  var items: [ScoredItem]
  var modelVersion: String
  /// Where the query vector came from: `model` (the user's row), `events`
  /// (folded in with posted events), `history` (the request's history),
  /// `popular` (the average user, `--unknown popular`), `pending` (events
  /// posted, not yet refreshed: the average user until the next refresh).
  var source: String
  /// `exact` or `hnsw`.
  var retrieval: String
  /// Ids in `history` or `filter` the model does not know (ignored).
  var ignoredItems: Int
}

struct ScoreRequest: Sendable {
  var pairs: [[String]]
  var priorExponent: Float?
}

struct ScoreResponse: Encodable, Sendable {
  /// One per pair, in order; null for an unknown user or item.
  var scores: [Float?]
  var modelVersion: String
}

struct SimilarResponse: Encodable, Sendable {
  var item: String
  var items: [ScoredItem]
  var modelVersion: String
}

struct EventsRequest: Sendable {
  var items: [String]
}

struct EventsResponse: Encodable, Sendable {
  var user: String
  var accepted: Int
  /// Events of this user stored in all.
  var events: Int
  /// Accepted items the model does not know (stored, not folded in).
  var unknownItems: Int
  var refresh: String
}

struct UserResponse: Encodable, Sendable {
  var user: String
  var inModel: Bool
  var trainingItems: Int
  var events: Int
  /// Events covered by the current query vector.
  var refreshedEvents: Int
  var pendingEvents: Int
  /// ISO 8601, or null when the user was never refreshed.
  var refreshedAt: String?
  /// Seconds since the oldest event not yet covered (0 when none).
  var refreshLagSeconds: Double
  var vectorModelVersion: String?
  var refresh: String
  var foldInError: String?
}

struct StatusResponse: Encodable, Sendable {
  var status: String
  var modelVersion: String?
}

struct ReloadResponse: Encodable, Sendable {
  var modelVersion: String
  var previousVersion: String
  var loadSeconds: Double
  var changed: Bool
}
