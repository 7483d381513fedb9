import ArgumentParser
import Foundation
import Gramian

enum RecommendFormat: String, ExpressibleByArgument, CaseIterable { case tsv, jsonl }

/// What to do with a user (or item) the model does not know.
enum UnknownPolicy: String, ExpressibleByArgument, CaseIterable {
  /// Stop with an error naming the id and where it came from.
  case error
  /// Leave it out, counted on stderr.
  case skip
  /// Score it as the model's average user (the mean user vector), which
  /// ranks the popular items first; an unknown item scores NaN.
  case popular
  /// Score NaN (score only).
  case nan
}

/// One recommendation list, as printed.
struct RecommendationList: Codable {
  struct Entry: Codable { var item: String; var score: Float }
  var user: String
  var items: [Entry]
  /// "model" (a user of the model), "history" (folded in), "popular" (an unknown user, --unknown popular).
  var source: String
}

/// Top-K recommendations for one user, a list of users, everyone, or new
/// users folded in from their histories.
struct RecommendCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recommend", abstract: "Recommend the top K items for users of a fitted model, or for new users from their histories.")

  @Option(help: "A saved model.") var model: String
  @Option(help: "One user id.") var user: String?
  @Option(help: "A file with one user id a line.") var usersFile: String?
  @Flag(help: "Recommend for every user of the model.") var all = false
  @Option(help: ArgumentHelp("New users, one a line: 'id item item ...' (whitespace or tab separated); each is folded in (iALS: the exact least-squares solve) and its items excluded.", valueName: "file"))
  var history: String?
  @Option(help: "Number of items per user.") var k = 10
  @Option(help: "Interactions whose items are excluded from each user's list (usually the training file).")
  var excludeSeen: String?
  @Option(help: "Users (or history items) the model does not know: error, skip, or popular (the model's average user).")
  var unknown: UnknownPolicy = .error
  @Option(help: "An HNSW index of the model's items ('gramian index build'): approximate search instead of exact.")
  var index: String?
  @Option(help: "With --index: candidate list size (larger is slower and more accurate).") var ef = 64
  @Flag(help: "With --index: use an index built from another model's vectors (of the same shape) anyway, with a warning.")
  var force = false
  @Option(help: "Add BETA * log P(item) to every score, P the item's training frequency in the model (the popularity prior P(d)^BETA).")
  var priorExponent: Float?
  @OptionGroup var reader: ReaderOptions
  @Option(help: "Output file (default: stdout), written atomically.") var output: String?
  @Option(help: "tsv (user, rank, item, score) or jsonl (one object per user); --json prints one object instead.") var outputFormat: RecommendFormat = .tsv
  @OptionGroup var common: CommonOptions

  struct Output: Codable {
    var model: String
    var kind: String
    var k: Int
    var lists: [RecommendationList]
    var skippedUsers: Int
    var seconds: Double
  }

  func validate() throws {
    let chosen = [user != nil, usersFile != nil, all, history != nil].filter { $0 }.count
    guard chosen == 1 else { throw ValidationError("give exactly one of --user, --users-file, --all or --history") }
    guard k >= 1 else { throw ValidationError("--k must be at least 1") }
    guard ef >= 1 else { throw ValidationError("--ef must be at least 1") }
    guard unknown != .nan else { throw ValidationError("--unknown nan applies to 'gramian score'; recommend takes error, skip or popular") }
    if let beta = priorExponent, !beta.isFinite { throw ValidationError("--prior-exponent must be finite") }
  }

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    BLAS.setThreads(1)
    let t0 = Date()
    var m = try ModelFile.load(model)
    if let priorExponent { m = try m.withPrior(exponent: priorExponent) }
    let graph = try index.map { path -> HNSWIndex in
      try IndexFiles.load(path, for: m, modelPath: model, priorExponent: priorExponent, force: force)
    }
    let seen = try excludeSeen.map { try DatasetLoading.read($0, reader: reader, against: m) }
    var lists: [RecommendationList] = []
    var skipped = 0
    if let history {
      lists = try recommendHistories(m, path: history, graph: graph, skipped: &skipped)
    } else {
      // Requested ids in input order: a model index, or nil (--unknown popular).
      let requested = try resolveUsers(m, skipped: &skipped)
      let users = requested.compactMap(\.index)
      let bar = ProgressBar("recommend", total: users.count)
      let progress: @Sendable (Int, Int) -> Void = { done, _ in bar.update(done) }
      let top: [[(item: Int32, score: Float)]]
      if let graph {
        top = m.recommend(users: users, k: k, excluding: seen, index: graph, ef: ef, threads: common.threadCount)
      } else {
        top = Recommendations.topK(m, users: users, k: k, exclude: seen, threads: common.threadCount, progress: progress)
      }
      bar.finish()
      var popular: [RecommendationList.Entry]? = nil
      var next = 0
      for r in requested {
        if r.index != nil {
          lists.append(RecommendationList(user: r.name, items: entries(m, top[next]), source: "model"))
          next += 1
        } else {
          // --unknown popular: the model's average user, nothing seen.
          if popular == nil { popular = entries(m, try rank(m, vector: m.meanUserVector, seen: [], graph: graph)) }
          lists.append(RecommendationList(user: r.name, items: popular!, source: "popular"))
        }
      }
    }
    if skipped > 0 { Console.info("skipped \(skipped) unknown users (--unknown skip)") }
    let seconds = Date().timeIntervalSince(t0)
    if common.json {
      try Console.json(Output(model: model, kind: m.kind, k: k, lists: lists, skippedUsers: skipped, seconds: seconds))
      return
    }
    var text = ""
    for list in lists {
      switch outputFormat {
      case .tsv:
        for (rank, e) in list.items.enumerated() { text += "\(list.user)\t\(rank + 1)\t\(e.item)\t\(e.score)\n" }
      case .jsonl:
        let encoder = Console.jsonEncoder()
        encoder.outputFormatting = [.sortedKeys]
        text += String(decoding: try encoder.encode(list), as: UTF8.self) + "\n"
      }
    }
    if let output {
      try AtomicText.write(text, to: output)
      Console.info("wrote \(lists.count) users' top \(k) to \(output)")
    } else {
      FileHandle.standardOutput.write(Data(text.utf8))
    }
  }

  /// The requested users in input order with their index in the model
  /// (nil for an unknown id kept by --unknown popular).
  func resolveUsers(_ m: any Recommender, skipped: inout Int) throws -> [(name: String, index: Int32?)] {
    if all { return (0..<Int32(m.userCount)).map { (m.userIds.name(of: $0), $0) } }
    let ids: [(String, String)]  // (id, where it came from)
    if let user {
      ids = [(user, "--user")]
    } else {
      ids = try TextFile.lines(usersFile!, what: "users file").map { ($0.text.trimmingCharacters(in: .whitespaces), "\(usersFile!):\($0.line)") }
    }
    var out: [(name: String, index: Int32?)] = []
    for (id, origin) in ids {
      if let u = m.userIds.index(of: id) { out.append((id, u)); continue }
      switch unknown {
      case .error, .nan:
        throw CommandFailure("\(origin): user '\(id)' is not in the model; pass --unknown skip to leave such users out or --unknown popular to give them the average user's list")
      case .skip: skipped += 1
      case .popular: out.append((id, nil))
      }
    }
    return out
  }

  /// Folds in each line of the history file and ranks its items.
  func recommendHistories(_ m: any Recommender, path: String, graph: HNSWIndex?, skipped: inout Int) throws -> [RecommendationList] {
    var lists: [RecommendationList] = []
    var unknownItems = 0
    for line in try TextFile.lines(path, what: "history file") {
      let fields = FieldSplitter.fields(of: line.text, delimiter: .auto)
      guard let id = fields.first else { continue }
      var items: [Int32] = []
      for (column, name) in fields.dropFirst().enumerated() {
        if let i = m.itemIds.index(of: name) { items.append(i); continue }
        if unknown == .error {
          throw DataError(.badFormat, file: path, line: line.line, column: column + 2,
                          "item '\(name)' is not in the model", hint: "pass --unknown skip to leave unknown items out")
        }
        unknownItems += 1
      }
      let vector = try m.foldIn(history: items, weights: nil)
      let row = try rank(m, vector: vector, seen: items, graph: graph)
      lists.append(RecommendationList(user: id, items: entries(m, row), source: "history"))
    }
    if unknownItems > 0 { Console.info("left out \(unknownItems) history items the model does not know") }
    return lists
  }

  func rank(_ m: any Recommender, vector: [Float], seen: [Int32], graph: HNSWIndex?) throws -> [(item: Int32, score: Float)] {
    if let graph { return try m.recommend(vector: vector, k: k, excluding: seen, index: graph, ef: ef) }
    return try m.recommend(vector: vector, k: k, excluding: seen)
  }

  func entries(_ m: any Recommender, _ row: [(item: Int32, score: Float)]) -> [RecommendationList.Entry] {
    row.map { .init(item: m.itemIds.name(of: $0.item), score: $0.score) }
  }
}

/// Scores of given (user, item) pairs.
struct ScoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "score",
    abstract: "Score user-item pairs with a fitted model.",
    discussion: """
      Reads pairs with the same reader as every interaction file (CSV, TSV or whitespace, \
      header detected, RFC 4180 quoting; --user-col and --item-col choose the columns) and writes \
      'user<TAB>item<TAB>score' lines in input order, or one JSON object with --json.
      """)

  @Option(help: "A saved model.") var model: String
  @Option(help: "Pairs file: a user id and an item id a line (more columns are ignored).") var pairs: String
  @Option(help: "Pairs with an unknown user or item: error, skip (left out, counted), nan, or popular (an unknown user scored as the model's average user; unknown items NaN).")
  var unknown: UnknownPolicy = .error
  @Option(help: "Add BETA * log P(item) to every score (the popularity prior P(d)^BETA).") var priorExponent: Float?
  @OptionGroup var layout: LayoutOptions
  @Option(help: "Output file (default: stdout), written atomically.") var output: String?
  @OptionGroup var common: CommonOptions

  struct Pair: Codable { var user: String; var item: String; var score: Float? }
  struct Output: Codable {
    var model: String
    var kind: String
    var pairs: Int
    var skipped: Int
    var unknown: Int
    var seconds: Double
    var pairsPerSecond: Double
    var scores: [Pair]
  }

  func run() throws {
    // An unwritable output fails now, not after the work.
    try Paths.checkOutputFile(output)
    let t0 = Date()
    var m = try ModelFile.load(model)
    if let priorExponent { m = try m.withPrior(exponent: priorExponent) }
    let tLoad = Date()
    let options = try layout.readOptions()
    // Read against the model's ids; ids it does not know get indices past its own.
    let (x, report) = try InteractionReader.read(pairs, options: options, userIds: m.userIds, itemIds: m.itemIds, addNewIds: true)
    let tRead = Date()
    report.describe(pairs).forEach(Console.info)
    var keptUsers: [Int32], keptItems: [Int32], scores: [Float]
    var skipped = 0, unknownCount = 0
    if x.users.allSatisfy({ Int($0) < m.userCount }) && x.items.allSatisfy({ Int($0) < m.itemCount }) {
      // Every id is in the model (the usual case): the pairs are scored as read.
      (keptUsers, keptItems) = (x.users, x.items)
      scores = m.score(users: keptUsers, items: keptItems, threads: common.threadCount)
    } else {
      (keptUsers, keptItems, scores, skipped, unknownCount) = try scoreWithUnknowns(m, x)
    }
    if skipped > 0 { Console.info("skipped \(skipped) pairs with unknown ids (--unknown skip)") }
    let tScore = Date()
    if common.json {
      let seconds = Date().timeIntervalSince(t0)
      let rate = Double(x.count) / max(seconds, 1e-9)
      Console.info(String(format: "scored %d pairs in %.3f s (%.0f pairs/s)", keptUsers.count, seconds, rate))
      let out = (0..<keptUsers.count).map { j in
        Pair(user: x.userIds.name(of: keptUsers[j]), item: x.itemIds.name(of: keptItems[j]),
             score: scores[j].isNaN ? nil : scores[j])
      }
      try Console.json(Output(model: model, kind: m.kind, pairs: out.count, skipped: skipped, unknown: unknownCount,
                              seconds: seconds, pairsPerSecond: rate, scores: out))
      return
    }
    // The lines are written as they are formatted, a few MB at a time.
    let write = { (sink: (UnsafeRawBufferPointer) throws -> Void) throws in
      try PairScores.writeTSV(users: keptUsers, items: keptItems, scores: scores, userIds: x.userIds,
                              itemIds: x.itemIds, threads: common.threadCount, to: sink)
    }
    if let output {
      try AtomicFile.write(to: output) { append in try write(append) }
    } else {
      try write { FileHandle.standardOutput.write(Data($0)) }
    }
    let tEnd = Date()
    let seconds = tEnd.timeIntervalSince(t0)
    Console.info(String(format: "scored %d pairs in %.3f s (%.0f pairs/s, read to written): model %.3f s, read %.3f s, score %.3f s, write %.3f s",
                        keptUsers.count, seconds, Double(x.count) / max(seconds, 1e-9), tLoad.timeIntervalSince(t0),
                        tRead.timeIntervalSince(tLoad), tScore.timeIntervalSince(tRead), tEnd.timeIntervalSince(tScore)))
  }

  /// The pairs written when some id is not in the model (unknown ids follow
  /// --unknown): the kept pairs in order, their scores, the skipped and
  /// unknown counts.
  private func scoreWithUnknowns(_ m: any Recommender, _ x: Interactions) throws
    -> (users: [Int32], items: [Int32], scores: [Float], skipped: Int, unknown: Int)
  {
    var skipped = 0, unknownCount = 0
    let knownUsers = m.userCount, knownItems = m.itemCount
    // Pass 1: the pairs written (in order); unknown ids follow --unknown.
    // `scoredAt` lists the written pairs the model scores (both ids known),
    // `popularAt` those of unknown users scored as the average user.
    var keptUsers: [Int32] = [], keptItems: [Int32] = []
    keptUsers.reserveCapacity(x.count)
    keptItems.reserveCapacity(x.count)
    var scoredAt: [Int] = [], popularAt: [Int] = []
    scoredAt.reserveCapacity(x.count)
    for e in 0..<x.count {
      let u = x.users[e], i = x.items[e]
      if Int(u) < knownUsers && Int(i) < knownItems {
        scoredAt.append(keptUsers.count)
      } else {
        unknownCount += 1
        switch unknown {
        case .error:
          let us = x.userIds.name(of: u), its = x.itemIds.name(of: i)
          let which = Int(u) >= knownUsers ? "user '\(us)'" : "item '\(its)'"
          throw CommandFailure("\(pairs): pair \(e + 1) (user '\(us)', item '\(its)'): \(which) is not in the model; pass --unknown skip, nan or popular")
        case .skip:
          skipped += 1
          continue
        case .nan:
          break
        case .popular:
          if Int(i) < knownItems { popularAt.append(keptUsers.count) }
        }
      }
      keptUsers.append(u)
      keptItems.append(i)
    }
    // Pass 2: scores on all threads (NaN where there is none).
    var scores = [Float](repeating: .nan, count: keptUsers.count)
    let modelScores = m.score(users: scoredAt.map { keptUsers[$0] }, items: scoredAt.map { keptItems[$0] },
                              threads: common.threadCount)
    for (j, at) in scoredAt.enumerated() { scores[at] = modelScores[j] }
    if !popularAt.isEmpty {
      let mean = m.meanUserVector
      for at in popularAt { scores[at] = m.score(vector: mean, item: Int(keptItems[at])) }
    }
    return (keptUsers, keptItems, scores, skipped, unknownCount)
  }
}

/// Items most similar to an item.
struct SimilarCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "similar",
    abstract: "List the items most similar to an item (cosine of item vectors; the item itself is never listed).")

  @Option(help: "A saved model.") var model: String
  @Option(help: "The item id.") var item: String
  @Option(help: "Number of items.") var k = 10
  @OptionGroup var common: CommonOptions

  struct Row: Codable { var item: String; var score: Float }
  struct Output: Codable { var item: String; var kind: String; var similar: [Row] }

  func validate() throws {
    guard k >= 1 else { throw ValidationError("--k must be at least 1") }
  }

  func run() throws {
    let m = try ModelFile.load(model)
    guard let i = m.itemIds.index(of: item) else {
      throw CommandFailure("item '\(item)' is not in \(model) (\(m.itemCount) items; ids are matched exactly)")
    }
    let rows = m.similarItems(to: Int(i), k: k).map { Row(item: m.itemIds.name(of: $0.item), score: $0.score) }
    if common.json {
      try Console.json(Output(item: item, kind: m.kind, similar: rows))
    } else {
      for r in rows { Console.out("\(r.item)\t\(r.score)") }
    }
  }
}

/// Factor export for numpy and peers.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Export factors as user_factors.npy, item_factors.npy, user_ids.txt, item_ids.txt (and item_bias.npy when the model has one).")

  @Option(help: "A saved model.") var model: String
  @Option(help: "Output folder, published in one step with a manifest (gramian-manifest.json) that readers check.") var npy: String
  @OptionGroup var common: CommonOptions

  struct Output: Codable { var folder: String; var kind: String; var users: Int; var items: Int; var dimension: Int; var files: [String] }

  func run() throws {
    let m = try ModelFile.load(model)
    let files: [String]
    do {
      files = try FactorFiles.export(m, to: npy)
    } catch let error as DataError {
      throw error
    } catch {
      throw DataError(.unwritable, file: npy, "cannot write the export folder (\(error.localizedDescription))",
                      hint: "choose a writable folder")
    }
    Console.info("exported \(m.userCount) users and \(m.itemCount) items (d = \(m.dimension)) to \(npy)")
    if common.json {
      try Console.json(Output(folder: npy, kind: m.kind, users: m.userCount, items: m.itemCount, dimension: m.dimension, files: files))
    }
  }
}
