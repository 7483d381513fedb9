// Times the synthetic generator, the splits and full-ranking evaluation.
// Prints one JSON object on stdout; progress on stderr.
//
//   swift run -c release evaluate-bench            # 34,500 x 27,000 x 5M
//   swift run -c release evaluate-bench --ml20m    # ML-20M shape
//   swift run -c release evaluate-bench files ...  # see EvaluateFiles.swift
import Foundation
import Gramian

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

func time<R>(_ body: () -> R) -> (R, Double) {
  let clock = ContinuousClock()
  let start = clock.now
  let r = body()
  let d = start.duration(to: clock.now)
  return (r, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
}

let args = CommandLine.arguments
if args.count > 1, args[1] == "files" {
  try evaluateFiles(Array(args.dropFirst(2)))
  exit(0)
}
var config = SyntheticConfig()
if args.contains("--ml20m") {
  config = .ml20mShape
} else {
  config.users = 34_500
  config.items = 27_000
  config.interactions = 5_000_000
}
let threadList = args.firstIndex(of: "--threads").map { [Int(args[$0 + 1])!] } ?? [1, 2]
let rank = 64
var out: [String: Any] = ["users": config.users, "items": config.items, "interactions": config.interactions]

for t in threadList {
  let (_, s) = time { SyntheticData.generate(config, threads: t) }
  out["generate_seconds_threads\(t)"] = s
  log("generate, \(t) threads: \(s) s")
}
if args.contains("--generate-only") {
  print(String(data: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), encoding: .utf8)!)
  exit(0)
}
let data = SyntheticData.generate(config, threads: 2)
let (split, splitSeconds) = time { Splitter.randomHoldout(data, testFraction: 0.2, seed: 1) }
out["random_holdout_seconds"] = splitSeconds
let (_, lloSeconds) = time { Splitter.leaveLastOut(data) }
out["leave_last_out_seconds"] = lloSeconds
let (_, sgSeconds) = time { Splitter.strongGeneralization(data, heldOutUsers: 10_000, seed: 1) }
out["strong_generalization_seconds"] = sgSeconds
log("splits: holdout \(splitSeconds) s, leave-last-out \(lloSeconds) s, strong \(sgSeconds) s")

let train = InteractionMatrix(split.train), test = InteractionMatrix(split.test)
func random(_ rows: Int, seed: UInt64) -> Matrix {
  var rng = SeededGenerator(seed: seed)
  var m = Matrix(rows: rows, columns: rank)
  for j in 0..<m.storage.count { m.storage[j] = Float(rng.nextNormal()) }
  return m
}
let scorer = FactorScorer(userFactors: random(train.userCount, seed: 5), itemFactors: random(train.itemCount, seed: 6))
for t in threadList {
  var options = EvaluationOptions()
  options.threads = t
  let r = Evaluator.evaluate(scorer, train: train, test: test, options: options)
  out["evaluate_seconds_threads\(t)"] = r.seconds
  out["evaluate_users"] = r.users
  log("evaluate k=\(rank), \(t) threads: \(r.seconds) s over \(r.users) users")
}
let pop = Evaluator.evaluate(PopularityModel(train: train), train: train, test: test)
out["popularity_metrics"] = pop.metrics
out["popularity_evaluate_seconds"] = pop.seconds
let degrees = train.itemDegrees.sorted(by: >)
out["train_top1pct_share"] = Double(degrees.prefix(max(1, config.items / 100)).reduce(0, +)) / Double(train.nnz)
let activity = InteractionMatrix(data).userDegrees.sorted()
out["user_count"] = ["min": activity.first!, "median": activity[activity.count / 2], "max": activity.last!]
let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
print(String(data: json, encoding: .utf8)!)
