/// A small, fast, seedable random number generator (xoshiro256**, Blackman &
/// Vigna 2018) seeded through SplitMix64. Every seeded step in Gramian
/// (splits, synthetic data, initialisation, shuffles) draws from it, so a seed
/// fixes the result on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// A generator whose whole state is derived from `seed`.
  public init(seed: UInt64) {
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
  }

  /// An independent stream for sub-task `stream` (a row, a thread, an epoch):
  /// lets parallel code draw reproducibly whatever the schedule.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD134_2543_DE82_EF95 &+ 0x2545_F491_4F6C_DD1D))
  }

  @inlinable
  static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = Self.rotl(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = Self.rotl(s3, 45)
    return result
  }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// A standard normal deviate (Box–Muller; one of the pair is discarded so
  /// the stream stays simple to reason about).
  public mutating func nextNormal() -> Double {
    var u1 = nextUnit()
    while u1 <= 0 { u1 = nextUnit() }
    let u2 = nextUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
