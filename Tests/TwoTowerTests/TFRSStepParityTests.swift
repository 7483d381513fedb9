import GramianTestSupport
import InteractionData
import LinearAlgebra
import XCTest
@testable import TwoTower

/// Step-by-step agreement with TensorFlow Recommenders: from the same
/// initial parameters and on the same batches, every training step's loss
/// equals the one TFRS's Retrieval task with Keras 2 Adagrad (lr 0.1)
/// reports. The problem is defined by formulas in
/// `Benchmarks/twotower/tfrs_step_fixture.py`, which printed the figures below
/// (TF 2.x, tf_keras, TFRS 0.7.7, one thread).
///
/// This pins the semantics a benchmark compares: the summed in-batch
/// softmax and its temperature, duplicate items as separate columns, the
/// Dense/ReLU layers, and Adagrad's initial accumulator, sparse rows
/// (duplicates summed first) and dense update.
final class TFRSStepParityTests: XCTestCase {
  static let users = 40, items = 30, dim = 8, batch = 16

  static let id: [Double] = [
    44.278785705566406,
    43.748138427734375,
    41.82823181152344,
    39.54429626464844,
    39.386924743652344,
    36.30524444580078,
    35.909339904785156,
    34.473289489746094,
    33.29902648925781,
    33.198795318603516,
    30.86680030822754,
    30.46126937866211,
    28.95561981201172,
    28.34978485107422,
    28.338619232177734,
    26.387744903564453,
    26.095369338989258,
    24.523014068603516,
    24.336124420166016,
    24.396888732910156,
  ]
  static let mlp: [Double] = [
    44.3490104675293,
    46.23826217651367,
    44.760986328125,
    51.48191452026367,
    45.666053771972656,
    45.368343353271484,
    43.027095794677734,
    43.93706512451172,
    42.1385498046875,
    39.02281188964844,
    40.32711410522461,
    37.75446319580078,
    38.786258697509766,
    35.416908264160156,
    34.085784912109375,
    34.91002655029297,
    33.04602813720703,
    33.906288146972656,
    32.45524597167969,
    34.34144973754883,
  ]
  static let mlpTemperature: [Double] = [
    44.38774108886719,
    54.5175895690918,
    46.413814544677734,
    47.848907470703125,
    43.163516998291016,
    43.85685729980469,
    42.23500061035156,
    40.81409454345703,
    40.47354507446289,
    35.842533111572266,
    38.68168640136719,
    40.61693572998047,
    34.89337158203125,
    36.44328689575195,
    30.755290985107422,
    26.847335815429688,
    28.484384536743164,
    28.90009880065918,
    29.021007537841797,
    24.40520668029785,
  ]

  /// The fixture's tables, layers and batches, then one Gramian step per batch.
  func gramianLosses(widths: [Int], temperature: Float, threads: Int) throws -> [Double] {
    let steps = Self.id.count
    var batchUsers: [[Int32]] = [], batchItems: [[Int32]] = []
    for s in 0..<steps {
      let e = (0..<Self.batch).map { s * Self.batch + $0 }
      let u = e.map { (7 * $0 + 3) % Self.users }
      batchUsers.append(u.map(Int32.init))
      batchItems.append(zip(u, e).map { Int32((3 * $0 + $1 % 4) % Self.items) })
    }
    // The training pairs are the distinct pairs of the batches.
    var pairs = Set<[Int32]>()
    for s in 0..<steps { for r in 0..<Self.batch { pairs.insert([batchUsers[s][r], batchItems[s][r]]) } }
    let sorted = pairs.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
    let events = Interactions(users: sorted.map { $0[0] }, items: sorted.map { $0[1] }, weights: sorted.map { _ in 1 },
                              userIds: IdMap(names: (0..<Self.users).map(String.init)),
                              itemIds: IdMap(names: (0..<Self.items).map(String.init)))
    var config = TwoTowerConfig()
    config.embeddingDim = Self.dim
    config.layers = widths
    config.temperature = temperature
    config.batchSize = Self.batch
    config.optimizer = .adagrad
    config.learningRate = 0.1
    config.threads = threads
    var trainer = TwoTowerTrainer(data: TwoTowerData(train: InteractionMatrix(events)), config: config)
    trainer.totalSteps = steps
    func table(_ rows: Int, _ f: (Double) -> Double, _ a: Double, _ b: Double, _ c: Double) -> [Float] {
      (0..<(rows * Self.dim)).map { Float(0.5 * f(a + b * Double($0 / Self.dim) + c * Double($0 % Self.dim))) }
    }
    let layout = trainer.network.layout
    trainer.network.tables[layout.userId!] = table(Self.users, sin, 1, 0.37, 1.91)
    trainer.network.tables[layout.itemId] = table(Self.items, cos, 2, 0.53, 1.27)
    for t in 0..<2 {
      var stack = t == 0 ? trainer.network.query : trainer.network.item
      for l in 0..<stack.layerCount {
        let nIn = stack.widths[l], nOut = stack.widths[l + 1]
        stack.weights[l] = (0..<(nIn * nOut)).map {
          let i = Double($0 / nOut), j = Double($0 % nOut)
          return Float(1.5 * sin(0.7 + 1.3 * i + 0.29 * j + 0.5 * Double(l) + 0.9 * Double(t)) / Double(nIn).squareRoot())
        }
        stack.biases[l] = (0..<nOut).map { Float(0.02 * cos(0.4 * Double($0) + Double(l) + Double(t))) }
      }
      if t == 0 { trainer.network.query = stack } else { trainer.network.item = stack }
    }
    // Example index of each pair (the trainer's examples are in CSR order).
    var example: [[Int32]: Int] = [:]
    for e in 0..<trainer.exampleCount {
      example[[trainer.batches.exampleUsers[e], trainer.batches.exampleItems[e]]] = e
    }
    var rng = SeededGenerator(seed: 1)
    var losses: [Double] = []
    for s in 0..<steps {
      trainer.step += 1
      let examples = (0..<Self.batch).map { example[[batchUsers[s][$0], batchItems[s][$0]]]! }
      let terms = try trainer.train(trainer.makeBatch(examples[...], rng: &rng), epoch: 1)
      losses.append(terms.reduce(0) { $0 + Double($1.value) })
    }
    return losses
  }

  // float32 on both sides, different summation orders: agreement to 2e-5
  // relative per step (the losses move by 1-15% per step).

  func testIdTowersMatchTFRSStepByStep() throws {
    for threads in [1, 2] {
      assertAllClose(try gramianLosses(widths: [], temperature: 1, threads: threads), Self.id, relative: 2e-5,
                     "threads \(threads)")
    }
  }

  func testReLUTowersMatchTFRSStepByStep() throws {
    for threads in [1, 2] {
      assertAllClose(try gramianLosses(widths: [16, 8], temperature: 1, threads: threads), Self.mlp, relative: 2e-5,
                     "threads \(threads)")
    }
  }

  func testTemperatureMatchesTFRSStepByStep() throws {
    assertAllClose(try gramianLosses(widths: [16, 8], temperature: 0.5, threads: 2), Self.mlpTemperature,
                   relative: 2e-5)
  }
}
