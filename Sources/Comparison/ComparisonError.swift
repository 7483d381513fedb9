/// Why a comparison or tuning run could not proceed.
public enum ComparisonError: Error, CustomStringConvertible, Equatable {
  /// A setting is out of range (the message names it and the allowed values).
  case invalidConfig(String)
  /// The data cannot support the protocol (e.g. no test pairs).
  case insufficientData(String)

  public var description: String {
    switch self {
    case .invalidConfig(let m): "invalid comparison settings: \(m)"
    case .insufficientData(let m): "not enough data: \(m)"
    }
  }
}
