import Foundation
import InteractionData

/// The popularity-prior term `beta * log P(d)` added to every item's score
/// by exact retrieval, so `score(u, d) = <u, v_d> + beta * log P(d)`.
///
/// `P(d)` is the item's share of the training interactions with add-one
/// (Laplace) smoothing, `P(d) = (c_d + 1) / (N + |I|)`, where `c_d` is the
/// number of training users of `d` and `N` the number of (user, item) pairs:
/// unseen items get a finite, small prior instead of `log 0`. `beta > 0`
/// favours popular items, `beta < 0` the long tail, `beta = 0` is plain
/// inner product. (The prior is the log of the item marginal used in the
/// popularity correction of sampled softmax, Yi et al., RecSys 2019.)
public enum PopularityPrior {
  /// `beta * log((c_d + 1) / (N + |I|))` for each item of `counts` (`c_d`).
  /// - Complexity: O(|I|).
  public static func bias(itemCounts counts: [Int], beta: Float) -> [Float] {
    let total = Double(counts.reduce(0, +) + counts.count)
    return counts.map { Float(Double(beta) * log((Double($0) + 1) / total)) }
  }

  /// The prior of the items of `train` (its item degrees are the counts).
  public static func bias(train: InteractionMatrix, beta: Float) -> [Float] {
    bias(itemCounts: train.itemDegrees, beta: beta)
  }
}

