// A tour of the Gramian library on the bundled MovieLens data: read and
// split, popularity as the floor, iALS (fit, recommend, fold-in, save), a
// two-tower model with logQ correction and the Gram regulariser served with
// the popularity prior, and a small validation-tuned comparison.
//
//   swift run -c release QuickTour [path/to/ratings.csv]
//
// Sizes are kept small so that the test suite can run it in a debug build;
// raise the epochs and dimensions for real use.
import Foundation
import Gramian
import GramianReports

let path = CommandLine.arguments.dropFirst().first ?? "datasets/ml-latest-small/ratings.csv"

// Read ratings of 5 as positives, split each user's pairs 80/20.
var options = ReadOptions()
options.minRating = 5
options.weightMode = .one
let (events, report) = try InteractionReader.read(path, options: options)
let split = Splitter.randomHoldout(events, testFraction: 0.2, seed: 1)
let train = InteractionMatrix(split.train), test = InteractionMatrix(split.test)
print("read \(report.events) positives: \(train.userCount) users x \(train.itemCount) items, \(train.nnz) training pairs")

// The floor every model must beat.
let popularity = Evaluator.evaluate(PopularityModel(train: train), train: train, test: test)
print(String(format: "popularity  recall@20 %.4f", popularity.metrics["recall@20"]!))

// iALS: fit, evaluate, recommend for a training user and for a new one.
var ials = IALSConfig()
ials.factors = 16; ials.epochs = 5; ials.regularization = 0.03; ials.unobservedWeight = 0.1
let model = try IALSModel.fit(train, userIds: split.train.userIds, itemIds: split.train.itemIds, config: ials)
let ialsMetrics = Evaluator.evaluate(model, train: train, test: test).metrics
print(String(format: "iALS        recall@20 %.4f", ialsMetrics["recall@20"]!))
let top = model.recommend(user: 0, k: 5, excluding: train.items(ofUser: 0))
print("user \(split.train.userIds.name(of: 0)): " + top.map { split.train.itemIds.name(of: $0.item) }.joined(separator: " "))
let newUser = try model.recommend(history: Array(train.items(ofUser: 0).prefix(3)), k: 5)   // fold-in
print("a new user with 3 of those items: " + newUser.map { split.train.itemIds.name(of: $0.item) }.joined(separator: " "))
let file = FileManager.default.temporaryDirectory.appendingPathComponent("quick-tour-\(getpid()).gramian").path
try model.save(to: file)
let reloaded = try IALSModel.load(from: file)
try? FileManager.default.removeItem(atPath: file)
print("saved and reloaded: same scores \(reloaded.recommend(user: 0, k: 5).map(\.item) == model.recommend(user: 0, k: 5).map(\.item))")

// Two towers: in-batch softmax with logQ correction and the Gram regulariser;
// the item tower adds genre and decade bags from movies.csv when it is there.
var towers = TwoTowerConfig()
towers.embeddingDim = 16; towers.epochs = 3; towers.batchSize = 256
towers.logQ = .exact; towers.gramWeight = 1; towers.gramEstimator = .sogram
var towerData = TwoTowerData(train: train)
let movies = (path as NSString).deletingLastPathComponent + "/movies.csv"
if FileManager.default.fileExists(atPath: movies) {
  towerData.itemFeatures = FeatureBags(try MovieLensFeatures.moviesCSV(movies), ids: split.train.itemIds)
}
let twoTower = try TwoTowerModel.fit(towerData, userIds: split.train.userIds, itemIds: split.train.itemIds, config: towers)
for beta in [Float(0), 0.5] {   // serve with + beta log P(d): the popularity prior P(d)^beta
  let r = Evaluator.evaluate(twoTower.withPriorExponent(beta), train: train, test: test).metrics
  print(String(format: "two-tower (logQ + Gram, beta %.1f) recall@20 %.4f", beta, r["recall@20"]!))
}

// A comparison with every choice made on a validation split carved from training.
var compare = ComparisonConfig.quick()
compare.methods = [.popularity, .ials, .softmax, .prior, .gram]
compare.dimension = 16
compare.twoTower.batchSize = 256
let results = try Comparison(config: compare).run(ComparisonData(name: "ml-latest-small", train: split.train, test: split.test))
for m in results.methods {
  print(m.title.padding(toLength: 28, withPad: " ", startingAt: 0) + " chosen "
        + m.chosen.description.padding(toLength: 20, withPad: " ", startingAt: 0)
        + String(format: " test recall@20 %.4f", m.test["recall@20"]!))
}
