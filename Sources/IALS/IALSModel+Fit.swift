import Foundation
import InteractionData
import LinearAlgebra

extension IALSModel {
  /// Fits user and item factors to `train` by alternating least squares:
  /// each epoch solves every user row against the fixed items, then every
  /// item row against the fixed users, with ``IALSConfig/solver``.
  ///
  /// The Gram matrix `HᵀH` (or `WᵀW`) is computed once per half-step by one
  /// `ssyrk` on `config.threads` BLAS threads; the rows are then solved in
  /// parallel on `config.threads` workers with BLAS at one thread. The seed
  /// and thread count fix the result bit for bit.
  ///
  /// - Parameters:
  ///   - train: the user x item matrix; weights are the raw `r` of the confidence.
  ///   - userIds, itemIds: external ids (their counts must match `train`'s, or be empty).
  ///   - onEpoch: called after every epoch with its seconds and exact loss.
  ///   - onEpochModel: like `onEpoch`, also given the model as it stands after
  ///     that epoch (for evaluation during training, early stopping reports).
  /// - Throws: ``IALSError/invalidConfig(_:)``, ``IALSError/dimensionMismatch(_:)``,
  ///   ``IALSError/nonFinite(epoch:side:row:)`` (the first non-finite row).
  /// - Complexity: per epoch, exact O(nnz·k² + (|U|+|I|)·k³), cg
  ///   O(steps·(nnz·k + (|U|+|I|)·k²)), block O(nnz·k·b + (|U|+|I|)·k·b²);
  ///   plus O(nnz·k + (|U|+|I|)·k²) for the loss.
  public static func fit(
    _ train: InteractionMatrix, userIds: IdMap, itemIds: IdMap, config: IALSConfig,
    onEpoch: ((EpochReport) -> Void)? = nil,
    onEpochModel: ((EpochReport, IALSModel) -> Void)? = nil
  ) throws(IALSError) -> IALSModel {
    try config.validate()
    guard train.nnz > 0 else { throw .emptyTrainingData }
    if userIds.count != 0 && userIds.count != train.userCount {
      throw .dimensionMismatch("\(userIds.count) user ids for a matrix of \(train.userCount) users")
    }
    if itemIds.count != 0 && itemIds.count != train.itemCount {
      throw .dimensionMismatch("\(itemIds.count) item ids for a matrix of \(train.itemCount) items")
    }
    let k = config.factors
    do { try MemoryBudget.check(config.estimatedBytes(users: train.userCount, items: train.itemCount, pairs: train.nnz),
                                for: "an iALS fit with k = \(k) on \(train.userCount) users x \(train.itemCount) items") } catch {
      throw .invalidConfig(error.description)
    }
    var users = initialFactors(rows: train.userCount, k: k, config: config, stream: 0)
    var items = initialFactors(rows: train.itemCount, k: k, config: config, stream: 1)
    let userSide = SideData(train, config: config)
    let itemSide = SideData(train.transposed, config: config)
    let solver = config.rowSolver
    // One huge-page copy per side, allocated once and refilled each half-step.
    let userCopy = FixedSideCopy(), itemCopy = FixedSideCopy()
    defer { userCopy.free(); itemCopy.free() }
    let oldThreads = BLAS.threads
    defer { BLAS.setThreads(oldThreads) }
    for epoch in stride(from: 1, through: config.epochs, by: 1) {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try halfStep(userSide, fixed: items, target: &users, solver: solver, config: config, epoch: epoch, side: "user",
                   copy: itemCopy)
      let t1 = DispatchTime.now().uptimeNanoseconds
      try halfStep(itemSide, fixed: users, target: &items, solver: solver, config: config, epoch: epoch, side: "item",
                   copy: userCopy)
      let t2 = DispatchTime.now().uptimeNanoseconds
      let seconds = Double(t2 - t0) / 1e9
      if onEpoch != nil || onEpochModel != nil {
        let loss = Self.loss(users: users, items: items, userSide: userSide, itemSide: itemSide, config: config)
        let report = EpochReport(
          epoch: epoch, seconds: seconds, loss: loss, userSeconds: Double(t1 - t0) / 1e9, itemSeconds: Double(t2 - t1) / 1e9)
        onEpoch?(report)
        onEpochModel?(report, IALSModel(config: config, userFactors: users, itemFactors: items, userIds: userIds, itemIds: itemIds))
      }
    }
    return IALSModel(config: config, userFactors: users, itemFactors: items, userIds: userIds, itemIds: itemIds,
                     training: TrainingSummary(train, userIds: userIds, itemIds: itemIds))
  }

  /// One half-step: Gram of the fixed side, then every row (or `rows`) of
  /// `target` solved in parallel.
  static func halfStep(
    _ side: SideData, fixed: Matrix, target: inout Matrix, solver: RowSolver, config: IALSConfig,
    rows: [Int32]? = nil, epoch: Int, side sideName: String, copy: FixedSideCopy? = nil
  ) throws(IALSError) {
    let g = scaledGram(gram(fixed, threads: config.threads), config: config)
    BLAS.setThreads(1)
    let bad = withHalfStep(side, fixed: fixed, gram: g, target: &target, fixedCopy: copy?.refill(fixed)) { step in
      step.solve(solver, rows: rows, threads: config.threads)
    }
    if let bad { throw .nonFinite(epoch: epoch, side: sideName, row: bad) }
  }

  /// `alpha0 * g`.
  package static func scaledGram(_ g: Matrix, config: IALSConfig) -> Matrix {
    var g = g
    let alpha0 = config.unobservedWeight
    if alpha0 != 1 { for j in 0..<g.storage.count { g.storage[j] *= alpha0 } }
    return g
  }

  /// Rows drawn from N(0, (initStd / sqrt(k))²), from stream `stream` of the seed.
  static func initialFactors(rows: Int, k: Int, config: IALSConfig, stream: UInt64) -> Matrix {
    initialFactors(rows: 0..<rows, k: k, config: config, stream: stream)
  }

  /// Rows `rows` of those factors (the rows before them drawn and dropped,
  /// so a rank of a distributed fit starts where one process would).
  /// O(rows.upperBound · k) draws.
  package static func initialFactors(rows: Range<Int>, k: Int, config: IALSConfig, stream: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: config.seed, stream: stream)
    let sd = Double(config.initStd) / Double(k).squareRoot()
    for _ in 0..<(rows.lowerBound * k) { _ = rng.nextNormal() }
    var m = Matrix(rows: rows.count, columns: k)
    for j in 0..<m.storage.count { m.storage[j] = Float(rng.nextNormal() * sd) }
    return m
  }
}

extension IALSConfig {
  package var rowSolver: RowSolver {
    switch solver {
    case .exact: return .exact
    case .cg: return .cg(steps: cgSteps)
    case .block: return .block(size: effectiveBlockSize)
    }
  }
}

/// The fit's copy of one side's factors on huge pages (see
/// ``HugePageBuffer``), for the half-steps that read that side as the fixed
/// one: allocated at the first half-step and refilled at each, so its pages
/// fault in once per fit. Only sides of at least
/// ``HugePageBuffer/minimumBytes`` get one; `GRAMIAN_HUGE_PAGES=0` turns it off.
package final class FixedSideCopy {
  private var buffer: HugePageBuffer?

  /// The buffer holding `m`'s current floats, or nil when `m` is small.
  package init() {}

  package func refill(_ m: Matrix) -> HugePageBuffer? {
    guard HugePageBuffer.enabled, m.storage.count * 4 >= HugePageBuffer.minimumBytes else { return nil }
    return m.storage.withUnsafeBufferPointer { p in
      if let b = buffer, b.count == p.count {
        b.update(from: p.baseAddress!)
      } else {
        buffer?.free()
        buffer = HugePageBuffer(copying: p.baseAddress!, count: p.count)
      }
      return buffer
    }
  }

  package func free() {
    buffer?.free()
    buffer = nil
  }
}
