import Foundation
import InteractionData

/// One line of a feature file (format on ``FeatureBags``): an entity id and
/// its fields, each a bag of categorical values, in the order written.
public struct FeatureRecord: Sendable, Equatable {
  public struct Field: Sendable, Equatable {
    public var name: String
    public var values: [String]
    public init(_ name: String, _ values: [String]) { self.name = name; self.values = values }
  }

  public var id: String
  public var fields: [Field]

  public init(id: String, fields: [Field]) { self.id = id; self.fields = fields }

  /// The record as a feature-file line (no newline). Fields without values
  /// are left out; TAB, `|` and line breaks inside the id or a value become
  /// `_`, so the line always reads back as written.
  public var line: String {
    func clean(_ s: String) -> String {
      String(s.trimmingCharacters(in: .whitespaces).map { "\t|\r\n".contains($0) ? "_" : $0 })
    }
    let parts = fields.filter { !$0.values.isEmpty }.map { f in "\(f.name)=" + f.values.map(clean).joined(separator: "|") }
    return ([clean(id)] + parts).joined(separator: "\t")
  }

  /// Writes `records` as a feature file, atomically (a temporary file in the
  /// same folder, renamed over `path` when complete).
  /// - Throws: ``DataError`` (`unwritable`) naming `path`.
  public static func write(_ records: [FeatureRecord], to path: String) throws(DataError) {
    var text = records.map(\.line).joined(separator: "\n")
    if !records.isEmpty { text += "\n" }
    do {
      try AtomicFile.write(text, to: path)
    } catch {
      throw DataError(.unwritable, file: path, "cannot write the feature file (\(error.localizedDescription))",
                      hint: "check that the folder exists and is writable")
    }
  }
}
