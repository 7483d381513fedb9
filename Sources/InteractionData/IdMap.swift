/// A two-way map between external string ids and dense indices `0..<count`.
///
/// Indices are handed out in first-seen order, so reading the same file twice
/// gives the same map, and `name(of:)` / `index(of:)` round-trip.
public struct IdMap: Sendable, Equatable {
  /// External ids, by dense index.
  public private(set) var names: [String] = []
  private var lookup: [String: Int32] = [:]

  public init() {}

  /// A map over `names` in the given order (ids must be unique).
  public init(names: [String]) {
    self.names = names
    lookup.reserveCapacity(names.count)
    for (i, n) in names.enumerated() { lookup[n] = Int32(i) }
    precondition(lookup.count == names.count, "IdMap: duplicate ids")
  }

  /// A map over `names` in the given order, or nil when two are equal
  /// (for loaders, which report duplicates as a file error). O(n).
  public init?(uniqueNames names: [String]) {
    self.names = names
    lookup.reserveCapacity(names.count)
    for (i, n) in names.enumerated() {
      guard lookup.updateValue(Int32(i), forKey: n) == nil else { return nil }
    }
  }

  /// Number of distinct ids.
  public var count: Int { names.count }

  /// The dense index of `name`, inserting it if new. O(1) amortised.
  @discardableResult
  public mutating func insert(_ name: String) -> Int32 {
    if let i = lookup[name] { return i }
    let i = Int32(names.count)
    names.append(name)
    lookup[name] = i
    return i
  }

  /// The dense index of `name`, or nil when unknown.
  public func index(of name: String) -> Int32? { lookup[name] }

  /// The external id of dense index `i`.
  public func name(of i: Int32) -> String { names[Int(i)] }

  public static func == (a: IdMap, b: IdMap) -> Bool { a.names == b.names }
}
