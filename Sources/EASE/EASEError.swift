/// Why an EASE fit or model file failed.
public enum EASEError: Error, Equatable, CustomStringConvertible {
  /// A setting out of range (the message names it).
  case invalidConfig(String)
  /// The catalogue is larger than ``EASEConfig/maxItems``.
  case tooManyItems(items: Int, limit: Int)
  /// No training interactions.
  case emptyTraining
  /// `X^T X + lambda I` could not be factorised (lambda too small for float32).
  case notPositiveDefinite(order: Int, lambda: Float)
  /// A model file that cannot be read (the message names the field).
  case corruptFile(path: String, message: String)

  public var description: String {
    switch self {
    case .invalidConfig(let m): "invalid EASE settings: \(m)"
    case .tooManyItems(let items, let limit):
      "EASE needs a dense \(items) x \(items) item matrix (\(Self.gigabytes(items)) GB) and O(items^3) work; "
        + "the limit is \(limit) items. drop rare items from the input or raise the limit (--max-items)"
    case .emptyTraining: "EASE needs at least one training interaction, got none"
    case .notPositiveDefinite(let order, let lambda):
      "X^T X + lambda I is not positive definite in float32 (leading minor \(order)) at lambda = \(lambda): use a larger --reg"
    case .corruptFile(let path, let message): "\(path): \(message)"
    }
  }

  static func gigabytes(_ items: Int) -> String {
    let gb = Double(items) * Double(items) * 4 / 1e9
    return gb < 10 ? String(format: "%.1f", gb) : String(format: "%.0f", gb)
  }
}
