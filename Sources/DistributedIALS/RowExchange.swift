import Collectives
import LinearAlgebra

/// The rows of one side's factors that each rank sends to each other rank
/// every half-step (Spark ALS's out-blocks), learnt once before the first
/// epoch: every rank tells each owner which of its rows it needs.
///
/// A half-step then sends only those rows, with one `MPI_Alltoallv`,
/// straight into the receivers' halo matrices, never an all-gather of the
/// whole side. Bytes a rank sends per exchange: `4 k` times the rows it
/// sends to other ranks (``rowsSentToOthers``).
struct RowExchange {
  /// For each rank, the local rows (within this rank's owned range) it
  /// receives from this rank, in its halo's order.
  let sendRows: [[Int32]]
  /// Rows this rank receives from each rank, in rank order (= halo order).
  let receiveRows: [Int]

  /// Rows this rank sends to ranks other than itself per exchange.
  let rowsSentToOthers: Int

  /// `halo`: the other side's rows this rank needs, increasing; `owners`:
  /// that side's partition. Collective.
  init(halo: [Int32], owners: RowPartition, comm: any Communicator) throws {
    let p = comm.size
    var requests = [[Int32]](repeating: [], count: p)
    for g in halo { requests[owners.owner(Int(g))].append(g) }
    receiveRows = requests.map(\.count)
    let asked = try comm.exchange(requests)
    let mine = owners.range(comm.rank)
    sendRows = asked.map { rows in rows.map { Int32(Int($0) - mine.lowerBound) } }
    rowsSentToOthers = sendRows.enumerated().reduce(0) { $0 + ($1.offset == comm.rank ? 0 : $1.element.count) }
  }

  /// Sends `own`'s requested rows and fills `halo` (rows = the halo's
  /// length, columns = `own.columns`). Returns the bytes sent to other ranks.
  /// - Complexity: O(rows sent · k) copies plus the exchange.
  @discardableResult
  func exchange(own: Matrix, into halo: inout Matrix, comm: any Communicator) throws -> Int {
    let k = own.columns
    let total = sendRows.reduce(0) { $0 + $1.count }
    var buffer = [Float](repeating: 0, count: total * k)
    buffer.withUnsafeMutableBufferPointer { out in
      own.storage.withUnsafeBufferPointer { src in
        var at = 0
        for rows in sendRows {
          for r in rows {
            (out.baseAddress! + at).update(from: src.baseAddress! + Int(r) * k, count: k)
            at += k
          }
        }
      }
    }
    let sendCounts = sendRows.map { $0.count * k * 4 }
    let receiveCounts = receiveRows.map { $0 * k * 4 }
    precondition(halo.rows == receiveRows.reduce(0, +) && halo.columns == k)
    try buffer.withUnsafeBytes { (s) throws in
      try halo.storage.withUnsafeMutableBytes { (r) throws in
        try comm.allToAll(send: s, sendCounts: sendCounts, receive: r, receiveCounts: receiveCounts)
      }
    }
    return rowsSentToOthers * k * 4
  }
}
