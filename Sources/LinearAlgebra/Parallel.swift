import Dispatch
import Foundation

/// Parallel loops over index ranges.
///
/// Work is cut into contiguous chunks that are assigned to threads in a fixed
/// way (chunk `c` always covers the same indices), so any computation whose
/// per-index result does not depend on the schedule is deterministic for a
/// given thread count.
public enum Parallel {
  /// Number of hardware threads available to this process.
  public static var availableThreads: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// Runs `body(chunkRange)` over `0..<count` split into `threads` contiguous
  /// chunks (fewer if `count` is small). With one thread it runs inline.
  ///
  /// - Complexity: O(count) calls of the body's per-index work, spread over
  ///   `threads` workers.
  public static func forChunks(
    _ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let t = max(1, min(threads, count))
    if t == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: t) { c in
      let lo = count * c / t
      let hi = count * (c + 1) / t
      if lo < hi { body(lo..<hi) }
    }
  }

  /// Runs `body(index, worker)` for each index in `0..<count`, with indices
  /// dealt in blocks of `grain` to `threads` workers in a fixed round-robin
  /// order (worker `w` takes blocks `w, w + threads, ...`). This balances
  /// uneven rows (power-law activity) while staying deterministic.
  public static func forEach(
    _ count: Int, threads: Int, grain: Int = 64,
    _ body: @Sendable (_ index: Int, _ worker: Int) -> Void
  ) {
    guard count > 0 else { return }
    let g = max(1, grain)
    let blocks = (count + g - 1) / g
    let t = max(1, min(threads, blocks))
    if t == 1 {
      for i in 0..<count { body(i, 0) }
      return
    }
    DispatchQueue.concurrentPerform(iterations: t) { w in
      var b = w
      while b < blocks {
        let lo = b * g
        let hi = min(count, lo + g)
        for i in lo..<hi { body(i, w) }
        b += t
      }
    }
  }

  /// Runs `first` and `second` at the same time on two workers, or one
  /// after the other when `threads` < 2, and returns both results. For two
  /// independent pieces of work of similar cost (e.g. the query and item
  /// towers of a batch): one fork-join instead of one per piece.
  public static func both<A, B>(
    threads: Int, _ first: @Sendable () -> A, _ second: @Sendable () -> B
  ) -> (A, B) {
    if threads < 2 { return (first(), second()) }
    let a = SendableBox<A?>(nil), b = SendableBox<B?>(nil)
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      if i == 0 { a.value = first() } else { b.value = second() }
    }
    return (a.value!, b.value!)
  }
}
