import ArgumentParser
import Foundation
import Gramian

enum RecommendFormat: String, ExpressibleByArgument, CaseIterable { case tsv, jsonl }

/// Top-K recommendations for one user, a list of users, or everyone.
struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend", abstract: "Recommend the top K items for users of a fitted model.")

  @Option(help: "A saved model.") var model: String
  @Option(help: "One user id.") var user: String?
  @Option(help: "A file with one user id a line.") var usersFile: String?
  @Flag(help: "Recommend for every user of the model.") var all = false
  @Option(help: "Number of items per user.") var k = 10
  @Option(help: "Interactions whose items are excluded from each user's list (usually the training file).")
  var excludeSeen: String?
  @Option(help: "An HNSW index of the model's items ('gramian index build'): approximate search instead of exact.")
  var index: String?
  @Option(help: "With --index: candidate list size (larger is slower and more accurate).") var ef = 64
  @Option(help: "Exact search only: add BETA * log P(item) to every score, P the item's training frequency in --popularity (default: the --exclude-seen file; see PopularityPrior).")
  var priorExponent: Float?
  @Option(help: "Interactions that define P(item) for --prior-exponent (default: the --exclude-seen file).")
  var popularity: String?
  @OptionGroup var reader: ReaderOptions
  @Option(help: "Output file (default: stdout), written atomically.") var output: String?
  @Option(help: "tsv (user, rank, item, score) or jsonl (one object per user).") var outputFormat: RecommendFormat = .tsv
  @OptionGroup var common: CommonOptions

  func validate() throws {
    let chosen = [user != nil, usersFile != nil, all].filter { $0 }.count
    guard chosen == 1 else { throw ValidationError("give exactly one of --user, --users-file or --all") }
    guard k >= 1 else { throw ValidationError("--k must be at least 1") }
    guard ef >= 1 else { throw ValidationError("--ef must be at least 1") }
    if priorExponent != nil {
      guard index == nil else { throw ValidationError("--prior-exponent needs exact search: leave out --index") }
      guard popularity != nil || excludeSeen != nil else {
        throw ValidationError("--prior-exponent needs --popularity FILE or --exclude-seen FILE to estimate P(item)")
      }
    }
  }

  /// The top K of each user: HNSW with --index, exact with a popularity
  /// prior with --prior-exponent, else the evaluator's exact top-K.
  func rank(_ m: any ServableModel, users: [Int32], seen: InteractionMatrix?, bar: ProgressBar) throws -> [[(item: Int32, score: Float)]] {
    let progress: @Sendable (Int, Int) -> Void = { done, _ in bar.update(done) }
    if let index {
      let graph = try IndexFiles.load(index, for: m)
      var filter: (@Sendable (Int, Int32) -> Bool)? = nil
      if let seen {
        filter = { user, item in user < seen.userCount && seen.contains(user: user, item: item) }
      }
      return graph.search(queries: m.userFactors, rows: users.map { Int($0) }, k: k, ef: ef, threads: common.threadCount, excluding: filter)
    }
    if let priorExponent {
      var counts = seen?.itemDegrees ?? []
      if let popularity {
        // Items unknown to the model are appended after its items and left out.
        let (x, report) = try InteractionReader.read(popularity, options: try reader.readOptions(), userIds: IdMap(), itemIds: m.itemIds, addNewIds: true)
        DatasetLoading.logReport(popularity, report)
        counts = Array(InteractionMatrix(x).itemDegrees.prefix(m.itemFactors.rows))
      }
      counts += [Int](repeating: 0, count: max(0, m.itemFactors.rows - counts.count))
      let bias = PopularityPrior.bias(itemCounts: counts, beta: priorExponent)
      return ExactTopK(itemFactors: m.itemFactors, itemBias: bias)
        .search(queries: m.userFactors, users: users, k: k, seen: seen, threads: common.threadCount, progress: progress)
    }
    return Recommendations.topK(m, users: users, k: k, exclude: seen, threads: common.threadCount, progress: progress)
  }

  func run() throws {
    BLAS.setThreads(1)
    let m = try ModelFile.load(model)
    var seen: InteractionMatrix? = nil
    if let excludeSeen {
      let (x, report) = try InteractionReader.read(excludeSeen, options: try reader.readOptions(), userIds: m.userIds, itemIds: m.itemIds, addNewIds: false)
      DatasetLoading.logReport(excludeSeen, report)
      seen = InteractionMatrix(x)
    }
    var users: [Int32] = []
    if let user {
      guard let u = m.userIds.index(of: user) else { throw ValidationError("user '\(user)' is not in the model") }
      users = [u]
    } else if let usersFile {
      for id in try FactorFiles.readIds(usersFile) {
        guard let u = m.userIds.index(of: id) else { throw ValidationError("user '\(id)' from \(usersFile) is not in the model") }
        users.append(u)
      }
    } else {
      users = (0..<Int32(m.userIds.count)).map { $0 }
    }
    let bar = ProgressBar("recommend", total: users.count)
    let lists = try rank(m, users: users, seen: seen, bar: bar)
    bar.finish()
    var text = ""
    for (row, u) in users.enumerated() {
      let uid = m.userIds.name(of: u)
      switch outputFormat {
      case .tsv:
        for (rank, (item, score)) in lists[row].enumerated() {
          text += "\(uid)\t\(rank + 1)\t\(m.itemIds.name(of: item))\t\(score)\n"
        }
      case .jsonl:
        let items = lists[row].map { "{\"item\":\(jsonString(m.itemIds.name(of: $0.0))),\"score\":\($0.1)}" }
        text += "{\"user\":\(jsonString(uid)),\"items\":[\(items.joined(separator: ","))]}\n"
      }
    }
    if let output {
      try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
      Console.info("wrote \(users.count) users' top \(k) to \(output)")
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }
}

func jsonString(_ s: String) -> String {
  let data = try! JSONEncoder().encode(s)
  return String(decoding: data, as: UTF8.self)
}

enum UnknownPolicy: String, ExpressibleByArgument, CaseIterable { case error, skip, nan }

/// Scores of given (user, item) pairs.
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score", abstract: "Score user-item pairs: reads 'user<TAB>item' lines, writes 'user<TAB>item<TAB>score'.")

  @Option(help: "A saved model.") var model: String
  @Option(help: "Pairs file: user<TAB>item a line.") var pairs: String
  @Option(help: "Unknown user or item: error, skip (leave the line out, counted) or nan.") var unknown: UnknownPolicy = .error
  @Option(help: "Output file (default: stdout), written atomically.") var output: String?
  @OptionGroup var common: CommonOptions

  func run() throws {
    let m = try ModelFile.load(model)
    guard let text = try? String(contentsOfFile: pairs, encoding: .utf8) else {
      throw DataError(.unreadable, file: pairs, "cannot read the pairs file as UTF-8 text", hint: "check the path")
    }
    var out = ""
    var skipped = 0
    for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count >= 2 else {
        throw DataError(.malformedLine, file: pairs, line: n + 1, "expected 'user<TAB>item', found \(f.count) field", hint: "separate the two ids with a tab")
      }
      let us = String(f[0]), its = String(f[1])
      let u = m.userIds.index(of: us), i = m.itemIds.index(of: its)
      if u == nil || i == nil {
        switch unknown {
        case .error:
          let which = u == nil ? "user '\(us)'" : "item '\(its)'"
          throw DataError(.badFormat, file: pairs, line: n + 1, column: u == nil ? 1 : 2, "\(which) is not in the model", hint: "pass --unknown skip or --unknown nan")
        case .skip: skipped += 1; continue
        case .nan: out += "\(us)\t\(its)\tnan\n"; continue
        }
      }
      out += "\(us)\t\(its)\t\(m.score(user: Int(u!), item: Int(i!)))\n"
    }
    if skipped > 0 { Console.info("skipped \(skipped) pairs with unknown ids (--unknown skip)") }
    if let output {
      try Data(out.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } else {
      FileHandle.standardOutput.write(Data(out.utf8))
    }
  }
}

/// Items most similar to an item (cosine of item factors).
struct SimilarCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "similar", abstract: "List the items most similar to an item (cosine of item factors).")

  @Option(help: "A saved model.") var model: String
  @Option(help: "The item id.") var item: String
  @Option(help: "Number of items.") var k = 10
  @OptionGroup var common: CommonOptions

  struct Row: Codable { var item: String; var score: Float }
  struct Output: Codable { var item: String; var similar: [Row] }

  func run() throws {
    let m = try ModelFile.load(model)
    guard let i = m.itemIds.index(of: item) else { throw ValidationError("item '\(item)' is not in the model") }
    let rows = m.similarItems(to: Int(i), k: k).map { Row(item: m.itemIds.name(of: $0.item), score: $0.score) }
    if common.json {
      try Console.json(Output(item: item, similar: rows))
    } else {
      for r in rows { Console.out("\(r.item)\t\(r.score)") }
    }
  }
}

/// Factor export for numpy and peers.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export factors as user_factors.npy, item_factors.npy, user_ids.txt and item_ids.txt.")

  @Option(help: "A saved model.") var model: String
  @Option(help: "Output folder.") var npy: String
  @OptionGroup var common: CommonOptions

  func run() throws {
    let m = try ModelFile.load(model)
    do {
      try FileManager.default.createDirectory(atPath: npy, withIntermediateDirectories: true)
      try m.export(toDirectory: npy)
    } catch let error as DataError {
      throw error
    } catch {
      throw DataError(.unwritable, file: npy, "cannot write the export folder (\(error.localizedDescription))",
                      hint: "choose a writable folder")
    }
    Console.info("exported \(m.userFactors.rows) users and \(m.itemFactors.rows) items (k = \(m.itemFactors.columns)) to \(npy)")
  }
}
