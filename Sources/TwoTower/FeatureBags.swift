import InteractionData

/// Categorical features of users or items: each entity has, per field, a
/// bag of values (e.g. `genre=Comedy|Drama`). Values are embedded in one
/// table indexed by `vocabulary` ("field=value" strings); a tower adds,
/// for every field, the mean of its values' embeddings (weight
/// `1 / values in that field`).
///
/// File format (read by ``read(_:ids:)``), UTF-8 text, one entity a line:
///
///     # comment lines and blank lines are ignored
///     <id><TAB><field>=<value>[|<value>...][<TAB><field>=<value>...]
///
/// e.g. `1\tgenre=Animation|Children's|Comedy\tyear=1995`. Numeric values
/// are categories too: bucket them first (the converters do). Ids missing
/// from the file get no features; ids not in the data are skipped (counted).
public struct FeatureBags: Sendable, Equatable {
  /// Field names in first-seen order.
  public private(set) var fields: [String] = []
  /// "field=value" strings, by embedding row.
  public private(set) var vocabulary = IdMap()
  /// CSR over entities: entity e's entries are `offsets[e]..<offsets[e+1]`.
  public private(set) var offsets: [Int]
  public private(set) var values: [Int32] = []
  public private(set) var weights: [Float] = []
  /// Entities in the file that were not in the id map.
  public internal(set) var skippedUnknownIds = 0

  /// Number of entities (rows of the id map the bags are aligned to).
  public var count: Int { offsets.count - 1 }

  /// Empty bags for `count` entities.
  public init(count: Int) { offsets = [Int](repeating: 0, count: count + 1) }

  /// Bags from per-entity `[field: [value]]` dictionaries (fields sorted by name).
  public init(_ rows: [[String: [String]]]) {
    offsets = [0]
    for row in rows {
      for field in row.keys.sorted() {
        let vals = row[field]!
        if !fields.contains(field) { fields.append(field) }
        for v in vals {
          values.append(vocabulary.insert(field + "=" + v))
          weights.append(1 / Float(vals.count))
        }
      }
      offsets.append(values.count)
    }
  }

  /// Bags from feature records (e.g. ``MovieLensFeatures``) aligned to
  /// `ids`: records of ids not in the map are skipped and counted in
  /// ``skippedUnknownIds``; fields without values are left out; a later
  /// record of the same id replaces the fields it repeats.
  public init(_ records: [FeatureRecord], ids: IdMap) {
    var rows = [[String: [String]]](repeating: [:], count: ids.count)
    var skipped = 0
    for r in records {
      guard let e = ids.index(of: r.id) else { skipped += 1; continue }
      for f in r.fields where !f.values.isEmpty { rows[Int(e)][f.name] = f.values }
    }
    self.init(rows)
    skippedUnknownIds = skipped
  }

  /// Entity e's (value row, weight) entries.
  public func bag(_ e: Int) -> (values: ArraySlice<Int32>, weights: ArraySlice<Float>) {
    (values[offsets[e]..<offsets[e + 1]], weights[offsets[e]..<offsets[e + 1]])
  }
}
