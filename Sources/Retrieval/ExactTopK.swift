import Evaluation
import GramianKernels
import InteractionData
import LinearAlgebra

/// Exact maximum-inner-product top-K: `score(u, d) = <q_u, v_d> + b_d`, the
/// brute-force twin of ``HNSWIndex``.
///
/// Users are taken in blocks of ``usersPerBlock`` and items in tiles of
/// ``itemsPerTile``; each (block, tile) is one sgemm into a buffer that
/// stays in cache, and is consumed at once by a SIMD threshold scan
/// (`gk_scan_above`) against each user's running K-th best score. Only
/// scores above that threshold reach the heap, the seen-item check and the
/// caller's filter, so filtering costs O(candidates), not O(items).
/// Memory is bounded by the block: per worker `B·T + B·k` floats and `B·K`
/// heap keys (B users, T items per tile, k factors), whatever the catalogue,
/// plus one reordered copy of the item factors for searches of at least
/// ``normOrderMinimumUsers`` users.
///
/// The optional bias `b` carries the popularity prior
/// `beta * log P(d)` (``PopularityPrior``).
/// Items scoring NaN or −infinity are never returned.
public struct ExactTopK: Sendable {
  /// Item factors, `itemCount x k`.
  public let itemFactors: Matrix
  /// Per-item additive term (e.g. ``PopularityPrior/bias(train:beta:)``), or nil.
  public let itemBias: [Float]?
  /// Users per sgemm block (B). 256 x 4096 was the fastest shape measured on
  /// amazon-book (k = 128, K = 100; Benchmarks/retrieval/README.md).
  public var usersPerBlock = 256
  /// Items per tile (T); B·T floats are the score buffer of one worker.
  public var itemsPerTile = 4096
  /// From this many users on, a search scans the items in descending order
  /// of norm (see `NormOrder`: the same lists, fewer heap insertions), at the
  /// cost of one reordered copy of the item factors.
  public var normOrderMinimumUsers = 256

  public init(itemFactors: Matrix, itemBias: [Float]? = nil) {
    precondition(itemBias == nil || itemBias!.count == itemFactors.rows,
                 "item bias has \(itemBias!.count) values for \(itemFactors.rows) items")
    self.itemFactors = itemFactors
    self.itemBias = itemBias
  }

  /// The factors and bias of a ``FactorScorer``.
  public init(_ scorer: FactorScorer) {
    self.init(itemFactors: scorer.itemFactors, itemBias: scorer.itemBias)
  }

  public var itemCount: Int { itemFactors.rows }

  /// The top `k` (item, score) pairs of each query row `users[i]` of
  /// `queries`, best first (ties: lower item index first).
  ///
  /// - Parameters:
  ///   - queries: query (user) vectors, `rows x k`.
  ///   - users: which rows of `queries` to answer (default: all, in order).
  ///   - seen: per-user items to skip (rows indexed like `queries`; users
  ///     beyond its rows skip nothing), usually the training matrix.
  ///   - excluding: a further filter, `true` drops `(user, item)`; called only
  ///     for items that would otherwise enter the top K.
  ///   - progress: (users done, users in total) after each block, any thread.
  /// - Complexity: O(|users|·|I|·k) flops in sgemm plus O(|users|·|I|) for the
  ///   scan and O(h log K) heap work (h ≈ K ln(|I|/K) replacements per user).
  public func search(
    queries: Matrix, users: [Int32]? = nil, k: Int, seen: InteractionMatrix? = nil,
    excluding: (@Sendable (_ user: Int32, _ item: Int32) -> Bool)? = nil,
    threads: Int = Parallel.availableThreads,
    progress: (@Sendable (Int, Int) -> Void)? = nil
  ) -> [[(item: Int32, score: Float)]] {
    precondition(queries.columns == itemFactors.columns,
                 "queries have \(queries.columns) columns, item factors \(itemFactors.columns)")
    let rows = users ?? (0..<Int32(queries.rows)).map { $0 }
    var lists = [[(item: Int32, score: Float)]](repeating: [], count: rows.count)
    guard !rows.isEmpty, k > 0, itemCount > 0 else { return lists }
    let b = max(1, usersPerBlock)
    let blocks = (rows.count + b - 1) / b
    let workers = max(1, min(threads, blocks))
    let plan = BlockPlan(users: b, items: min(max(1, itemsPerTile), itemCount), factors: itemFactors.columns, k: min(k, itemCount))  // no list is longer than the catalogue
    let scratch = (0..<workers).map { _ in plan.allocate() }
    defer { scratch.forEach { $0.deallocate() } }
    let done = DoneCounter()
    let sorted = rows.count >= normOrderMinimumUsers ? NormOrder(itemFactors, bias: itemBias) : nil
    lists.withUnsafeMutableBufferPointer { out in
      let results = SendablePointer(out.baseAddress!)
      queries.storage.withUnsafeBufferPointer { q in
        (sorted?.items ?? itemFactors).storage.withUnsafeBufferPointer { v in
          (sorted?.order).withUnsafeBufferPointerOrNil { order in
            let qp = SendableConstPointer(q.baseAddress!), vp = SendableConstPointer(v.baseAddress!)
            let op = order.map { SendableConstPointer($0) }
            let bias = sorted.map { $0.bias } ?? itemBias
            BLAS.withThreads(1) {
              Parallel.forEach(blocks, threads: workers, grain: 1) { block, worker in
                let lo = block * b, hi = min(rows.count, lo + b)
                let job = BlockJob(
                  plan: plan, scratch: scratch[worker], queries: qp.base, items: vp.base, order: op?.base,
                  itemCount: itemCount, bias: bias, users: rows[lo..<hi], seen: seen, excluding: excluding)
                job.run(into: results.base + lo)
                if let progress { progress(done.add(hi - lo), rows.count) }
              }
            }
          }
        }
      }
    }
    return lists
  }

}

/// The items reordered by descending norm (ties by index), with their bias.
///
/// A user's running K-th best score, the threshold of the scan, rises as
/// good items are seen; items of large norm tend to score high for every
/// user, so seen first they raise it within the first tile and fewer of the
/// remaining items pass the scan and reach the heap (in catalogue order about
/// K·(1 + ln(I/K)) heap insertions a user). The result does not depend on
/// the order: the heap keys carry the item's own index. Costs one copy of
/// the item factors and O(I·k + I log I) once per search.
struct NormOrder {
  /// `order[p]` is the item at position p.
  let order: [Int32]
  /// Row p is item `order[p]`'s factors.
  let items: Matrix
  /// Bias in the same order, or nil.
  let bias: [Float]?

  init(_ factors: Matrix, bias: [Float]?) {
    let k = factors.columns
    let norms = factors.storage.withUnsafeBufferPointer { f in
      (0..<factors.rows).map { i in Kernels.dot(k, f.baseAddress! + i * k, f.baseAddress! + i * k) }
    }
    let order = (0..<Int32(factors.rows)).sorted { (x: Int32, y: Int32) -> Bool in
      let a = norms[Int(x)], b = norms[Int(y)]
      return a != b ? a > b : x < y
    }
    var packed = Matrix(rows: factors.rows, columns: k)
    packed.storage.withUnsafeMutableBufferPointer { dst in
      factors.storage.withUnsafeBufferPointer { src in
        for (p, i) in order.enumerated() {
          (dst.baseAddress! + p * k).update(from: src.baseAddress! + Int(i) * k, count: k)
        }
      }
    }
    self.order = order
    self.items = packed
    self.bias = bias.map { b in order.map { b[Int($0)] } }
  }
}
