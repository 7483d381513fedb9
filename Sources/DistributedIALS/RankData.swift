import Collectives
import IALS
import InteractionData

/// What one rank holds of the training data after the ranks have agreed on
/// ids and partitions: its user rows with their items and its item rows
/// with their users (every pair is held twice, once by its user's owner and
/// once by its item's owner), as Spark's blocked ALS keeps its in/out blocks.
public struct RankData: Sendable {
  /// Global user and item counts.
  public let userCount: Int
  public let itemCount: Int
  /// Distinct training pairs over all ranks.
  public let pairs: Int
  /// Events merged into existing pairs over all ranks.
  public let duplicatesMerged: Int
  /// Which rank owns which user rows and item rows.
  public let userPartition: RowPartition
  public let itemPartition: RowPartition
  let users: SidePart
  let items: SidePart
  /// The ids this rank introduced (in global order), for rank 0's id maps.
  let introducedUsers: [String]
  let introducedItems: [String]

  /// This rank's user rows and item rows.
  public var ownUsers: Range<Int> { users.rows }
  public var ownItems: Range<Int> { items.rows }
  /// Other-side rows this rank receives each half-step (its in-blocks).
  public var neededItems: Int { users.halo.count }
  public var neededUsers: Int { items.halo.count }
  /// Pairs held by this rank (as user rows, and as item rows).
  public var localPairs: (byUser: Int, byItem: Int) { (users.nnz, items.nnz) }

  /// Agrees on global ids (first-seen order over the ranks' parts, rank 0
  /// first), partitions users and items by interactions, and sends each
  /// event to the owner of its user and to the owner of its item.
  ///
  /// `local` is this rank's part of the input, with ids in its own
  /// first-seen order. Collective: every rank calls it.
  /// - Complexity: O(local events + local ids) per rank, plus the exchanges.
  /// `rowCost` (see ``RowPartition``): a row's solve in interactions'
  /// worth of work; ``rowCost(for:)`` gives it for an iALS configuration.
  public static func assemble(
    _ local: Interactions, duplicates: DuplicatePolicy, rowCost: Int = 0, comm: any Communicator
  ) throws -> RankData {
    let userIds = try GlobalIds.assign(local.userIds.names, comm: comm)
    let itemIds = try GlobalIds.assign(local.itemIds.names, comm: comm)
    let gu = local.users.map { userIds.global[Int($0)] }
    let gi = local.items.map { itemIds.global[Int($0)] }
    let userPartition = try RowPartition.balanced(count: userIds.total, rows: gu, rowCost: rowCost, comm: comm)
    let itemPartition = try RowPartition.balanced(count: itemIds.total, rows: gi, rowCost: rowCost, comm: comm)
    func shuffle(by keys: [Int32], _ partition: RowPartition) throws -> ([Int32], [Int32], [Float]) {
      let p = comm.size
      var su = [[Int32]](repeating: [], count: p), si = su
      var sw = [[Float]](repeating: [], count: p)
      for e in 0..<gu.count {
        let q = partition.owner(Int(keys[e]))
        su[q].append(gu[e]); si[q].append(gi[e]); sw[q].append(local.weights[e])
      }
      // Concatenated in rank order, each rank's events in its input order:
      // the global input order.
      return (Array(try comm.exchange(su).joined()), Array(try comm.exchange(si).joined()),
              Array(try comm.exchange(sw).joined()))
    }
    let (uu, ui, uw) = try shuffle(by: gu, userPartition)
    let users = SidePart(rows: userPartition.range(comm.rank), otherCount: itemIds.total, events: uu, ui, uw, duplicates: duplicates)
    let (iu, ii, iw) = try shuffle(by: gi, itemPartition)
    let items = SidePart(rows: itemPartition.range(comm.rank), otherCount: userIds.total, events: ii, iu, iw, duplicates: duplicates)
    let totals = try comm.sum([Int64(users.nnz), Int64(users.duplicatesMerged)])
    return RankData(
      userCount: userIds.total, itemCount: itemIds.total, pairs: Int(totals[0]), duplicatesMerged: Int(totals[1]),
      userPartition: userPartition, itemPartition: itemPartition, users: users, items: items,
      introducedUsers: userIds.introduced, introducedItems: itemIds.introduced)
  }

  /// A row's solve in units of one interaction's work, for balancing: per
  /// row the CG solver costs about `steps (2 n k + 2 k²)` (its gathers of n
  /// rows are memory-bound, its k² products are not, so a row counts as k/4
  /// pairs: a rough model, not tuned), the exact one
  /// `n k² + k³/3`, the block one `n k b + k b²`.
  public static func rowCost(for config: IALSConfig) -> Int {
    switch config.solver {
    case .cg: return max(1, config.factors / 4)
    case .exact: return max(1, config.factors / 3)
    case .block: return config.effectiveBlockSize
    }
  }
}
