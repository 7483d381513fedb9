import ArgumentParser
import Foundation
import Gramian

struct DataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "data",
    abstract: "Inspect, split and convert interaction files; make feature files.",
    subcommands: [DataStats.self, DataSplit.self, DataConvert.self, DataFeatures.self, DataExportEvents.self]
  )
}

/// Counts, sparsity, degree distribution.
struct DataStats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Print counts and degree statistics of an interaction file.")

  @Argument(help: "The interaction file.") var file: String
  @OptionGroup var reader: ReaderOptions
  @OptionGroup var common: CommonOptions

  struct Stats: Codable {
    var file: String
    var lines: Int
    var interactions: Int
    var pairs: Int
    var users: Int
    var items: Int
    var density: Double
    var duplicatesMerged: Int
    var skippedBadLines: Int
    var belowMinRating: Int
    var userDegree: Quantiles
    var itemDegree: Quantiles
    var topItemsShare: Double
  }

  struct Quantiles: Codable {
    var min: Int, median: Int, mean: Double, p90: Int, max: Int
    init(_ values: [Int]) {
      let s = values.sorted()
      func q(_ p: Double) -> Int { s.isEmpty ? 0 : s[Swift.min(s.count - 1, Int(p * Double(s.count - 1)))] }
      self.min = s.first ?? 0
      self.max = s.last ?? 0
      median = q(0.5)
      p90 = q(0.9)
      mean = s.isEmpty ? 0 : Double(s.reduce(0, +)) / Double(s.count)
    }
  }

  func run() throws {
    let (x, report) = try DatasetLoading.read(file, reader: reader)
    let m = InteractionMatrix(x, duplicates: reader.duplicates)
    let itemDeg = m.itemDegrees
    let top = itemDeg.sorted(by: >).prefix(max(1, m.itemCount / 100)).reduce(0, +)
    let stats = Stats(
      file: file, lines: report.lines, interactions: x.count, pairs: m.nnz,
      users: m.userCount, items: m.itemCount,
      density: m.userCount * m.itemCount > 0 ? Double(m.nnz) / (Double(m.userCount) * Double(m.itemCount)) : 0,
      duplicatesMerged: m.duplicatesMerged, skippedBadLines: report.skippedBadLines,
      belowMinRating: report.belowMinRating,
      userDegree: Quantiles(m.userDegrees), itemDegree: Quantiles(itemDeg),
      topItemsShare: m.nnz > 0 ? Double(top) / Double(m.nnz) : 0)
    if common.json {
      try Console.json(stats)
    } else {
      let lines = [
        "file           \(stats.file)",
        "interactions   \(stats.interactions) (\(stats.pairs) distinct pairs, \(stats.duplicatesMerged) repeats merged)",
        "users          \(stats.users)",
        "items          \(stats.items)",
        String(format: "density        %.5f%%", stats.density * 100),
        "user degree    min \(stats.userDegree.min), median \(stats.userDegree.median), mean \(String(format: "%.1f", stats.userDegree.mean)), p90 \(stats.userDegree.p90), max \(stats.userDegree.max)",
        "item degree    min \(stats.itemDegree.min), median \(stats.itemDegree.median), mean \(String(format: "%.1f", stats.itemDegree.mean)), p90 \(stats.itemDegree.p90), max \(stats.itemDegree.max)",
        String(format: "top 1%% items   %.1f%% of interactions", stats.topItemsShare * 100),
      ]
      Console.out(lines.joined(separator: "\n"))
    }
  }
}

/// Writes train/test (and fold-in) files.
struct DataSplit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "split", abstract: "Split an interaction file into train and test files (TSV: user, item, weight).")

  @Argument(help: "The interaction file.") var file: String
  @OptionGroup var reader: ReaderOptions
  @OptionGroup var split: SplitOptions
  @Option(help: "Output folder for train.tsv, test.tsv (and foldin.tsv), published in one step with a manifest.") var output: String
  @OptionGroup var common: CommonOptions

  struct Result: Codable { var summary: DatasetSummary; var files: [String] }

  func run() throws {
    var split = self.split
    if !split.holdsOut { split.split = .random }  // splitting is this command's job: random unless told
    // One folder, published in one step with a manifest: concurrent splits
    // into the same folder, or a kill halfway, cannot mix two runs' files.
    // Made first, so that an unwritable output fails before the work.
    try Paths.createParent(of: output)
    let folder = try OutputFolder(path: output)
    let loaded = try DatasetLoading.load(train: file, reader: reader, split: split, seed: common.seed)
    try InteractionWriter.writeDelimited(loaded.split.train, to: folder.stagedPath("train.tsv"))
    try InteractionWriter.writeDelimited(loaded.split.test, to: folder.stagedPath("test.tsv"))
    if let foldIn = loaded.split.foldIn {
      try InteractionWriter.writeDelimited(foldIn, to: folder.stagedPath("foldin.tsv"))
    }
    let files = try folder.commit(command: Paths.commandLine)
    Console.info("wrote \(files.joined(separator: ", "))")
    if common.json { try Console.json(Result(summary: loaded.summary, files: files)) }
  }
}

enum ConvertTarget: String, ExpressibleByArgument, CaseIterable { case tsv, csv, lists, mtx, cache }

/// Converts between formats, including Gramian's binary cache.
struct DataConvert: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert", abstract: "Convert an interaction file to TSV, CSV, lists, MatrixMarket or the binary cache.")

  @Argument(help: "The input file (any readable format, or a .gcache file).") var file: String
  @OptionGroup var reader: ReaderOptions
  @Option(help: "Output format: tsv, csv, lists, mtx or cache.") var to: ConvertTarget
  @Option(help: "Output file (written atomically).") var output: String
  @OptionGroup var common: CommonOptions

  struct Result: Codable { var input: String; var output: String; var format: String; var interactions: Int; var seconds: Double }

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    let t0 = Date()
    let x = try DatasetLoading.read(file, reader: reader).0  // text or a binary cache
    switch to {
    case .tsv: try InteractionWriter.writeDelimited(x, to: output)
    case .csv: try InteractionWriter.writeDelimited(x, to: output, delimiter: UInt8(ascii: ","), header: true)
    case .lists: try InteractionWriter.writeLists(x, to: output)
    case .mtx: try InteractionWriter.writeMatrixMarket(x, to: output)
    case .cache: try InteractionCache.write(x, to: output)
    }
    let seconds = Date().timeIntervalSince(t0)
    Console.info("wrote \(output) (\(to.rawValue), \(x.count) interactions) in \(String(format: "%.2f", seconds)) s")
    if common.json { try Console.json(Result(input: file, output: output, format: to.rawValue, interactions: x.count, seconds: seconds)) }
  }
}

enum FeatureSource: String, ExpressibleByArgument, CaseIterable {
  case ml100kItems = "ml100k-items", ml100kUsers = "ml100k-users", moviesCSV = "movies-csv"
}

/// MovieLens metadata to a two-tower feature file.
struct DataFeatures: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "features",
    abstract: "Make a feature file (id<TAB>field=value|value ...) from MovieLens metadata.",
    discussion: """
      ml100k-items: u.item -> genre, decade. ml100k-users: u.user -> age bucket, gender, \
      occupation, zip region. movies-csv: movies.csv -> genre, decade. Use the output with \
      'fit two-tower --item-features' or '--user-features'.
      """)

  @Option(help: "What the input is: \(FeatureSource.allCases.map(\.rawValue).joined(separator: ", ")).") var from: FeatureSource
  @Argument(help: "The MovieLens file (u.item, u.user or movies.csv).") var file: String
  @Option(help: "Output feature file (written atomically).") var output: String
  @OptionGroup var common: CommonOptions

  struct Result: Codable { var input: String; var output: String; var records: Int; var fields: [String: Int] }

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    let records: [FeatureRecord]
    switch from {
    case .ml100kItems: records = try MovieLensFeatures.ml100kItems(file)
    case .ml100kUsers: records = try MovieLensFeatures.ml100kUsers(file)
    case .moviesCSV: records = try MovieLensFeatures.moviesCSV(file)
    }
    try FeatureRecord.write(records, to: output)
    var fields: [String: Int] = [:]
    for r in records { for f in r.fields where !f.values.isEmpty { fields[f.name, default: 0] += 1 } }
    let counts = fields.keys.sorted().map { "\($0) \(fields[$0]!)" }.joined(separator: ", ")
    Console.info("wrote \(output): \(records.count) records (with a value: \(counts))")
    if common.json { try Console.json(Result(input: file, output: output, records: records.count, fields: fields)) }
  }
}
