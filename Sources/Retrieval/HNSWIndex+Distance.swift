import GramianKernels

/// Distances from one fixed point to graph items, in batches (one C call per
/// neighbour list, rows prefetched ahead). Smaller is closer.
protocol ItemDistance {
  /// `out[j]` = distance to item `ids[j]`, `j < n`.
  func callAsFunction(_ ids: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<Float>)
  /// Distance to one item.
  func callAsFunction(_ id: Int32) -> Float
}

/// `-<q, x_i>`: queries under both metrics (the augmented distance differs
/// from it by the constant `phi² + |q|²` and a factor 2), and the build of
/// the inner-product metric.
struct NegativeInnerProduct: ItemDistance {
  let query: UnsafePointer<Float>
  let vectors: UnsafePointer<Float>
  let dimension: Int

  @inline(__always)
  func callAsFunction(_ ids: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<Float>) {
    gk_neg_dot_rows(dimension, query, vectors, ids, n, out)
  }

  @inline(__always)
  func callAsFunction(_ id: Int32) -> Float {
    gk_neg_dot(dimension, query, vectors + Int(id) * dimension)
  }
}

/// `|[a_q, x_q] - [a_i, x_i]|²`: item-to-item distance of the augmented
/// metric (Bachrach et al. 2014), `a` the augmentation coordinate.
struct AugmentedEuclidean: ItemDistance {
  let query: UnsafePointer<Float>
  let queryAugment: Float
  let vectors: UnsafePointer<Float>
  let augment: UnsafePointer<Float>
  let dimension: Int

  @inline(__always)
  func callAsFunction(_ ids: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<Float>) {
    gk_l2sq_rows(dimension, query, vectors, ids, n, out)
    for j in 0..<n {
      let d = queryAugment - augment[Int(ids[j])]
      out[j] += d * d
    }
  }

  @inline(__always)
  func callAsFunction(_ id: Int32) -> Float {
    let d = queryAugment - augment[Int(id)]
    return gk_l2sq(dimension, query, vectors + Int(id) * dimension) + d * d
  }
}

extension HNSWStorage {
  /// Item-to-item distance of the build metric.
  @inline(__always)
  func itemDistance(_ a: Int32, _ b: Int32) -> Float {
    switch configuration.metric {
    case .innerProduct:
      return gk_neg_dot(dimension, vector(a), vector(b))
    case .augmented:
      let d = augment[Int(a)] - augment[Int(b)]
      return gk_l2sq(dimension, vector(a), vector(b)) + d * d
    }
  }

  /// `out[j]` = build-metric distance from item `a` to item `ids[j]`, `j < n`
  /// (one batched kernel call, rows prefetched).
  @inline(__always)
  func itemDistances(from a: Int32, _ ids: UnsafePointer<Int32>, _ n: Int, _ out: UnsafeMutablePointer<Float>) {
    switch configuration.metric {
    case .innerProduct:
      NegativeInnerProduct(query: vector(a), vectors: vectors, dimension: dimension)(ids, n, out)
    case .augmented:
      AugmentedEuclidean(query: vector(a), queryAugment: augment[Int(a)], vectors: vectors, augment: augment,
                         dimension: dimension)(ids, n, out)
    }
  }
}
