/// Shape and model of a synthetic implicit-feedback data set
/// (see ``SyntheticData/generate(_:threads:)`` for the model).
public struct SyntheticConfig: Sendable {
  /// Number of users (every user gets at least one event).
  public var users = 1000
  /// Number of items in the catalogue (some may get no event).
  public var items = 500
  /// Exact number of distinct (user, item) pairs generated.
  public var interactions = 20_000
  /// Rank of the latent model behind the choices.
  public var rank = 16
  /// Item popularity pop(i) ∝ rank(i)^−popularityExponent (Zipf-like).
  public var popularityExponent = 1.0
  /// User activity n(u) ∝ rank(u)^−activityExponent (then clipped and rescaled).
  public var activityExponent = 1.0
  /// Temperature T of exp(<u, v>/T): lower makes choices more personal.
  public var temperature = 0.3
  /// Largest number of items one user may have (default: half the catalogue).
  public var maxPerUser: Int? = nil
  /// Seed of every random draw.
  public var seed: UInt64 = 1

  public init() {}

  /// The shape of MovieLens 20M: 138,493 users, 26,744 items, 20,000,263 pairs.
  public static var ml20mShape: SyntheticConfig {
    var c = SyntheticConfig()
    c.users = 138_493
    c.items = 26_744
    c.interactions = 20_000_263
    return c
  }

  /// The per-user cap in effect.
  var cap: Int { min(items, maxPerUser ?? max(1, items / 2)) }
}
