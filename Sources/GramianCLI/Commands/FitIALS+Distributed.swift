import ArgumentParser
import Foundation
import Gramian
#if MPI
import Collectives
import DistributedIALS
import GramianMPI
#endif

extension FitIALS {
  /// What `--json` prints for a distributed fit (rank 0).
  struct DistributedOutput: Codable {
    var model = "ials"
    var distributed = true
    var ranks: Int
    var threadsPerRank: Int
    var config: IALSConfig
    var epochs: [DistributedEpochLine]
    var trainSeconds: Double
    var data: DatasetSummary
    var partition: [RankShare]
    var output: String?
  }
  struct DistributedEpochLine: Codable {
    var epoch: Int
    var seconds: Double
    var userSeconds: Double
    var itemSeconds: Double
    var loss: Double
    /// Per rank: seconds in collectives (waiting included) and factor bytes sent to other ranks.
    var communicationSeconds: [Double]
    var bytesSent: [Int]
    /// Per rank: factor rows other ranks read from it (bytes sent = 4 k x rows).
    var rowsSent: [Int]
    /// Per rank: seconds solving own user rows / own item rows (collectives excluded).
    var userSolveSeconds: [Double]
    var itemSolveSeconds: [Double]
  }
  /// What one rank holds (reported by rank 0 for all).
  struct RankShare: Codable {
    var rank: Int
    var users: Int
    var items: Int
    var pairsByUser: Int
    var pairsByItem: Int
    var rowsReceived: Int
  }

  #if MPI
  /// `mpirun -np N gramian fit ials --distributed ...`: every rank reads its
  /// part, the ranks agree on ids and partitions and fit; rank 0 reports,
  /// gathers and saves. A failure on any rank stops all of them at the next
  /// agreement point with that rank's message, printed once by rank 0, and
  /// no model file is written.
  func runDistributed() throws {
    let comm = try MPICommunicator.initialize()
    let root = comm.isRoot
    do {
      try fitDistributed(comm)
      comm.finalize()
    } catch let CollectiveError.rankFailed(rank, message) {
      comm.finalize()
      if root { Console.info("gramian: rank \(rank) of \(comm.size) failed: \(message)") }
      throw ExitCode(1)
    } catch {
      // Not agreed (a failed collective): say so and end every rank now.
      Console.info("gramian: rank \(comm.rank) of \(comm.size): \(GramianCommand.describe(error))")
      comm.abort(code: 1)
    }
  }

  private func fitDistributed(_ comm: MPICommunicator) throws {
    let root = comm.isRoot
    let config = ials.config(common: common)
    let input = DistributedInput(path: train)
    var local: Interactions?
    var report = ReadReport()
    do {
      if root { try Paths.checkOutputFile(output) }
      (local, report) = try input.read(options: try reader.readOptions(), rank: comm.rank, ranks: comm.size)
    } catch {
      try comm.agree(message: GramianCommand.describe(error))
    }
    try comm.agree(message: nil)
    let counts = try comm.sum([report.lines, report.events, report.skippedBadLines, report.belowMinRating].map(Int64.init))
    if root {
      var text = "read \(train) on \(comm.size) rank" + (comm.size == 1 ? "" : "s")
      text += ": \(counts[0]) lines, \(counts[1]) interactions kept"
      if counts[3] > 0 { text += ", \(counts[3]) below the minimum rating left out" }
      if counts[2] > 0 { text += ", warning: \(counts[2]) bad lines skipped" }
      Console.info(text)
    }
    if counts[1] == 0 {
      throw CollectiveError.rankFailed(rank: 0, message: "\(train): no interactions to train on (\(counts[0]) lines read, \(counts[3]) below the minimum rating, \(counts[2]) bad lines skipped); check --min-rating, the columns and the format")
    }
    let data = try RankData.assemble(local!, duplicates: reader.duplicates, rowCost: RankData.rowCost(for: config), comm: comm)
    local = nil
    let mine: [Int] = [comm.rank, data.ownUsers.count, data.ownItems.count, data.localPairs.byUser, data.localPairs.byItem,
                       data.neededItems + data.neededUsers]
    let gathered: [Int64]? = try comm.gather(mine.map { Int64($0) })
    let all: [Int] = (gathered ?? []).map { Int($0) }
    var shares: [RankShare] = []
    for j in stride(from: 0, to: all.count, by: 6) {
      shares.append(RankShare(rank: all[j], users: all[j + 1], items: all[j + 2], pairsByUser: all[j + 3],
                              pairsByItem: all[j + 4], rowsReceived: all[j + 5]))
    }
    if root {
      Console.info("\(data.userCount) users x \(data.itemCount) items, \(data.pairs) pairs (\(data.duplicatesMerged) duplicate events merged)")
      for s in shares {
        Console.info("  rank \(s.rank): \(s.users) users, \(s.items) items, \(s.pairsByUser) pairs by user, \(s.pairsByItem) by item, \(s.rowsReceived) rows received a half-step pair")
      }
      Console.info("fitting iALS on \(comm.size) ranks: k=\(config.factors), solver \(config.solver.rawValue), \(config.epochs) epochs, \(config.threads) threads a rank")
    }
    var lines: [DistributedEpochLine] = []
    let t0 = Date()
    let model = try DistributedIALS.fit(data, config: config, comm: comm) { r in
      lines.append(DistributedEpochLine(epoch: r.epoch, seconds: r.seconds, userSeconds: r.userSeconds, itemSeconds: r.itemSeconds,
                                        loss: r.loss, communicationSeconds: r.communicationSeconds, bytesSent: r.bytesSent,
                                        rowsSent: r.rowsSent, userSolveSeconds: r.userSolveSeconds,
                                        itemSolveSeconds: r.itemSolveSeconds))
      Console.info(String(format: "  epoch %3d  %7.3f s  loss %.6g  communication %.3f s (max over ranks)  sent %.1f MB (max over ranks)",
                          r.epoch, r.seconds, r.loss, r.communicationSeconds.max() ?? 0, Double(r.bytesSent.max() ?? 0) / 1e6))
    }
    let trainSeconds = Date().timeIntervalSince(t0)
    var saveError: String?
    if let model, let output {
      do {
        try model.save(to: output)
        Console.info("saved model to \(output)")
      } catch {
        saveError = GramianCommand.describe(error)
      }
    }
    try comm.agree(message: saveError)
    if root && common.json {
      let summary = DatasetSummary(
        file: train, lines: Int(counts[0]), events: Int(counts[1]), users: data.userCount, items: data.itemCount,
        headerDetected: report.headerDetected, skippedBadLines: Int(counts[2]), belowMinRating: Int(counts[3]),
        duplicatesMerged: data.duplicatesMerged, trainPairs: data.pairs)
      try Console.json(DistributedOutput(
        ranks: comm.size, threadsPerRank: config.threads, config: config, epochs: lines, trainSeconds: trainSeconds,
        data: summary, partition: shares, output: output))
    }
  }
  #else
  func runDistributed() throws {
    throw CommandFailure("--distributed needs a gramian built with Open MPI: install libopenmpi-dev and openmpi-bin, run 'make mpi', then 'mpirun -np N .build/release/gramian fit ials --distributed ...'")
  }
  #endif
}
