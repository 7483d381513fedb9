import Foundation

/// A method of the leave-one-out comparison (``SequenceComparison``): the
/// self-attention history tower under each loss and correction, against
/// popularity and iALS on the same users and items.
public enum SequenceMethod: String, Sendable, Codable, CaseIterable {
  /// Items by training frequency.
  case popularity
  /// iALS on the users' training items (binary), its alpha0 x lambda grid
  /// tuned on the validation items, refitted with them for the test items.
  case ials
  /// The attention tower with in-batch sampled softmax (SASRec's shape,
  /// Kang & McAuley 2018, trained with softmax over the batch's next items).
  case softmax = "attention-softmax"
  /// The same with logQ correction by training frequency (Yi et al. 2019).
  case logQ = "attention-logq"
  /// attention-softmax's network served with `+ beta log P(d)` (beta tuned).
  case prior = "attention-prior"
  /// In-batch softmax plus the Gram regulariser (Krichene et al. 2019;
  /// SOGram estimate), its weight tuned.
  case gram = "attention-gram"
  /// logQ-corrected softmax plus the Gram regulariser.
  case logQGram = "attention-logq-gram"
  /// Softmax over every item at every position (no sampling, no correction needed).
  case full = "attention-full"
  /// SASRec's original loss: binary cross-entropy with one sampled
  /// negative per position.
  case bce = "attention-bce"

  public var title: String {
    switch self {
    case .popularity: "popularity"
    case .ials: "iALS"
    case .softmax: "attention, in-batch softmax"
    case .logQ: "attention, softmax + logQ"
    case .prior: "attention, softmax + prior P(d)^beta"
    case .gram: "attention, softmax + Gram"
    case .logQGram: "attention, softmax + logQ + Gram"
    case .full: "attention, full softmax"
    case .bce: "attention, BCE (SASRec)"
    }
  }

  /// Whether the method trains the attention tower.
  public var isAttention: Bool { self != .popularity && self != .ials }

  /// The method whose fitted network this one serves (the prior reuses
  /// attention-softmax's fit).
  public var parent: SequenceMethod? { self == .prior ? .softmax : nil }

  /// Parses `all` or a comma-separated list (returned in table order).
  public static func parseList(_ text: String) throws(ComparisonError) -> [SequenceMethod] {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    if names.isEmpty || names == ["all"] { return allCases }
    var chosen = Set<SequenceMethod>()
    for n in names {
      guard let m = SequenceMethod(rawValue: n.lowercased()) else {
        throw .invalidConfig("unknown leave-one-out method '\(n)'; choose from \(allCases.map(\.rawValue).joined(separator: ", ")) or all")
      }
      chosen.insert(m)
    }
    return allCases.filter(chosen.contains)
  }
}
