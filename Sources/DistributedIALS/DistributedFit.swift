import Collectives
import Dispatch
import IALS
import InteractionData
import LinearAlgebra

/// One epoch of a distributed fit, as rank 0 reports it.
public struct DistributedEpochReport: Sendable, Codable, Equatable {
  public var epoch: Int
  /// Wall seconds of the epoch (both half-steps, exchanges included), at rank 0.
  public var seconds: Double
  /// The exact training loss over all ranks (the same value a single
  /// process computes, up to the order of the additions).
  public var loss: Double
  public var userSeconds: Double
  public var itemSeconds: Double
  /// Per rank: seconds spent in collectives (exchanging factor rows,
  /// all-reducing Gram matrices, agreeing on errors), waiting included.
  public var communicationSeconds: [Double]
  /// Per rank: factor bytes sent to other ranks in this epoch (the byte
  /// counts handed to the all-to-all exchanges, the rank's own segment excluded).
  public var bytesSent: [Int]
  /// Per rank: factor rows other ranks read from it, both sides (fixed by
  /// the partition): the formula for ``bytesSent`` is `4 k` times this.
  public var rowsSent: [Int]
  /// Per rank: seconds solving its own user rows and its own item rows
  /// (Gram matrix included, collectives excluded): where the ranks differ,
  /// the faster ones wait in the next collective.
  public var userSolveSeconds: [Double]
  public var itemSolveSeconds: [Double]
}

/// iALS with users and items partitioned across ranks (Open MPI, or the
/// threads of a ``ThreadGroup``), exact, CG and block solvers alike.
///
/// Each half-step: (1) every rank sends the fixed side's rows that other
/// ranks' rows touch (``RowExchange``: one all-to-all, only the needed
/// rows); (2) the fixed side's Gram matrix is the all-reduced sum of each
/// rank's `ssyrk` over its own rows, in double; (3) each rank solves its own
/// rows with the single-process row solvers. So each rank holds its own
/// rows of both sides plus the rows it reads, and sends per epoch `4 k`
/// bytes times the rows other ranks read from it, plus `2 k²` doubles.
///
/// The result equals the single-process fit's up to the rounding of the
/// Gram matrix's sum over ranks (bit for bit with one rank); runs with the
/// same rank count and threads are bit-identical.
public enum DistributedIALS {
  /// Fits on this rank's ``RankData``; collective. Rank 0 returns the model
  /// (factors gathered, ids, training summary with each user's items, as
  /// ``IALSModel/fit(_:userIds:itemIds:config:onEpoch:onEpochModel:)``
  /// makes it); other ranks return nil.
  ///
  /// - Parameters:
  ///   - reportLoss: compute the loss each epoch (an extra all-reduce and
  ///     `O(nnz k)` work); `onEpoch` is called at rank 0 only.
  /// - Throws: ``CollectiveError`` (`.rankFailed` names the rank when one
  ///   rank's rows turned non-finite or its memory budget is exceeded; every
  ///   rank throws it).
  public static func fit(
    _ data: RankData, config: IALSConfig, comm: any Communicator, reportLoss: Bool = true,
    onEpoch: ((DistributedEpochReport) -> Void)? = nil
  ) throws -> IALSModel? {
    var state: FitState
    do {
      try config.validate()
      if data.pairs == 0 { throw IALSError.emptyTrainingData }
      state = try FitState(data, config: config, comm: comm)
    } catch let e as CollectiveError {
      throw e
    } catch {
      try comm.agree(error)
      preconditionFailure("agree throws when a rank failed")
    }
    try comm.agree(nil)
    let oldThreads = BLAS.threads
    defer { BLAS.setThreads(oldThreads) }
    for epoch in 1...config.epochs {
      let t0 = DispatchTime.now().uptimeNanoseconds
      state.resetCounters()
      try state.halfStep(users: true, epoch: epoch)
      let t1 = DispatchTime.now().uptimeNanoseconds
      try state.halfStep(users: false, epoch: epoch)
      let t2 = DispatchTime.now().uptimeNanoseconds
      if reportLoss {
        let loss = try state.loss()
        // Every rank's five figures in its own slots of one vector, one sum
        // (counts stay exact in double below 2^53).
        let c = state.counters
        let rows = state.itemExchange.rowsSentToOthers + state.userExchange.rowsSentToOthers
        var mine = [Double](repeating: 0, count: 5 * comm.size)
        for (j, v) in [c.communicationSeconds, Double(c.bytesSent), Double(rows), c.userSolveSeconds, c.itemSolveSeconds].enumerated() {
          mine[j * comm.size + comm.rank] = v
        }
        let all = try comm.sum(mine)
        func figure(_ j: Int) -> [Double] { Array(all[(j * comm.size)..<((j + 1) * comm.size)]) }
        if comm.isRoot {
          onEpoch?(DistributedEpochReport(
            epoch: epoch, seconds: Double(t2 - t0) / 1e9, loss: loss, userSeconds: Double(t1 - t0) / 1e9,
            itemSeconds: Double(t2 - t1) / 1e9, communicationSeconds: figure(0), bytesSent: figure(1).map { Int($0) },
            rowsSent: figure(2).map { Int($0) }, userSolveSeconds: figure(3), itemSolveSeconds: figure(4)))
        }
      }
    }
    return try state.gatherModel()
  }
}

/// A rank's factors and the structures its half-steps reuse.
struct FitState {
  let data: RankData
  let config: IALSConfig
  let comm: any Communicator
  let k: Int
  /// Own rows of each side.
  var users: Matrix
  var items: Matrix
  /// The other side's rows that own rows read.
  var itemHalo: Matrix
  var userHalo: Matrix
  let userSide: SideData
  let itemSide: SideData
  let itemExchange: RowExchange
  let userExchange: RowExchange
  let solver: RowSolver
  let itemHaloCopy = FixedSideCopy()
  let userHaloCopy = FixedSideCopy()
  /// The user Gram matrix from the last item half-step (for the loss).
  var lastUserGram: [Double] = []
  let counters = Counters()

  /// This epoch's communication seconds and bytes sent (a class, so that
  /// timing a collective does not need exclusive access to the state).
  final class Counters {
    var communicationSeconds = 0.0
    var bytesSent = 0
    var userSolveSeconds = 0.0
    var itemSolveSeconds = 0.0
  }

  init(_ data: RankData, config: IALSConfig, comm: any Communicator) throws {
    self.data = data
    self.config = config
    self.comm = comm
    k = config.factors
    let own = (data.ownUsers.count + data.ownItems.count + data.neededItems + data.neededUsers) * k * 4
    let local = (data.localPairs.byUser + data.localPairs.byItem) * 24
    try MemoryBudget.check(
      own + local + 2 * k * k * 8,
      for: "rank \(comm.rank)'s part of a distributed iALS fit with k = \(k) (\(data.ownUsers.count) users, \(data.ownItems.count) items, \(data.neededItems + data.neededUsers) rows received)")
    users = IALSModel.initialFactors(rows: data.ownUsers, k: k, config: config, stream: 0)
    items = IALSModel.initialFactors(rows: data.ownItems, k: k, config: config, stream: 1)
    itemHalo = Matrix(rows: data.neededItems, columns: k)
    userHalo = Matrix(rows: data.neededUsers, columns: k)
    userSide = SideData(rows: data.users.rows.count, offsets: data.users.offsets, indices: data.users.local,
                        weights: data.users.weights, others: data.itemCount, config: config)
    itemSide = SideData(rows: data.items.rows.count, offsets: data.items.offsets, indices: data.items.local,
                        weights: data.items.weights, others: data.userCount, config: config)
    itemExchange = try RowExchange(halo: data.users.halo, owners: data.itemPartition, comm: comm)
    userExchange = try RowExchange(halo: data.items.halo, owners: data.userPartition, comm: comm)
    solver = config.rowSolver
  }

  func resetCounters() {
    counters.communicationSeconds = 0
    counters.bytesSent = 0
    counters.userSolveSeconds = 0
    counters.itemSolveSeconds = 0
  }

  /// Runs `body`, adding its wall time to the communication seconds.
  func communicating<R>(_ body: () throws -> R) throws -> R {
    let t = DispatchTime.now().uptimeNanoseconds
    defer { counters.communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9 }
    return try body()
  }

  /// `sum over all ranks of ownᵀ own`, in double, k x k.
  func globalGram(_ own: Matrix) throws -> [Double] {
    let g = IALSModel.gram(own, threads: config.threads)
    var sum = g.storage.map { Double($0) }
    try communicating { () throws in
      try sum.withUnsafeMutableBufferPointer { (p) throws in try comm.allreduceSum(p) }
    }
    return sum
  }

  /// One half-step: users (solving own user rows against the items) or items.
  mutating func halfStep(users solveUsers: Bool, epoch: Int) throws {
    let exchange = solveUsers ? itemExchange : userExchange
    let own = solveUsers ? items : users
    var halo = solveUsers ? itemHalo : userHalo
    let sent = try communicating { () throws in try exchange.exchange(own: own, into: &halo, comm: comm) }
    counters.bytesSent += sent
    let solveStart = DispatchTime.now().uptimeNanoseconds
    var communicated = counters.communicationSeconds
    let gram = try globalGram(own)
    if !solveUsers { lastUserGram = gram }
    let g = IALSModel.scaledGram(Matrix(rows: k, columns: k, storage: gram.map { Float($0) }), config: config)
    BLAS.setThreads(1)
    let side = solveUsers ? userSide : itemSide
    var target = solveUsers ? self.users : self.items
    let copy = solveUsers ? itemHaloCopy : userHaloCopy
    let bad = withHalfStep(side, fixed: halo, gram: g, target: &target, fixedCopy: copy.refill(halo)) { step in
      step.solve(solver, threads: config.threads)
    }
    if solveUsers {
      self.users = target
      itemHalo = halo
    } else {
      self.items = target
      userHalo = halo
    }
    // Solve time: the half-step so far minus its collectives (the Gram all-reduce).
    communicated = counters.communicationSeconds - communicated
    let solved = Double(DispatchTime.now().uptimeNanoseconds - solveStart) / 1e9 - communicated
    if solveUsers { counters.userSolveSeconds += solved } else { counters.itemSolveSeconds += solved }
    let first = solveUsers ? data.ownUsers.lowerBound : data.ownItems.lowerBound
    let error = bad.map { IALSError.nonFinite(epoch: epoch, side: solveUsers ? "user" : "item", row: first + $0) }
    try communicating { () throws in try comm.agree(error) }
  }

  /// The exact loss over all ranks: `alpha0 <WᵀW, HᵀH>` from the two
  /// all-reduced Gram matrices, the observed pairs visited by their item's
  /// owner (its users' rows are in the halo, current after the item
  /// half-step), and each rank's own rows' regularisation.
  mutating func loss() throws -> Double {
    let gi = try globalGram(items)
    var unobserved = 0.0
    for j in 0..<(k * k) { unobserved += lastUserGram[j] * gi[j] }
    // The observed pairs by item: the users' rows are in the halo, current.
    let observed = IALSModel.observedTerm(rows: items, columns: userHalo, side: itemSide, threads: config.threads)
    let reg = IALSModel.regularizationTerm(users, lambda: userSide.lambda)
      + IALSModel.regularizationTerm(items, lambda: itemSide.lambda)
    let parts = [observed, reg]
    let total = try communicating { () throws in try comm.sum(parts) }
    return Double(config.unobservedWeight) * unobserved + total[0] + total[1]
  }

  /// Gathers the factors, the id names and every user's items at rank 0
  /// and builds the model there (nil on other ranks).
  func gatherModel() throws -> IALSModel? {
    let userRows = try comm.gather(users.storage)
    let itemRows = try comm.gather(items.storage)
    let userNames = try comm.gather(GlobalIds.encode(data.introducedUsers))
    let itemNames = try comm.gather(GlobalIds.encode(data.introducedItems))
    let part = data.users
    let lengths = try comm.gather((0..<part.rows.count).map { Int64(part.degree($0)) })
    let columns = try comm.gather(part.columns)
    let weights = try comm.gather(part.weights)
    guard comm.isRoot, let userRows, let itemRows, let userNames, let itemNames, let lengths, let columns, let weights else {
      return nil
    }
    let userIds = IdMap(names: GlobalIds.decode(userNames))
    let itemIds = IdMap(names: GlobalIds.decode(itemNames))
    var offsets = [0]
    offsets.reserveCapacity(lengths.count + 1)
    for n in lengths { offsets.append(offsets.last! + Int(n)) }
    let train = InteractionMatrix(
      userCount: data.userCount, itemCount: data.itemCount, userOffsets: offsets, userItems: columns, userWeights: weights)
    return IALSModel(
      config: config, userFactors: Matrix(rows: data.userCount, columns: k, storage: userRows),
      itemFactors: Matrix(rows: data.itemCount, columns: k, storage: itemRows), userIds: userIds, itemIds: itemIds,
      training: TrainingSummary(train, userIds: userIds, itemIds: itemIds))
  }
}
