import Gramian
import LinearAlgebra

/// Scores concurrent exact `recommend` requests together: one pass of the
/// waiting query vectors over the item factors instead of one sgemv per
/// request (the item matrix is read once per batch).
///
/// No timer: a request that finds fewer than ``maxLeaders`` batches running
/// leads one at once, taking up to ``maxBatch`` requests that are waiting;
/// requests that arrive meanwhile wait for the next batch. So a request
/// waits at most for the batch being computed when it arrived (bounded by
/// `maxBatch` rows of scoring) and is never delayed on an idle server. A
/// leader computes its own request in its first batch, then hands the lead
/// to a waiting request (if any) and returns: nobody serves others forever.
///
/// Cost of a batch of B: O(B·|I|·d) for the product (one read of the
/// items), plus O(|I|) per request for the mask and top-k selection.
final class RecommendBatcher: Sendable {
  struct Job: Sendable {
    let vector: [Float]
    let seen: [Int32]
    let filter: ItemFilter?
    let k: Int
  }

  typealias Result = [(item: Int32, score: Float)]

  private enum Outcome: Sendable {
    case done(Result)
    case lead
  }

  private struct Waiting: Sendable {
    let job: Job
    let continuation: CheckedContinuation<Outcome, Never>
  }

  private struct State: Sendable {
    var queue: [Waiting] = []
    var head = 0
    var leaders = 0
    var batches = 0
    var jobs = 0
  }

  /// Batches run and requests answered so far (for tests and logs).
  var counts: (batches: Int, jobs: Int) { state.withLock { ($0.batches, $0.jobs) } }

  let model: any Recommender
  let maxBatch: Int
  let maxLeaders: Int
  private let state = Locked(State())

  /// The item factors in 8-item panels (``Kernels/packPanels8(n:d:v:ldv:out:)``).
  let panels: [Float]

  init(model: any Recommender, maxBatch: Int = 32, maxLeaders: Int = max(1, Parallel.availableThreads)) {
    self.model = model
    let n = model.itemCount, d = model.dimension
    panels = [Float](unsafeUninitializedCapacity: (n + 7) / 8 * 8 * d) { buffer, count in
      count = (n + 7) / 8 * 8 * d
      guard count > 0 else { return }
      model.itemFactors.storage.withUnsafeBufferPointer { v in
        Kernels.packPanels8(n: n, d: d, v: v.baseAddress!, ldv: d, out: buffer.baseAddress!)
      }
    }
    self.maxBatch = max(1, maxBatch)
    self.maxLeaders = max(1, maxLeaders)
  }

  /// The exact top `k` for `job`, scored with whichever requests are waiting.
  func recommend(_ job: Job) async -> Result {
    let outcome: Outcome = await withCheckedContinuation { continuation in
      let lead = state.withLock { s -> Bool in
        if s.leaders < maxLeaders {
          s.leaders += 1
          return true
        }
        s.queue.append(Waiting(job: job, continuation: continuation))
        return false
      }
      if lead { continuation.resume(returning: .lead) }
    }
    switch outcome {
    case .done(let r):
      return r
    case .lead:
      return lead(with: job)
    }
  }

  /// Runs one batch holding `job` and up to `maxBatch - 1` waiting ones,
  /// then passes the lead on (or gives it up when nobody waits).
  private func lead(with job: Job) -> Result {
    let others = state.withLock { s -> [Waiting] in
      let n = min(maxBatch - 1, s.queue.count - s.head)
      let taken = Array(s.queue[s.head..<(s.head + n)])
      s.head += n
      s.batches += 1
      s.jobs += n + 1
      if s.head > 1024 && s.head * 2 > s.queue.count {
        s.queue.removeFirst(s.head)
        s.head = 0
      }
      return taken
    }
    let results = score([job] + others.map(\.job))
    for (w, r) in zip(others, results.dropFirst()) { w.continuation.resume(returning: .done(r)) }
    let next = state.withLock { s -> Waiting? in
      if s.head < s.queue.count {
        defer { s.head += 1 }
        return s.queue[s.head]  // keeps the lead (leaders unchanged)
      }
      s.leaders -= 1
      return nil
    }
    next?.continuation.resume(returning: .lead)
    return results[0]
  }

  /// Exact top-k of each job: scores = Q V^T (+ bias), masked, selected.
  ///
  /// The item factors are packed once (``Kernels/packPanels8(n:d:v:ldv:out:)``,
  /// made with the batcher: as much memory again as the item matrix) so that
  /// each batch streams them with the items in SIMD lanes, eight queries at a
  /// time, tile by tile (``Kernels/panelDots(n:d:panels:count:q:ldq:out:ldo:)``).
  func score(_ jobs: [Job]) -> [Result] {
    let n = model.itemCount, d = model.dimension, b = jobs.count
    guard n > 0 else { return jobs.map { _ in [] } }
    var scores = [Float](unsafeUninitializedCapacity: b * n) { buffer, count in
      if d == 0 { buffer.initialize(repeating: 0) }
      count = b * n
    }
    if d > 0 {
      var q = [Float](repeating: 0, count: b * d)
      for (r, job) in jobs.enumerated() { q.replaceSubrange((r * d)..<((r + 1) * d), with: job.vector) }
      panels.withUnsafeBufferPointer { pp in
        q.withUnsafeBufferPointer { qp in
          scores.withUnsafeMutableBufferPointer { s in
            Kernels.panelDots(n: n, d: d, panels: pp.baseAddress!, count: b, q: qp.baseAddress!, ldq: d,
                              out: s.baseAddress!, ldo: n)
          }
        }
      }
    }
    let bias = model.itemBias
    return scores.withUnsafeMutableBufferPointer { all in
      jobs.enumerated().map { r, job in
        let row = UnsafeMutableBufferPointer(rebasing: all[(r * n)..<((r + 1) * n)])
        if let bias { for i in 0..<n { row[i] += bias[i] } }
        Recommendations.mask(row, seen: job.seen[...], filter: job.filter)
        return TopK.selectFinite(row.baseAddress!, count: n, k: job.k)
      }
    }
  }
}
