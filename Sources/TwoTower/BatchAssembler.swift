import InteractionData
import LinearAlgebra

#if canImport(Glibc)
import Glibc
#endif

/// Turns training examples into tower inputs: query and item bags, the
/// extra uniform negatives, logQ and the per-example Gram and L2 weights.
///
/// A class so that ``TwoTowerModel/fit(_:userIds:itemIds:config:callbacks:)``
/// can assemble batch t+1 on another thread while batch t trains; calls
/// are never concurrent with each other (the streaming estimator is its
/// only mutable state, and batches are made in step order), so the result
/// is the same as making them one after the other.
final class BatchAssembler: @unchecked Sendable {
  let config: TwoTowerConfig
  let data: TwoTowerData
  let layout: TableLayout
  /// Example e is the pair (exampleUsers[e], exampleItems[e]).
  let exampleUsers: [Int32]
  let exampleItems: [Int32]
  let userDegree: [Int]
  let itemDegree: [Int]
  /// `log(count_j / N)` (exact logQ).
  let logFrequency: [Float]
  /// The last `config.history` items of each user.
  let recent: [[Int32]]
  /// Yi et al.'s estimator (streaming logQ only), updated by every batch.
  let streaming: SendableBox<StreamingFrequencyEstimator>?

  init(data: TwoTowerData, layout: TableLayout, config: TwoTowerConfig) {
    self.config = config
    self.data = data
    self.layout = layout
    let train = data.train
    streaming = config.logQ == .streaming
      ? SendableBox(StreamingFrequencyEstimator(buckets: config.streamingBuckets, rate: config.streamingRate)) : nil
    var users: [Int32] = []
    users.reserveCapacity(train.nnz)
    for u in 0..<train.userCount {
      users.append(contentsOf: repeatElement(Int32(u), count: train.userOffsets[u + 1] - train.userOffsets[u]))
    }
    exampleUsers = users
    exampleItems = train.userItems
    userDegree = train.userDegrees
    itemDegree = train.itemDegrees
    let n = Float(max(1, train.nnz))
    logFrequency = itemDegree.map { logf(max(Float($0), 0.5) / n) }
    if config.history > 0 {
      let lists = data.histories ?? (0..<train.userCount).map { Array(train.items(ofUser: $0)) }
      recent = lists.map { Array($0.suffix(config.history)) }
    } else {
      recent = []
    }
  }

  /// Appends user u's query inputs (id, features, history without `positive`).
  func addQuery(_ u: Int32, positive: Int32, to bags: inout EmbeddingBags<Float>) {
    if let t = layout.userId { bags.add(table: t, row: u, weight: 1) }
    if let t = layout.userFeatures, let f = data.userFeatures {
      let (vals, ws) = f.bag(Int(u))
      for (v, w) in zip(vals, ws) { bags.add(table: t, row: v, weight: w) }
    }
    if let t = layout.history {
      let h = recent[Int(u)]
      let kept = h.reduce(0) { $0 + ($1 == positive ? 0 : 1) }
      if kept > 0 {
        let w = 1 / Float(kept)
        for item in h where item != positive { bags.add(table: t, row: item, weight: w) }
      }
    }
    bags.close()
  }

  /// Appends item i's inputs (id, features).
  func addItem(_ i: Int32, to bags: inout EmbeddingBags<Float>) {
    bags.add(table: layout.itemId, row: i, weight: 1)
    if let t = layout.itemFeatures, let f = data.itemFeatures {
      let (vals, ws) = f.bag(Int(i))
      for (v, w) in zip(vals, ws) { bags.add(table: t, row: v, weight: w) }
    }
    bags.close()
  }

  /// The batch of examples `order[range]`, with `mixedNegatives` uniform items.
  ///
  /// `step` is the training step the batch is for (the streaming estimator's clock).
  func makeBatch(_ examples: ArraySlice<Int>, step: Int, rng: inout SeededGenerator) -> TowerBatch<Float> {
    var batch = TowerBatch<Float>()
    batch.reserve(examples: examples.count, candidates: examples.count + config.mixedNegatives)
    let n = Float(exampleUsers.count)
    let users = Float(data.train.userCount), items = Float(data.train.itemCount)
    let gramWeights = config.gramWeight > 0, l2Weights = config.l2 > 0
    for e in examples {
      let u = exampleUsers[e], i = exampleItems[e]
      addQuery(u, positive: i, to: &batch.queries)
      addItem(i, to: &batch.candidates)
      batch.candidateItems.append(i)
      guard gramWeights || l2Weights else { continue }
      let du = Float(max(1, userDegree[Int(u)])), di = Float(max(1, itemDegree[Int(i)]))
      if gramWeights {
        batch.userGramWeights.append(n / (users * du))
        batch.itemGramWeights.append(n / (items * di))
      }
      if l2Weights {
        batch.userL2Weights.append(1 / du)
        batch.itemL2Weights.append(1 / di)
      }
    }
    for _ in 0..<config.mixedNegatives {
      let j = Int32(rng.next() % UInt64(data.train.itemCount))
      addItem(j, to: &batch.candidates)
      batch.candidateItems.append(j)
    }
    switch config.logQ {
    case .none: break
    case .exact: batch.logQ = batch.candidateItems.map { logFrequency[Int($0)] }
    case .streaming:
      streaming!.value.observe(batch.candidateItems.prefix(examples.count), step: step)
      batch.logQ = batch.candidateItems.map { logf(max(streaming!.value.probability($0), 1e-12)) }
    }
    return batch
  }
}
