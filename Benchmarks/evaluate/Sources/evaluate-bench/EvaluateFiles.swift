// `evaluate-bench files --train F --test F --user-factors U.npy
//  --item-factors V.npy --user-ids F --item-ids F [--k 20 50 100]`:
// the same job as `gramian evaluate`, for cross-checking the Evaluation
// module against peers.py before the CLI exists. The TSV parsing here is
// deliberately minimal (benchmark input only, `user<TAB>item` lines).
import Foundation
import Gramian

func readPairs(_ path: String, users: inout IdMap, items: inout IdMap) throws -> Interactions {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  var u: [Int32] = [], i: [Int32] = []
  for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
    let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
    guard f.count >= 2 else { continue }
    u.append(users.insert(String(f[0])))
    i.append(items.insert(String(f[1])))
  }
  return Interactions(users: u, items: i, weights: [Float](repeating: 1, count: u.count), userIds: users, itemIds: items)
}

/// Rows of `m` (named by `ids`) reordered into `map`'s order; absent ids get zeros.
func aligned(_ m: Matrix, ids: [String], to map: IdMap) -> Matrix {
  var out = Matrix(rows: map.count, columns: m.columns)
  for (row, id) in ids.enumerated() {
    if let j = map.index(of: id) { out.setRow(Int(j), to: m.row(row)) }
  }
  return out
}

func evaluateFiles(_ args: [String]) throws {
  func value(_ name: String) -> String {
    guard let j = args.firstIndex(of: name), j + 1 < args.count else { fatalError("missing \(name)") }
    return args[j + 1]
  }
  var ks = [20, 50, 100]
  if let j = args.firstIndex(of: "--k") { ks = args[(j + 1)...].prefix { Int($0) != nil }.map { Int($0)! } }
  var users = IdMap(), items = IdMap()
  let train = try readPairs(value("--train"), users: &users, items: &items)
  var test = try readPairs(value("--test"), users: &users, items: &items)
  let trainWithMaps = Interactions(users: train.users, items: train.items, weights: train.weights, userIds: users, itemIds: items)
  test.userIds = users
  test.itemIds = items
  let split = Splitter.given(train: trainWithMaps, test: test)
  let ids = { (p: String) in try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").map(String.init) }
  let U = aligned(try NPY.read(value("--user-factors")), ids: try ids(value("--user-ids")), to: split.train.userIds)
  let V = aligned(try NPY.read(value("--item-factors")), ids: try ids(value("--item-ids")), to: split.train.itemIds)
  var options = EvaluationOptions()
  options.ks = ks
  if let j = args.firstIndex(of: "--user-block") { options.userBlock = Int(args[j + 1])! }
  if let j = args.firstIndex(of: "--threads") { options.threads = Int(args[j + 1])! }
  if args.contains("--score-only") {
    // Time scoring alone (no top-K) for the same blocks.
    let scorer = FactorScorer(userFactors: U, itemFactors: V)
    let n = scorer.itemCount, b = options.userBlock
    var buf = [Float](repeating: 0, count: b * n)
    let clock = ContinuousClock(), t0 = clock.now
    BLAS.setThreads(1)
    var lo = 0
    while lo < U.rows {
      let users = (lo..<min(U.rows, lo + b)).map(Int32.init)
      buf.withUnsafeMutableBufferPointer { scorer.scoreBlock(users: users[...], into: $0.baseAddress!) }
      lo += b
    }
    FileHandle.standardError.write("score only, 1 thread, block \(b): \(t0.duration(to: clock.now))\n".data(using: .utf8)!)
  }
  let r = Evaluator.evaluate(
    FactorScorer(userFactors: U, itemFactors: V),
    train: InteractionMatrix(split.train), test: InteractionMatrix(split.test), options: options)
  let out: [String: Any] = ["metrics": r.metrics, "test_users": r.users, "seconds": r.seconds,
                            "dropped_test_pairs": split.report.droppedTestEvents]
  print(String(data: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), encoding: .utf8)!)
}
