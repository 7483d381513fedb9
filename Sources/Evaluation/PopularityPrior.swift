import Foundation
import InteractionData

/// The popularity prior `P(d)` and the serving-time term `beta * log P(d)`,
/// so that `score(u, d) = <u, v_d> + beta * log P(d)`: multiplying the
/// softmax by `P(d)^beta`. One definition for every model and command
/// (two-tower scoring, `evaluate --prior-exponent`, `recommend
/// --prior-exponent`, exact retrieval).
///
/// `P(d)` is the item's training frequency, `c_d / N` (`c_d` training users of
/// `d`, `N` training pairs); an item with no training pair counts as half a
/// pair (`0.5 / N`) so its log stays finite. `beta > 0` favours popular
/// items, `beta < 0` the long tail, `beta = 0` is the plain inner product.
/// (The log of the item marginal is also what logQ correction subtracts
/// during training, Yi et al., RecSys 2019.)
public enum PopularityPrior {
  /// `log P(d)` for each item, from its training count `c_d`. O(|I|).
  public static func logPrior(itemCounts counts: [Int]) -> [Float] {
    let n = Double(max(1, counts.reduce(0, +)))
    return counts.map { Float(log(max(Double($0), 0.5) / n)) }
  }

  /// `beta * log P(d)` for each item. O(|I|).
  public static func bias(itemCounts counts: [Int], beta: Float) -> [Float] {
    logPrior(itemCounts: counts).map { beta * $0 }
  }

  /// The prior of the items of `train` (its item degrees are the counts).
  public static func bias(train: InteractionMatrix, beta: Float) -> [Float] {
    bias(itemCounts: train.itemDegrees, beta: beta)
  }
}
