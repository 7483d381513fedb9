import ArgumentParser
import Dispatch
import Foundation
import Gramian

extension HNSWIndex.Metric: ExpressibleByArgument {}

/// `gramian index build|eval`: an HNSW index over a model's item factors.
struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index", abstract: "Build and evaluate HNSW indexes for approximate top-K retrieval.",
    subcommands: [IndexBuildCommand.self, IndexEvalCommand.self])
}

/// Builds an HNSW index over the item factors of a saved model.
struct IndexBuildCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "build", abstract: "Build an HNSW index over a model's item factors (inner-product search).")

  @Option(help: "A saved model.") var model: String
  @Option(name: .customLong("M"), help: "Links per node (level 0 keeps 2M).") var m = 16
  @Option(help: "Candidate list size while building.") var efConstruction = 200
  @Option(help: "ip (inner product, as hnswlib) or augmented (Bachrach et al. 2014 norm augmentation).")
  var metric: HNSWIndex.Metric = .innerProduct
  @Option(help: "Index the model as scored with + BETA * log P(item) (then recommend with the same --prior-exponent).")
  var priorExponent: Float?
  @Option(help: "Output index file, written atomically.") var output: String
  @Flag(help: "Verify the graph invariants after building (also GRAMIAN_HNSW_CHECKS=1).") var checkInvariants = false
  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var index: String, items: Int, dimension: Int, m: Int, efConstruction: Int, metric: String
    var maxLevel: Int, threads: Int, seconds: Double
  }

  func validate() throws {
    guard m >= 2 else { throw ValidationError("--M must be at least 2, got \(m)") }
    guard efConstruction >= 1 else { throw ValidationError("--ef-construction must be at least 1") }
  }

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    var model = try ModelFile.load(self.model)
    if let priorExponent { model = try model.withPrior(exponent: priorExponent) }
    var config = HNSWIndex.Configuration(M: m, efConstruction: efConstruction, metric: metric, seed: common.seed)
    if checkInvariants { config.checkInvariants = true }
    if model.itemBias != nil { Console.info("the model scores with an item bias: it is indexed as one more coordinate ([v, b] against queries [u, 1])") }
    let start = DispatchTime.now()
    let index = try HNSWIndex(model: model, configuration: config, threads: common.threadCount)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    try index.write(to: output)
    let out = Output(index: output, items: index.count, dimension: index.dimension, m: m, efConstruction: efConstruction,
                     metric: metric.rawValue, maxLevel: index.maxLevel, threads: common.threadCount, seconds: seconds)
    if common.json { try Console.json(out) }
    Console.info(String(format: "indexed %d items (k = %d, M = %d, efConstruction = %d, %@) in %.2f s on %d threads; wrote %@",
                        index.count, index.dimension, m, efConstruction, metric.rawValue, seconds, common.threadCount, output))
  }
}

/// Recall@k of an index against exact search, and queries/s, per ef.
struct IndexEvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval", abstract: "Measure recall@k against exact search and queries/s (one thread) for each ef.")

  @Option(help: "The saved model the index was built from.") var model: String
  @Option(help: "An index from 'gramian index build'.") var index: String
  @Option(help: "The --prior-exponent the index was built with.") var priorExponent: Float?
  @Option(help: "Candidate list sizes, comma separated.") var ef = "10,20,40,80,160"
  @Option(help: "Recall cut-off.") var k = 10
  @Option(help: "Number of query users (sampled with --seed; all when larger than the user count).") var queries = 1000
  @OptionGroup var common: CommonOptions

  struct Row: Codable { var ef: Int; var recall: Double; var queriesPerSecond: Double }
  struct Output: Codable { var index: String; var k: Int; var queries: Int; var rows: [Row] }

  func efValues() throws -> [Int] {
    try ListOption.parse(ef, flag: "--ef", expecting: "positive integers like 10,20,40") { (v: Int) in v >= 1 }
  }

  func validate() throws {
    _ = try efValues()
    guard k >= 1 else { throw ValidationError("--k must be at least 1") }
    guard queries >= 1 else { throw ValidationError("--queries must be at least 1") }
  }

  func run() throws {
    BLAS.setThreads(1)
    var model = try ModelFile.load(self.model)
    if let priorExponent { model = try model.withPrior(exponent: priorExponent) }
    let index = try IndexFiles.load(self.index, for: model, modelPath: self.model)
    var g = SeededGenerator(seed: common.seed)
    var users = Array(0..<model.userCount)
    if queries < users.count {
      users.shuffle(using: &g)
      users = Array(users.prefix(queries)).sorted()
    }
    let queryUsers = users.map { Int32($0) }
    let exact = model.recommend(users: queryUsers, k: k, threads: common.threadCount).map { Set($0.map(\.item)) }
    var rows: [Row] = []
    for e in try efValues() {
      let start = DispatchTime.now()
      let found = model.recommend(users: queryUsers, k: k, index: index, ef: e, threads: 1)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
      let recall = zip(found, exact).reduce(0.0) { $0 + Double(Set($1.0.map(\.item)).intersection($1.1).count) / Double(max(1, min(k, $1.1.count))) }
      rows.append(Row(ef: e, recall: recall / Double(users.count), queriesPerSecond: Double(users.count) / max(seconds, 1e-9)))
    }
    if common.json {
      try Console.json(Output(index: self.index, k: k, queries: users.count, rows: rows))
    } else {
      Console.out("ef".leftPad(6) + "  " + "recall@\(k)".leftPad(10) + "  " + "queries/s".leftPad(10))
      for r in rows {
        Console.out(String(r.ef).leftPad(6) + "  " + String(format: "%.4f", r.recall).leftPad(10) + "  " + String(format: "%.0f", r.queriesPerSecond).leftPad(10))
      }
    }
  }
}

/// Loading an index and checking it belongs to a model.
enum IndexFiles {
  /// Loads the index at `path` for `model`: an index of another shape is
  /// an error; one built from another model's vectors is an error unless
  /// `force` (then a warning), since its neighbours are the other model's.
  static func load(_ path: String, for model: any Recommender, modelPath: String, priorExponent: Float? = nil,
                   force: Bool = false) throws -> HNSWIndex {
    let index = try HNSWIndex(contentsOf: path)
    let prior = priorExponent.map { " --prior-exponent \($0)" } ?? ""
    let rebuild = "rebuild it with 'gramian index build --model \(modelPath)\(prior)'"
    switch model.indexCheck(index) {
    case .fits: break
    case .wrongShape(let why):
      throw CommandFailure("\(path) does not belong to \(modelPath)\(prior.isEmpty ? "" : " with\(prior)"): \(why); \(rebuild)")
    case .otherModel(let why) where force:
      Console.info("warning: \(path) does not belong to \(modelPath): \(why); using it anyway (--force)")
    case .otherModel(let why):
      throw CommandFailure("\(path) does not belong to \(modelPath)\(prior.isEmpty ? "" : " with\(prior)"): \(why); \(rebuild), or pass --force to use it anyway")
    }
    return index
  }
}
