import Foundation
import GRDB

/// Interactions posted to the service, kept in an embedded SQLite database
/// (GRDB, write-ahead log, `synchronous = FULL`): an event is on disk before
/// its request is acknowledged, survives a killed process, is replayed into
/// the users' histories at start-up and outlives model reloads.
///
/// Layout: `<state>/events.sqlite`, one table `events(seq, user, item, at)`
/// in arrival order (`at`: seconds since 1970).
public final class EventStore: Sendable {
  public struct Event: Sendable, Equatable {
    public var seq: Int64
    public var user: String
    public var item: String
    /// Seconds since 1970.
    public var at: Double
  }

  private let pool: DatabasePool
  public let path: String

  /// Opens (creating when needed) the database in `directory`.
  public init(directory: String) throws {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw StateError("\(directory): cannot create the state folder (\(error.localizedDescription)); pass a writable --state DIR")
    }
    path = (directory as NSString).appendingPathComponent("events.sqlite")
    var config = Configuration()
    config.prepareDatabase { db in
      // WAL is DatabasePool's mode; FULL makes every commit durable before it returns.
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    config.busyMode = .timeout(10)
    do {
      pool = try DatabasePool(path: path, configuration: config)
      var migrator = DatabaseMigrator()
      migrator.registerMigration("v1") { db in
        try db.execute(sql: """
          CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            user TEXT NOT NULL,
            item TEXT NOT NULL,
            at REAL NOT NULL)
          """)
        try db.execute(sql: "CREATE INDEX events_user ON events(user)")
      }
      try migrator.migrate(pool)
    } catch {
      throw StateError("\(path): cannot open the event database (\(error)); pass another --state DIR or remove a corrupt file")
    }
  }

  /// Appends `items` for `user` in one transaction; returns when they are on disk.
  public func append(user: String, items: [String], at: Date = Date()) async throws {
    let t = at.timeIntervalSince1970
    try await pool.write { db in
      let statement = try db.cachedStatement(sql: "INSERT INTO events (user, item, at) VALUES (?, ?, ?)")
      for item in items { try statement.execute(arguments: [user, item, t]) }
    }
  }

  /// Every event in arrival order. O(events).
  public func all() throws -> [Event] {
    try pool.read { db in
      try Row.fetchAll(db, sql: "SELECT seq, user, item, at FROM events ORDER BY seq").map {
        Event(seq: $0["seq"], user: $0["user"], item: $0["item"], at: $0["at"])
      }
    }
  }

  /// Number of stored events.
  public func count() throws -> Int {
    try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
  }
}

/// A state folder that cannot be used.
public struct StateError: Error, CustomStringConvertible, Sendable {
  public var description: String
  init(_ description: String) { self.description = description }
}
