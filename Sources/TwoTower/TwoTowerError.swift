import InteractionData

/// Errors of two-tower training, loading and saving.
public enum TwoTowerError: AdvisingError, Equatable, Sendable {
  /// A hyperparameter is out of range; the message names it.
  case invalidConfig(String)
  /// Inputs disagree in size (ids, features, histories vs the matrix).
  case dimensionMismatch(String)
  /// A loss term or gradient became NaN or infinite at a training step.
  case nonFinite(step: Int, epoch: Int, term: String)
  /// A model file is unreadable or corrupt.
  case corruptFile(path: String, message: String)

  public func description(naming: (OptionKey) -> String) -> String {
    switch self {
    case .invalidConfig(let m): return "invalid two-tower configuration: \(m)"
    case .dimensionMismatch(let m): return "dimension mismatch: \(m)"
    case .nonFinite(let step, let epoch, let term):
      return "training diverged at step \(step) (epoch \(epoch)): \(term) is not finite; lower \(naming(.learningRate)), set \(naming(.clipNorm)) or raise \(naming(.temperature))"
    case .corruptFile(let path, let m): return "\(path): error: \(m)"
    }
  }
}
