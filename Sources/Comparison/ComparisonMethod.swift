import Foundation

/// One row of the comparison (issue 6): a baseline, iALS, or a two-tower
/// training/serving variant. Every method shares the embedding dimension,
/// the data split and the evaluation code.
public enum ComparisonMethod: String, CaseIterable, Sendable, Codable {
  /// Most-popular items for everyone (a floor).
  case popularity
  /// Implicit ALS (Rendle et al. 2022 loss, frequency-scaled L2): every
  /// unobserved pair is a weak negative through the Gram trick.
  case ials
  /// Two towers, in-batch sampled softmax with temperature.
  case softmax
  /// Softmax with logQ correction from exact training frequencies (Yi et al., RecSys 2019).
  case logQExact = "logq-exact"
  /// Softmax with logQ correction from Yi et al.'s streaming estimator.
  case logQStreaming = "logq-streaming"
  /// The plain softmax model served with `+ beta log P(d)`: the popularity
  /// prior `P(d)^beta` applied at serving time instead of during training.
  case prior
  /// Softmax plus the Gram regulariser `lambda_g <G_u, G_v>` (Krichene et al., ICLR 2019; SOGram estimate).
  case gram
  /// Softmax with logQ (exact) plus the Gram regulariser.
  case logQGram = "logq-gram"
  /// The iALS loss trained by SGD: MSE on the observed pairs plus the exact
  /// Gram term (Yi et al.'s "mse-gramian" baseline).
  case mseGram = "mse-gram"
  /// In-batch negatives mixed with uniformly sampled items (Yang et al.,
  /// "Mixed negative sampling", WWW 2020), accidental hits removed.
  case mixed

  /// A short label for tables and legends.
  public var title: String {
    switch self {
    case .popularity: "popularity"
    case .ials: "iALS"
    case .softmax: "softmax"
    case .logQExact: "softmax + logQ (exact)"
    case .logQStreaming: "softmax + logQ (streaming)"
    case .prior: "softmax + prior P(d)^beta"
    case .gram: "softmax + Gram"
    case .logQGram: "softmax + logQ + Gram"
    case .mseGram: "MSE + Gram"
    case .mixed: "softmax, mixed negatives"
    }
  }

  /// The method tuned first: its chosen temperature is inherited (gram,
  /// mixed; logq-streaming, logq-gram), or, for the prior, its validation
  /// models at every temperature are evaluated for every beta (a tau x beta
  /// grid without extra fits). The parent's grid runs even when the parent
  /// itself is not compared. Every parent precedes its children in `allCases`.
  public var parent: ComparisonMethod? {
    switch self {
    case .prior, .gram, .mixed: .softmax
    case .logQStreaming, .logQGram: .logQExact
    default: nil
    }
  }

  /// Trains a two-tower model.
  public var isTwoTower: Bool { self != .popularity && self != .ials }

  /// Parses a comma-separated list (`all` for every method), keeping the
  /// canonical order. Throws a message naming the unknown entry.
  public static func parseList(_ text: String) throws(ComparisonError) -> [ComparisonMethod] {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if names.isEmpty || names == ["all"] { return allCases }
    var chosen = Set<ComparisonMethod>()
    for n in names {
      guard let m = ComparisonMethod(rawValue: n.lowercased()) else {
        throw .invalidConfig("unknown method '\(n)'; choose from \(allCases.map(\.rawValue).joined(separator: ", ")) or all")
      }
      chosen.insert(m)
    }
    return allCases.filter(chosen.contains)
  }
}
