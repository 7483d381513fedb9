import ArgumentParser
import Foundation
import Gramian

/// The three jobs Gramian exists for, on the bundled data (MovieLens
/// latest-small, ratings of 4 or more as positives, a seeded 80/20 per-user
/// split): fit iALS, fit a two-tower model with logQ correction and the Gram
/// regulariser, evaluate both against popularity by the same full-ranking
/// code, and score a file of user-item pairs with each model.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Fit iALS and a two-tower model on the bundled MovieLens data, evaluate them against popularity, and score pairs.")

  @Option(help: "Folder holding ratings.csv and movies.csv.")
  var data: String = "datasets/ml-latest-small"

  @Option(help: "The user whose recommendations are shown.")
  var user: String = "1"

  @Option(help: "iALS embedding dimension.") var factors = 64
  @Option(help: "iALS epochs.") var epochs = 15
  @Option(help: "iALS regularisation lambda (tuned on a validation split, Benchmarks/quality).") var reg: Float = 0.01
  @Option(help: "iALS regularisation exponent nu (tuned on a validation split, Benchmarks/quality).") var regExponent: Float = 1
  @Option(help: "iALS unobserved weight alpha0 (tuned on a validation split, Benchmarks/quality).") var unobservedWeight: Float = 0.3

  @OptionGroup var common: CommonOptions

  struct Scoring: Codable {
    var model: String
    var pairs: Int
    var pairsPerSecond: Double
    /// Share of (held-out pair, random pair) comparisons the held-out pair wins.
    var auc: Double
  }
  struct Output: Codable {
    var data: DatasetSummary
    var results: [String: [String: Double]]
    var fitSeconds: [String: Double]
    var scoring: [Scoring]
    var user: String
    var recommendations: [String]
  }

  func say(_ text: String) { Console.result(text, json: common.json) }

  func run() throws {
    BLAS.setThreads(1)
    var reader = try ReaderOptions.parse([])
    reader.minRating = 4
    reader.binary = true
    let split = try SplitOptions.parse(["--split", "random", "--test-fraction", "0.2"])
    Console.info("Gramian demo: MovieLens latest-small, ratings >= 4 as positives, 80/20 per-user split (seed \(common.seed))")
    let loaded = try DatasetLoading.load(train: data + "/ratings.csv", reader: reader, split: split, seed: common.seed)
    var options = EvaluationOptions()
    options.ks = FitReporting.cutoffs
    options.threads = common.threadCount

    // Job 1: iALS.
    var config = IALSConfig()
    config.factors = factors
    config.epochs = epochs
    config.regularization = reg
    config.regularizationExponent = regExponent
    config.unobservedWeight = unobservedWeight
    config.threads = common.threadCount
    config.seed = common.seed
    Console.info("fitting iALS: k=\(factors), lambda=\(reg), nu=\(regExponent), alpha0=\(unobservedWeight), exact solver, \(epochs) epochs, \(config.threads) threads")
    var t0 = Date()
    let ials = try IALSModel.fit(loaded.train, userIds: loaded.userIds, itemIds: loaded.itemIds, config: config)
    let ialsSeconds = Date().timeIntervalSince(t0)

    // Job 2: a two-tower model, in-batch softmax with logQ and the Gram regulariser.
    var tt = TwoTowerConfig.recommended
    tt.embeddingDim = factors
    tt.threads = common.threadCount
    tt.seed = common.seed
    Console.info("fitting two-tower: d=\(tt.embeddingDim), softmax tau=\(tt.temperature) + logQ (\(tt.logQ.rawValue)) + Gram \(tt.gramWeight) (\(tt.gramEstimator.rawValue)), batch \(tt.batchSize), \(tt.epochs) epochs")
    t0 = Date()
    let twoTower = try TwoTowerModel.fit(TwoTowerData(train: loaded.train), userIds: loaded.userIds, itemIds: loaded.itemIds, config: tt)
    let twoTowerSeconds = Date().timeIntervalSince(t0)
    Console.info(String(format: "fitted iALS in %.2f s, two-tower in %.2f s", ialsSeconds, twoTowerSeconds))

    let models: [(String, any Recommender)] = [
      ("popularity", PopularityModel(train: loaded.train, userIds: loaded.userIds, itemIds: loaded.itemIds)),
      ("ials", ials), ("two-tower", twoTower),
    ]
    let rows = models.map { (name: String, model: any Recommender) -> (String, EvaluationResult) in
      (name, Evaluator.evaluate(model, train: loaded.train, test: loaded.test, options: options))
    }
    say("")
    say(MetricsTable.render(rows: rows, ks: options.ks))

    // Job 3: score a file of user-item pairs with each model.
    let scoring = try scorePairs(models: Array(models.dropFirst()), loaded: loaded)

    let shown = try showUser(model: ials, loaded: loaded)
    if common.json {
      try Console.json(Output(
        data: loaded.summary, results: Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0.1.metrics) }),
        fitSeconds: ["ials": ialsSeconds, "two-tower": twoTowerSeconds], scoring: scoring, user: user,
        recommendations: shown))
    }
  }

  /// Writes the held-out pairs and as many random (user, item) pairs to a
  /// pairs file, reads it back as `gramian score` does and scores it with
  /// each model: pairs/s, and how often a held-out pair outscores a random
  /// one (AUC; 0.5 is chance).
  func scorePairs(models: [(String, any Recommender)], loaded: InteractionDataset) throws -> [Scoring] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gramian-demo-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/pairs.csv"
    var rng = SeededGenerator(seed: common.seed, stream: 77)
    var text = "user,item\n"
    var heldOut = 0
    for u in loaded.testUsers {
      for i in loaded.test.items(ofUser: Int(u)) {
        text += "\(loaded.userIds.name(of: u)),\(loaded.itemIds.name(of: i))\n"
        heldOut += 1
      }
    }
    for _ in 0..<heldOut {
      let u = Int32(rng.next() % UInt64(loaded.train.userCount)), i = Int32(rng.next() % UInt64(loaded.train.itemCount))
      text += "\(loaded.userIds.name(of: u)),\(loaded.itemIds.name(of: i))\n"
    }
    try AtomicText.write(text, to: path)
    say("\nScoring \(2 * heldOut) user-item pairs (\(heldOut) held-out, \(heldOut) random) read from a CSV file, as 'gramian score --pairs FILE' does:")
    var results: [Scoring] = []
    var firstScores: [[Float]] = []
    var pairNames: [(String, String)] = []
    for (name, model) in models {
      let t0 = Date()
      var options = ReadOptions()
      options.weightColumn = nil
      options.timestampColumn = nil
      let (x, _) = try InteractionReader.read(path, options: options, userIds: model.userIds, itemIds: model.itemIds, addNewIds: false)
      let scores = model.score(users: x.users, items: x.items)
      let seconds = Date().timeIntervalSince(t0)
      let positives = Array(scores.prefix(heldOut)), negatives = Array(scores.dropFirst(heldOut))
      results.append(Scoring(model: name, pairs: scores.count, pairsPerSecond: Double(scores.count) / max(seconds, 1e-9),
                             auc: Self.auc(positives, negatives)))
      firstScores.append(Array(scores.prefix(3)) + Array(scores.dropFirst(heldOut).prefix(2)))
      if pairNames.isEmpty {
        let rows = Array(0..<min(3, heldOut)) + Array(heldOut..<min(heldOut + 2, x.count))
        pairNames = rows.map { (x.userIds.name(of: x.users[$0]), x.itemIds.name(of: x.items[$0])) }
      }
    }
    say("  user   item     " + models.map { $0.0.leftPad(10) }.joined(separator: "  ") + "   pair")
    for (r, (u, i)) in pairNames.enumerated() {
      let cells = firstScores.map { String(format: "%10.4f", $0[r]) }.joined(separator: "  ")
      say("  " + u.padding(toLength: 6, withPad: " ", startingAt: 0) + " " + i.padding(toLength: 8, withPad: " ", startingAt: 0)
          + " " + cells + "   " + (r < 3 ? "held-out" : "random"))
    }
    for s in results {
      say(String(format: "  %@: %d pairs in %.3f s (%.0f pairs/s); a held-out pair outscores a random one %.1f%% of the time",
                 s.model, s.pairs, Double(s.pairs) / s.pairsPerSecond, s.pairsPerSecond, 100 * s.auc))
    }
    return results
  }

  /// Mann-Whitney AUC: P(positive > negative) + P(tie) / 2. O(n log n).
  static func auc(_ positives: [Float], _ negatives: [Float]) -> Double {
    guard !positives.isEmpty, !negatives.isEmpty else { return 0.5 }
    let neg = negatives.sorted()
    var total = 0.0
    for p in positives {
      var lo = 0, hi = neg.count
      while lo < hi { let mid = (lo + hi) / 2; if neg[mid] < p { lo = mid + 1 } else { hi = mid } }
      var tieEnd = lo
      while tieEnd < neg.count && neg[tieEnd] == p { tieEnd += 1 }
      total += Double(lo) + 0.5 * Double(tieEnd - lo)
    }
    return total / (Double(positives.count) * Double(neg.count))
  }

  /// Prints some titles the user liked in training and their top 10, marking
  /// the ones found in their held-out test items. Returns the top-10 titles.
  func showUser(model: IALSModel, loaded: InteractionDataset) throws -> [String] {
    guard let u = model.userIds.index(of: user) else {
      say("\nuser \(user) is not in the training data; pass --user with another id")
      return []
    }
    var titles: [String: String] = [:]
    do { titles = try ItemTitles.read(data + "/movies.csv") } catch { Console.info("no titles: \(error)") }
    func title(_ i: Int32) -> String {
      let id = model.itemIds.name(of: i)
      return titles[id] ?? "movie \(id)"
    }
    let liked = loaded.train.items(ofUser: Int(u))
    let popularity = loaded.train.itemDegrees
    let sample = liked.sorted { popularity[Int($0)] > popularity[Int($1)] }.prefix(8)
    say("\nUser \(user) liked \(liked.count) movies in training, among them:")
    for i in sample { say("    \(title(i))") }
    let top = model.recommend(user: Int(u), k: 10, excluding: liked)
    let hits = Set(loaded.test.items(ofUser: Int(u)))
    say("Top 10 iALS recommendations (* = in the user's held-out 20%):")
    for (rank, r) in top.enumerated() {
      let mark = hits.contains(r.item) ? "*" : " "
      say(String(format: "  %2d %@ %@", rank + 1, mark, title(r.item)))
    }
    return top.map { title($0.item) }
  }
}
