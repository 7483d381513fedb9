import LinearAlgebra

/// Weighted sampling without replacement through a Fenwick (binary indexed)
/// tree of the remaining weights (Fenwick 1994; Wong & Easton 1980 for the
/// sampling use): each draw and each removal cost O(log n).
struct FenwickSampler {
  /// 1-based partial sums; `tree[i]` covers `(i - lowbit(i), i]`.
  private var tree: [Double]
  private var taken: [Bool]
  let count: Int

  init(count: Int) {
    self.count = count
    tree = [Double](repeating: 0, count: count + 1)
    taken = [Bool](repeating: false, count: count)
  }

  /// Builds the tree over `weights` (all > 0 except taken ones). O(n).
  private mutating func build(_ weights: [Double]) {
    let n = count
    weights.withUnsafeBufferPointer { w in
      taken.withUnsafeBufferPointer { t in
        tree.withUnsafeMutableBufferPointer { f in
          for i in 0..<n { f[i + 1] = t[i] ? 0 : w[i] }
          for i in 1...n {
            let j = i + (i & -i)
            if j <= n { f[j] += f[i] }
          }
        }
      }
    }
  }

  /// Sum of all remaining weights, read off the tree. O(log n).
  private var total: Double {
    var s = 0.0
    var i = count
    while i > 0 { s += tree[i]; i -= i & -i }
    return s
  }

  /// Index of the first item whose prefix sum exceeds `target`. O(log n).
  private func find(_ target: Double) -> Int {
    var pos = 0
    var rest = target
    var step = 1
    while step * 2 <= count { step *= 2 }
    while step > 0 {
      if pos + step <= count, tree[pos + step] <= rest {
        pos += step
        rest -= tree[pos]
      }
      step /= 2
    }
    return min(pos, count - 1)
  }

  private mutating func remove(_ i: Int, _ w: Double) {
    var j = i + 1
    while j <= count { tree[j] -= w; j += j & -j }
  }

  /// Writes `n` distinct indices drawn successively with probability
  /// ∝ `weights` among those not yet drawn. When rounding in the running
  /// sums makes a drawn index repeat, the tree is rebuilt exactly.
  mutating func drawWithoutReplacement(
    _ n: Int, weights: [Double], into output: UnsafeMutablePointer<Int32>, rng: inout SeededGenerator
  ) {
    precondition(n <= count)
    build(weights)
    var total = self.total
    var drawn = 0, misses = 0
    while drawn < n {
      let i = find(rng.nextUnit() * total)
      if taken[i] {
        misses += 1
        if misses >= 8 {  // running sums drifted: rebuild from the remaining weights
          build(weights)
          total = self.total
          misses = 0
        }
        continue
      }
      taken[i] = true
      output[drawn] = Int32(i)
      drawn += 1
      remove(i, weights[i])
      total -= weights[i]
    }
    for j in 0..<n { taken[Int(output[j])] = false }
  }
}
