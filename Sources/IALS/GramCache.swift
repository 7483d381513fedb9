import LinearAlgebra

/// `MᵀM` of a model's item factors, computed on first use and shared by
/// every copy of the model that still holds the same factors.
///
/// Fold-in needs the item Gram matrix; scoring, ranking and saving do not.
/// Computing it when a model is loaded cost `gramian score` a GEMM and, with
/// oneDNN as the GEMM backend, the library's load (25-65 ms of a 0.2 s run),
/// so the first fold-in computes it instead (O(|I| k²), once), under a lock
/// (``Locked``, which ThreadSanitizer can see) so that concurrent fold-ins
/// compute it once.
final class GramCache: Sendable {
  private let value = Locked<Matrix?>(nil)

  init() {}

  /// The cached matrix, or `compute()`'s result stored for the next caller.
  func get(_ compute: () -> Matrix) -> Matrix {
    value.withLock { cached in
      if let cached { return cached }
      let g = compute()
      cached = g
      return g
    }
  }

  /// Whether the matrix has been computed (for tests).
  var isComputed: Bool { value.withLock { $0 != nil } }
}
