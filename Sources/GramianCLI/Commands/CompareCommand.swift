import ArgumentParser
import Foundation
import Gramian
import GramianReports

/// Settings shared by `gramian compare` and `gramian tune`: the models'
/// base settings and the validation grids.
struct ComparisonOptions: ParsableArguments {
  @Option(help: "Dataset name for the report (default: the training file's name).") var name: String?
  @Option(help: "Embedding dimension of every model (iALS factors and two-tower tables).") var dim = 64
  @Option(help: "Two-tower MLP widths, comma separated; the last must equal --dim.") var layers = ""
  @OptionGroup var inputs: TowerInputOptions
  @OptionGroup var training: TwoTowerTrainingOptions
  @Option(help: "iALS epochs (fit ials --epochs).") var ialsEpochs = 15
  @Option(help: "iALS solver: exact, cg or block (fit ials --solver).") var ialsSolver: ALSSolver = .exact
  @Option(help: "iALS confidence: binary, linear or log (fit ials --confidence).") var ialsConfidence: ConfidenceMode = .binary
  // Grids: the flag of the single value in `fit`, given a comma-separated list (old plural names still accepted).
  @Option(name: [.customLong("temperature"), .customLong("temperatures")],
          help: "Grid of softmax temperatures tau, comma separated.") var temperatures: String?
  @Option(name: [.customLong("prior-exponent"), .customLong("betas")],
          help: "Grid of prior exponents beta (score + beta log P(d)).") var betas: String?
  @Option(name: [.customLong("gram-weight"), .customLong("gram-weights")],
          help: "Grid of Gram weights lambda_g for softmax + Gram.") var gramWeights: String?
  @Option(name: [.customLong("mse-unobserved-weight"), .customLong("mse-alpha0s")],
          help: "Grid of MSE + Gram unobserved weights alpha0 (iALS units).") var mseAlpha0s: String?
  @Option(help: "Grid of uniform extra negatives per batch (mixed).") var mixedNegatives: String?
  @Option(name: [.customLong("unobserved-weight"), .customLong("alpha0s")],
          help: "Grid of iALS unobserved weights alpha0.") var alpha0s: String?
  @Option(name: [.customLong("reg"), .customLong("lambdas")],
          help: "Grid of iALS regularisations lambda (frequency-scaled, nu = 1).") var lambdas: String?
  @Option(help: "Fraction of each user's training pairs held out for validation.") var validationFraction = 0.1
  @Option(help: "Validation metric that chooses each grid point: recall@K or ndcg@K.") var tuneMetric = "recall@20"
  @Option(help: "Test users sampled for the learning curves (0: no curves).") var curveUsers = 2000
  @Option(help: "Grid of EASE regularisations lambda, comma separated.") var easeReg: String?
  @Option(help: "EASE's item limit (a dense items x items matrix; larger catalogues skip EASE).") var maxItems = EASEConfig().maxItems
  @Option(help: "compare: comma-separated seeds, each re-drawing the split (unless --test fixes it), the validation split and the initialisation (default: 3 seeds from --seed, 1 with --quick).")
  var seeds: String?
  @Option(help: "Bootstrap replicates of each paired interval.") var bootstrap = 2000
  @Option(help: "ials-dims: the dimensions tried in order while validation improves (default 64,128,256,512,1024; --quick 16,32).")
  var dims: String?
  @Option(help: "two-tower-dims: the dimensions tried in order with the best two-tower method's settings while validation improves (default: those of --dims).")
  var twoTowerDims: String?
  @Option(help: "ials-dims: use the block solver (iALS++) above this dimension.") var blockSolverAbove = 128
  @Option(help: "Times a grid may extend itself past each edge when its best point lies there (0: fixed grids; --quick 0).")
  var gridWidenings: Int?
  @Option(help: "compare: which seeds tune: every (each seed runs every grid on its own validation split) or first (later seeds refit the first seed's choices; the intervals then hold tuning fixed).")
  var retune: ComparisonConfig.Retune = .everySeed
  @Flag(help: "CI-sized run: one or two points per grid, 2 two-tower epochs, 3 iALS epochs.") var quick = false

  var userFeatures: String? { inputs.userFeatures }
  var itemFeatures: String? { inputs.itemFeatures }

  func config(common: CommonOptions) throws -> ComparisonConfig {
    var c = ComparisonConfig()
    c.dimension = dim
    training.apply(to: &c.twoTower)
    c.twoTower.history = inputs.history
    if !layers.isEmpty {
      c.twoTower.layers = try ListOption.parse(layers, flag: "--layers", expecting: "positive widths like 128,64") { (w: Int) in w >= 1 }
    }
    c.ials.epochs = ialsEpochs
    c.ials.solver = ialsSolver
    c.ials.confidence = ialsConfidence
    c.validationFraction = validationFraction
    c.tuneMetric = tuneMetric
    c.curveUsers = curveUsers
    c.threads = common.threadCount
    c.seed = common.seed
    if quick { c = .quick(c) }
    func floats(_ text: String?, _ flag: String) throws -> [Float]? {
      try text.map { try ListOption.parse($0, flag: flag, expecting: "numbers separated by commas") }
    }
    if let v = try floats(temperatures, "--temperature") { c.grids.temperatures = v }
    if let v = try floats(betas, "--prior-exponent") { c.grids.priorExponents = v }
    if let v = try floats(gramWeights, "--gram-weight") { c.grids.gramWeights = v }
    if let v = try floats(mseAlpha0s, "--mse-unobserved-weight") { c.grids.mseUnobservedWeights = v }
    if let v = try floats(mixedNegatives, "--mixed-negatives") {
      guard v.allSatisfy({ $0 >= 1 && $0 == $0.rounded() }) else { throw ValidationError("--mixed-negatives expects whole numbers >= 1") }
      c.grids.mixedNegatives = v.map { Int($0) }
    }
    if let v = try floats(alpha0s, "--unobserved-weight") { c.grids.ialsUnobservedWeights = v }
    if let v = try floats(lambdas, "--reg") { c.grids.ialsRegularizations = v }
    if let v = try floats(easeReg, "--ease-reg") { c.grids.easeRegularizations = v }
    guard maxItems >= 1 else { throw ValidationError("--max-items must be at least 1, got \(maxItems)") }
    c.ease.maxItems = maxItems
    c.bootstrapReplicates = bootstrap
    if let dims {
      c.ialsDimensions = try ListOption.parse(dims, flag: "--dims", expecting: "increasing dimensions like 64,128,256") { (d: Int) in d >= 1 }
      guard zip(c.ialsDimensions, c.ialsDimensions.dropFirst()).allSatisfy({ $0 < $1 }) else {
        throw ValidationError("--dims must increase, got '\(dims)'")
      }
    }
    if let list = twoTowerDims ?? dims {
      let flag = twoTowerDims == nil ? "--dims" : "--two-tower-dims"
      c.twoTowerDimensions = try ListOption.parse(list, flag: flag, expecting: "increasing dimensions like 64,128,256") { (d: Int) in d >= 1 }
      guard zip(c.twoTowerDimensions, c.twoTowerDimensions.dropFirst()).allSatisfy({ $0 < $1 }) else {
        throw ValidationError("\(flag) must increase, got '\(list)'")
      }
    }
    guard blockSolverAbove >= 1 else { throw ValidationError("--block-solver-above must be at least 1") }
    c.blockSolverAbove = blockSolverAbove
    if let gridWidenings {
      guard gridWidenings >= 0 else { throw ValidationError("--grid-widenings must be >= 0, got \(gridWidenings)") }
      c.gridWidenings = gridWidenings
    }
    if let seeds {
      c.seeds = try ListOption.parse(seeds, flag: "--seeds", expecting: "whole numbers separated by commas, e.g. 1,2,3") { (_: UInt64) in true }
    } else {
      c.seeds = quick ? [common.seed] : [common.seed, common.seed &+ 1, common.seed &+ 2]
    }
    c.retune = retune
    do { try c.validate() } catch { throw ValidationError("\(error)") }
    return c
  }

  func data(_ loaded: InteractionDataset, train path: String, reader: ReaderOptions) -> ComparisonData {
    ComparisonData(name: name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                   dataset: loaded, userFeaturesPath: userFeatures, itemFeaturesPath: itemFeatures,
                   duplicates: reader.duplicates)
  }

  /// The command line that reproduces this run, for the report.
  static var commandLine: String {
    (["gramian"] + CommandLine.arguments.dropFirst()).map { a in
      a.contains(where: { " \"'$".contains($0) }) ? "'\(a)'" : a
    }.joined(separator: " ")
  }
}

/// `compare --protocol`: how the test set is made.
enum ComparisonProtocol: String, ExpressibleByArgument, CaseIterable {
  /// A held-out set of pairs (random, by time, or a --test file): the pairwise methods.
  case holdout
  /// Each user's last item is the test item, the one before it validation: the attention tower's variants.
  case leaveOneOut = "leave-one-out"
}

/// The attention tower's shape and early stopping for `compare --protocol leave-one-out`.
struct SequenceComparisonOptions: ParsableArguments {
  @Option(help: "leave-one-out: the last N items the attention tower reads.") var maxLen = SequenceTowerConfig().maxLength
  @Option(help: "leave-one-out: self-attention blocks.") var blocks = SequenceTowerConfig().blocks
  @Option(help: "leave-one-out: attention heads (must divide --dim).") var heads = SequenceTowerConfig().heads
  @Option(help: "leave-one-out: dropout on embeddings, attention weights and feed-forward rows.") var dropout: Float = 0.5
  @Option(help: "leave-one-out: validation NDCG@10 every N epochs; the best network is kept (early stopping).") var evalEvery: Int?
  @Option(help: "leave-one-out: stop after this many evaluations without a better validation NDCG@10.") var patience = 4

  func config(_ options: ComparisonOptions, methods: String, common: CommonOptions) throws -> SequenceComparisonConfig {
    var c = SequenceComparisonConfig()
    c.methods = try SequenceMethod.parseList(methods)
    c.twoTower.embeddingDim = options.dim
    let defaults = c.twoTower
    options.training.apply(to: &c.twoTower, defaults: defaults)
    c.twoTower.sequence!.maxLength = maxLen
    c.twoTower.sequence!.blocks = blocks
    c.twoTower.sequence!.heads = heads
    c.twoTower.sequence!.dropout = dropout
    c.patience = patience
    c.ials.epochs = options.ialsEpochs
    c.ials.solver = options.ialsSolver
    c.ials.confidence = options.ialsConfidence
    c.threads = common.threadCount
    c.seed = common.seed
    c.bootstrapReplicates = options.bootstrap
    c.retune = options.retune
    if options.quick { c = .quick(c) }
    if let evalEvery { c.evaluateEvery = evalEvery }
    func floats(_ text: String?, _ flag: String) throws -> [Float]? {
      try text.map { try ListOption.parse($0, flag: flag, expecting: "numbers separated by commas") }
    }
    if let v = try floats(options.alpha0s, "--unobserved-weight") { c.ialsUnobservedWeights = v }
    if let v = try floats(options.lambdas, "--reg") { c.ialsRegularizations = v }
    if let v = try floats(options.betas, "--prior-exponent") { c.priorExponents = v }
    if let v = try floats(options.gramWeights, "--gram-weight") { c.gramWeights = v }
    if let v = try floats(options.temperatures, "--temperature") {
      guard v.count == 1 else { throw ValidationError("--protocol leave-one-out takes one --temperature (the attention tower's), got \(v.count)") }
      c.twoTower.temperature = v[0]
    }
    if let g = options.gridWidenings {
      guard g >= 0 else { throw ValidationError("--grid-widenings must be >= 0, got \(g)") }
      c.gridWidenings = g
    }
    if let seeds = options.seeds {
      c.seeds = try ListOption.parse(seeds, flag: "--seeds", expecting: "whole numbers separated by commas, e.g. 1,2,3") { (_: UInt64) in true }
    } else {
      c.seeds = options.quick ? [common.seed] : [common.seed, common.seed &+ 1, common.seed &+ 2]
    }
    do { try c.validate() } catch { throw ValidationError("\(error)") }
    return c
  }
}

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare iALS, in-batch softmax, logQ, the popularity prior and the Gram regulariser on one dataset.",
    discussion: """
      Every method's hyperparameters are chosen on a validation split carved from the training split; \
      the chosen settings are refitted on the whole training split and evaluated once on the test split. \
      Writes report.md, results.json and SVG charts to --output.
      Methods: \(ComparisonMethod.allCases.map(\.rawValue).joined(separator: ", ")).
      With --protocol leave-one-out (users' items in time order: a lists file, or timestamps), each user's last item \
      is the test item and the one before it validation; the methods are \(SequenceMethod.allCases.map(\.rawValue).joined(separator: ", ")), \
      the attention tower's epochs chosen by early stopping on validation NDCG@10.
      """)

  @Option(help: "Training interactions.") var train: String
  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions
  @Option(help: "Comma-separated methods, or all.") var methods = "all"
  @Option(help: "Report folder (created; files in it are replaced).") var output = "report"
  @Option(name: .customLong("protocol"), help: "holdout (a test set of pairs: the pairwise methods) or leave-one-out (each user's last item is the test item: the attention tower's variants, popularity and iALS; --methods from \(SequenceMethod.allCases.map(\.rawValue).joined(separator: ", "))).")
  var evaluationProtocol: ComparisonProtocol = .holdout
  @OptionGroup var options: ComparisonOptions
  @OptionGroup(title: "Leave-one-out options") var sequence: SequenceComparisonOptions
  @OptionGroup var common: CommonOptions

  func run() throws {
    // An unwritable report folder fails now, not after the comparison.
    try Paths.createParent(of: output)
    _ = try OutputFolder(path: output)
    if evaluationProtocol == .leaveOneOut { return try runLeaveOneOut() }
    var config = try options.config(common: common)
    config.methods = try ComparisonMethod.parseList(methods)
    var split = self.split
    if !split.holdsOut { split.split = .random }  // the comparison needs a test set: random unless told
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: config.runSeeds[0])
    var data = options.data(loaded, train: train, reader: reader)
    if let method = split.method {
      // Each later seed re-draws the split from the same file (read again, quietly).
      let path = train, readOptions = try reader.readOptions(), duplicates = reader.duplicates
      data.resplit = { seed in
        try InteractionDataset.load(path, options: readOptions, duplicates: duplicates, split: method, seed: seed)
      }
    }
    Console.info("comparing \(config.methods.map(\.rawValue).joined(separator: ", ")) on \(data.name)\(options.quick ? " (quick)" : "")")
    var result = try Comparison(config: config, log: { Console.info($0) }).run(data)
    result.command = ComparisonOptions.commandLine
    let files = try ComparisonReport.write(result, to: output, command: result.command)
    Console.result(MetricsTable.comparison(result), json: common.json)
    Console.info("report written to \(output.hasSuffix("/") ? output : output + "/"): \(files.joined(separator: ", "))")
    if common.json {
      struct Output: Encodable { var report: String; var files: [String]; var result: ComparisonResults }
      try Console.json(Output(report: output, files: files, result: result))
    }
  }
}

extension CompareCommand {
  /// `--protocol leave-one-out`: the attention tower's variants, popularity and iALS on users' item sequences.
  func runLeaveOneOut() throws {
    if split.holdsOut {
      throw ValidationError("--protocol leave-one-out makes its own split (each user's last item is the test item, the one before it validation): drop --test and --split")
    }
    let config = try sequence.config(options, methods: methods, common: common)
    // The whole file is read; the leave-one-out split makes the test set.
    let loaded = try InteractionDataset.load(
      train, options: try reader.readOptions(), duplicates: reader.duplicates, test: nil, split: nil, seed: common.seed,
      log: { line in if !line.hasPrefix("training on the whole file") { Console.info(line) } })
    let data = SequenceData(loaded.split.train, userCount: loaded.train.userCount, itemCount: loaded.train.itemCount)
    let loo = LeaveOneOutSplit(data)
    let name = options.name ?? URL(fileURLWithPath: train).deletingPathExtension().lastPathComponent
    Console.info("leave-one-out comparison of \(config.methods.map(\.rawValue).joined(separator: ", ")) on \(name): \(loo.userCount) users (\(loo.evaluatedUsers) evaluated), \(loo.itemCount) items\(options.quick ? " (quick)" : "")")
    var result = try SequenceComparison(config: config, log: { Console.info($0) })
      .run(loo, name: name, userIds: loaded.userIds, itemIds: loaded.itemIds)
    result.command = ComparisonOptions.commandLine
    let files = try SequenceComparisonReport.write(result, to: output, command: result.command)
    Console.result(MetricsTable.sequenceComparison(result), json: common.json)
    Console.info("report written to \(output.hasSuffix("/") ? output : output + "/"): \(files.joined(separator: ", "))")
    if common.json {
      struct Output: Encodable { var report: String; var files: [String]; var result: SequenceComparisonResults }
      try Console.json(Output(report: output, files: files, result: result))
    }
  }
}

struct TuneCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tune",
    abstract: "Grid-search one method's hyperparameters on a validation split, refit the best and test it.",
    discussion: "The same grids and protocol as `gramian compare`. Methods: \(ComparisonMethod.allCases.map(\.rawValue).joined(separator: ", ")).")

  @Option(help: "Training interactions.") var train: String
  @OptionGroup var split: SplitOptions
  @OptionGroup var reader: ReaderOptions
  @Option(help: "The method to tune.") var method: ComparisonMethod
  @Option(help: "Save the refitted model here (iALS or two-tower).") var output: String?
  @OptionGroup var options: ComparisonOptions
  @OptionGroup var common: CommonOptions

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    var config = try options.config(common: common)
    config.methods = [method]
    var split = self.split
    if !split.holdsOut { split.split = .random }  // the comparison needs a test set: random unless told
    let loaded = try DatasetLoading.load(train: train, reader: reader, split: split, seed: common.seed)
    let data = options.data(loaded, train: train, reader: reader)
    let (result, model) = try Comparison(config: config, log: { Console.info($0) }).tune(method, data: data)
    var text = "validation \(config.tuneMetric) of every grid point:\n"
    for t in result.trials {
      text += String(format: "  %@ %@  %.4f  (%.1f s)\n", t.setting == result.chosen ? "*" : " ", t.setting.description,
                     t.metrics[config.tuneMetric] ?? 0, t.fitSeconds)
    }
    text += "chosen: \(result.choice)\n"
    text += String(format: "test: recall@20 %.4f  recall@50 %.4f  ndcg@20 %.4f  ndcg@100 %.4f  (refit %.1f s)",
                   result.test["recall@20"] ?? 0, result.test["recall@50"] ?? 0, result.test["ndcg@20"] ?? 0,
                   result.test["ndcg@100"] ?? 0, result.fitSeconds)
    Console.result(text, json: common.json)
    if let output {
      try model.save(to: output)
      if method == .prior { Console.info("the model carries the chosen prior exponent \(Setting.format(result.chosen["beta"] ?? 0))") }
      Console.info("saved model to \(output)")
    }
    if common.json { try Console.json(result) }
  }
}

extension ComparisonMethod: ExpressibleByArgument {}
extension ComparisonConfig.Retune: ExpressibleByArgument {}
