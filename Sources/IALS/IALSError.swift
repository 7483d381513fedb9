import InteractionData

/// Errors of fitting, loading and using an ``IALSModel``.
public enum IALSError: AdvisingError, Equatable {
  /// A half-step produced a NaN or infinite factor.
  case nonFinite(epoch: Int, side: String, row: Int)
  /// A hyperparameter is out of range.
  case invalidConfig(String)
  /// Shapes do not agree (training matrix vs. model, weights vs. items...).
  case dimensionMismatch(String)
  /// A saved model could not be read.
  case corruptFile(path: String, message: String)
  /// The training matrix has no interactions: there is nothing to fit.
  case emptyTrainingData

  public func description(naming: (OptionKey) -> String) -> String {
    switch self {
    case .nonFinite(let epoch, let side, let row):
      let advice: Advice = "increase \(OptionKey.regularization), lower \(OptionKey.alpha) or \(OptionKey.initStd)"
      return "epoch \(epoch): \(side) factor row \(row) is not finite (NaN or infinity); \(advice.rendered(naming: naming))"
    case .invalidConfig(let m):
      return "invalid iALS configuration: \(m)"
    case .dimensionMismatch(let m):
      return "dimension mismatch: \(m)"
    case .emptyTrainingData:
      return "the training data has no interactions, so there is nothing to fit (check the minimum rating and the input format)"
    case .corruptFile(let path, let m):
      return "\(path): error: \(m); the file is not a complete Gramian iALS model (re-save it with \(naming(.saveModel)))"
    }
  }
}
