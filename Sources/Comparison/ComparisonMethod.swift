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
  /// iALS with its dimension searched: the alpha0 x lambda grid at the first
  /// of ``ComparisonConfig/ialsDimensions``, then d doubled with those settings
  /// while validation improves (Rendle et al. 2022 report iALS still gaining
  /// at d = 2048); the block solver above ``ComparisonConfig/blockSolverAbove``.
  case ialsDimensions = "ials-dims"
  /// EASE (Steck, WWW 2019): the closed-form item-item model on `X^T X`,
  /// lambda tuned; catalogues above ``EASEConfig/maxItems`` are skipped.
  case ease
  /// Two towers, in-batch sampled softmax with temperature.
  case softmax
  /// Softmax with logQ correction from exact training frequencies (Yi et al., RecSys 2019).
  case logQExact = "logq-exact"
  /// Softmax with logQ correction from Yi et al.'s streaming estimator.
  case logQStreaming = "logq-streaming"
  /// The corrected logQ of Khrylchenko et al. (RecSys 2025), exact
  /// frequencies: the positive always in the denominator (``LogQForm/corrected``).
  case logQCorrected = "logq-corrected"
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
  /// The best two-tower method at ``ComparisonConfig/dimension`` (by its best
  /// validation point among the two-tower methods compared), then d doubled
  /// through ``ComparisonConfig/twoTowerDimensions`` with that method's
  /// chosen settings while validation improves: the two-tower's own
  /// dimension budget, beside ``ialsDimensions`` (issue 18). The prior's beta
  /// and the other settings are kept, not re-tuned, at the larger d.
  case twoTowerDimensions = "two-tower-dims"

  /// A short label for tables and legends.
  public var title: String {
    switch self {
    case .popularity: "popularity"
    case .ials: "iALS"
    case .ialsDimensions: "iALS, d searched"
    case .ease: "EASE"
    case .softmax: "softmax"
    case .logQExact: "softmax + logQ (exact)"
    case .logQStreaming: "softmax + logQ (streaming)"
    case .logQCorrected: "softmax + corrected logQ"
    case .prior: "softmax + prior P(d)^beta"
    case .gram: "softmax + Gram"
    case .logQGram: "softmax + logQ + Gram"
    case .mseGram: "MSE + Gram"
    case .mixed: "softmax, mixed negatives"
    case .twoTowerDimensions: "best two-tower, d searched"
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
  public var isTwoTower: Bool { ![.popularity, .ials, .ialsDimensions, .ease].contains(self) }

  /// A two-tower method at the fixed ``ComparisonConfig/dimension`` (every
  /// two-tower method but ``twoTowerDimensions``): the candidates of the
  /// equal-d comparisons and of the dimension search's base.
  public var isTwoTowerAtFixedDimension: Bool { isTwoTower && self != .twoTowerDimensions }

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
