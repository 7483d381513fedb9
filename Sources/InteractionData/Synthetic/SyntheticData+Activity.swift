import LinearAlgebra

extension SyntheticData {
  /// Per-user event counts: weights rank^−a over a random ranking of users,
  /// scaled to add up to exactly `total`, each within [1, cap] (clipped users
  /// are fixed and the others rescaled until no bound is violated, then the
  /// largest remainders get the leftover units). O(|U| log |U|).
  static func userCounts(users: Int, total: Int, exponent: Double, cap: Int, rng: inout SeededGenerator) -> [Int] {
    precondition(users >= 1 && users <= total && total <= users * cap,
                 "interactions \(total) must lie in users ... users * cap (\(users) ... \(users * cap))")
    var rank = Array(0..<users)
    rank.shuffle(using: &rng)
    let weight = rank.map { pow(Double($0 + 1), -exponent) }
    var fixed = [Bool](repeating: false, count: users)
    var c = [Double](repeating: 0, count: users)
    for _ in 0..<100 {
      var freeTotal = Double(total), freeWeight = 0.0
      for u in 0..<users { if fixed[u] { freeTotal -= c[u] } else { freeWeight += weight[u] } }
      var violated = false
      for u in 0..<users where !fixed[u] {
        c[u] = weight[u] * freeTotal / freeWeight
        if c[u] < 1 { c[u] = 1; fixed[u] = true; violated = true }
        else if c[u] > Double(cap) { c[u] = Double(cap); fixed[u] = true; violated = true }
      }
      if !violated { break }
    }
    var n = c.map { Int($0) }
    var short = total - n.reduce(0, +)
    let byRemainder = (0..<users).filter { n[$0] < cap }
      .sorted { (c[$0] - Double(n[$0]), -$0) > (c[$1] - Double(n[$1]), -$1) }
    var j = 0
    while short > 0 {  // remainders first, then round-robin if still short
      let u = byRemainder[j % byRemainder.count]
      if n[u] < cap { n[u] += 1; short -= 1 }
      j += 1
    }
    while short < 0 {  // rounding overshoot (cannot normally happen)
      let u = byRemainder[j % byRemainder.count]
      if n[u] > 1 { n[u] -= 1; short += 1 }
      j += 1
    }
    return n
  }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
