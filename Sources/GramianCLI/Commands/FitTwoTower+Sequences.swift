import ArgumentParser
import Foundation
import Gramian

/// `fit two-tower --history-encoder attention`: the self-attention tower,
/// trained on each user's items in time order and evaluated by
/// leave-one-out with full ranking.
extension FitTwoTower {
  struct SequenceEpochLine: Codable {
    var epoch: Int; var seconds: Double; var cpuSeconds: Double; var loss: Double; var terms: [String: Double]
    var sequences: Int; var positions: Int; var sequencesPerSecond: Double; var positionsPerSecond: Double
    var metrics: [String: Double]?
  }
  struct SequenceOutput: Codable {
    var model = "two-tower"
    var historyEncoder = "attention"
    var `protocol` = "leave-one-out"
    var config: TwoTowerConfig
    var epochs: [SequenceEpochLine]
    var keptEpoch: Int
    var trainSeconds: Double
    var sequencesPerSecond: Double
    var positionsPerSecond: Double
    /// Test metrics: hr@10, ndcg@10, hr@20, ndcg@20.
    var metrics: [String: Double]
    var validationMetrics: [String: Double]
    var evaluatedUsers: Int
    var users: Int
    var items: Int
    var trainPositions: Int
    var output: String?
  }

  func runSequences() throws {
    if split.holdsOut {
      throw ValidationError("the attention tower is evaluated by leave-one-out (each user's last item is the test item, the one before it validation): drop --test and --split")
    }
    try Paths.checkOutputFile(output)
    let config = try towers.config(common: common)
    // The whole file is read; the leave-one-out split below makes the test
    // set, so the loader's "no test set" advice does not apply here.
    let loaded = try InteractionDataset.load(
      train, options: try reader.readOptions(), duplicates: reader.duplicates, test: nil, split: nil, seed: common.seed,
      log: { line in if !line.hasPrefix("training on the whole file") { Console.info(line) } })
    let data = SequenceData(loaded.split.train, userCount: loaded.train.userCount, itemCount: loaded.train.itemCount)
    let loo = LeaveOneOutSplit(data)
    let seq = config.sequence!
    Console.info("sequences: \(loo.userCount) users (\(loo.evaluatedUsers) evaluated), \(loo.itemCount) items, \(data.positionCount) positions; leave-one-out")
    Console.info("fitting attention tower: dim \(config.embeddingDim), \(seq.blocks) blocks, \(seq.heads) heads, window \(seq.maxLength), dropout \(seq.dropout), loss \(config.loss.rawValue), logQ \(config.logQ.rawValue), gram \(config.gramWeight), batch \(config.batchSize), \(config.epochs) epochs, \(config.optimizer.rawValue) lr \(config.learningRate), \(config.threads) threads")
    var lines: [SequenceEpochLine] = []
    var bar: ProgressBar? = nil
    var callbacks = SequenceCallbacks()
    callbacks.onProgress = { p in
      if bar == nil { bar = ProgressBar("fit attention", total: p.stepsInEpoch * config.epochs) }
      bar!.update((p.epoch - 1) * p.stepsInEpoch + p.step,
                  suffix: String(format: "loss %.4g  %.0f seq/s", p.loss, p.examplesPerSecond))
    }
    callbacks.onEpoch = { r in
      bar?.finish()
      bar = nil
      var text = String(format: "  epoch %3d  %6.2f s  loss %.5g  %.0f sequences/s  %.0f positions/s", r.epoch, r.seconds,
                        r.loss, r.sequencesPerSecond, r.positionsPerSecond)
      if let m = r.validation { text += String(format: "  valid hr@10 %.4f  ndcg@10 %.4f", m.hr10, m.ndcg10) }
      Console.info(text)
      lines.append(SequenceEpochLine(epoch: r.epoch, seconds: r.seconds, cpuSeconds: r.cpuSeconds, loss: r.loss, terms: r.terms,
                                     sequences: r.sequences, positions: r.positions, sequencesPerSecond: r.sequencesPerSecond,
                                     positionsPerSecond: r.positionsPerSecond, metrics: r.validation?.dictionary))
    }
    let options = SequenceFitOptions(evaluateEvery: evalEvery, patience: patience)
    let t0 = Date()
    var fit: SequenceFit
    do {
      fit = try TwoTowerModel.fitSequences(loo, userIds: loaded.userIds, itemIds: loaded.itemIds, config: config,
                                          options: options, callbacks: callbacks)
    } catch {
      bar?.finish()
      throw error
    }
    let trainSeconds = Date().timeIntervalSince(t0)
    bar?.finish()
    fit.model.training = TrainingSummary(loaded.train, userIds: loaded.userIds, itemIds: loaded.itemIds)
    let t = fit.test, v = fit.validation
    Console.info(String(format: "test (leave-one-out, %d users, full ranking): hr@10 %.4f  ndcg@10 %.4f  hr@20 %.4f  ndcg@20 %.4f",
                        t.users, t.hr10, t.ndcg10, t.hr20, t.ndcg20))
    Console.info(String(format: "validation: hr@10 %.4f  ndcg@10 %.4f (epoch %d kept)", v.hr10, v.ndcg10, fit.epoch))
    if let output {
      try fit.model.save(to: output)
      Console.info("saved to \(output)")
    }
    if common.json {
      let seconds = fit.epochs.reduce(0.0) { $0 + $1.seconds }
      let sequences = fit.epochs.reduce(0) { $0 + $1.sequences }, positions = fit.epochs.reduce(0) { $0 + $1.positions }
      try Console.json(SequenceOutput(
        config: config, epochs: lines, keptEpoch: fit.epoch, trainSeconds: trainSeconds,
        sequencesPerSecond: Double(sequences) / max(seconds, 1e-9), positionsPerSecond: Double(positions) / max(seconds, 1e-9),
        metrics: t.dictionary, validationMetrics: v.dictionary, evaluatedUsers: t.users, users: loo.userCount,
        items: loo.itemCount, trainPositions: data.positionCount, output: output))
    }
  }
}
