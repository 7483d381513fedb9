/// How to hold out a test set from one file of interactions.
public enum SplitMethod: Sendable, Equatable {
  /// A seeded random share of each user's distinct pairs
  /// (``Splitter/randomHoldout(_:testFraction:seed:)``).
  case random(testFraction: Double)
  /// Each user's latest pair (``Splitter/leaveLastOut(_:)``).
  case leaveLastOut
  /// Whole users held out, each with a fold-in part
  /// (``Splitter/strongGeneralization(_:heldOutUsers:seed:)``).
  case strong(heldOutUsers: Int)

  /// The name used on the command line and in JSON: random, leave-last-out, strong.
  public var name: String {
    switch self {
    case .random: "random"
    case .leaveLastOut: "leave-last-out"
    case .strong: "strong"
    }
  }
}

extension Splitter {
  /// Splits `x` by `method` (`seed` drives the random choices).
  public static func split(_ x: Interactions, method: SplitMethod, seed: UInt64) -> Split {
    switch method {
    case .random(let fraction): randomHoldout(x, testFraction: fraction, seed: seed)
    case .leaveLastOut: leaveLastOut(x)
    case .strong(let users): strongGeneralization(x, heldOutUsers: users, seed: seed)
    }
  }
}
