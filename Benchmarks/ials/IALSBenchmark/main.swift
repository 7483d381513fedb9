// Times Gramian's iALS on a real or synthetic data set and prints one JSON
// object (per-epoch seconds, median, estimated GFLOP/s, peak RSS). With
// --export DIR the factors are written for `peers.py evaluate`. With --peak
// it measures sgemm 1024^3 GFLOP/s instead (the machine's reference peak).
//
// The reader here is a minimal stand-in for the library's readers: lines of
// `user item item ...` (--lists) or `user<TAB>item[<TAB>weight]`.
import Foundation
import IALS
import Evaluation
import InteractionData
import LinearAlgebra

struct Options {
  var train = "", test = "", export = "", cache = ""
  var lists = false, peak = false, foldIn = false
  /// Generate the synthetic ML-20M shape in process (users and interactions
  /// scaled by `syntheticScale`) instead of reading `train`.
  var synthetic = false, syntheticScale = 1.0
  var config = IALSConfig()
  init() {
    var args = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
      guard let v = args.popFirst() else { fatalError("\(name) needs a value") }
      return v
    }
    while let a = args.popFirst() {
      switch a {
      case "--train": train = value(a)
      case "--test": test = value(a)
      case "--export": export = value(a)
      case "--cache": cache = value(a)
      case "--lists": lists = true
      case "--peak": peak = true
      case "--foldin": foldIn = true
      case "--synthetic-ml20m": synthetic = true
      case "--synthetic-scale": syntheticScale = Double(value(a))!
      case "--micro": break
      case "--factors": config.factors = Int(value(a))!
      case "--epochs": config.epochs = Int(value(a))!
      case "--threads": config.threads = Int(value(a))!
      case "--solver": config.solver = ALSSolver(rawValue: value(a))!
      case "--formulation": config.formulation = ALSFormulation(rawValue: value(a))!
      case "--confidence": config.confidence = ConfidenceMode(rawValue: value(a))!
      case "--alpha": config.alpha = Float(value(a))!
      case "--reg": config.regularization = Float(value(a))!
      case "--reg-exponent": config.regularizationExponent = Float(value(a))!
      case "--unobserved-weight": config.unobservedWeight = Float(value(a))!
      case "--init-std": config.initStd = Float(value(a))!
      case "--cg-steps": config.cgSteps = Int(value(a))!
      case "--block-size": config.blockSize = Int(value(a))!
      case "--seed": config.seed = UInt64(value(a))!
      default: fatalError("unknown option \(a)")
      }
    }
  }
}

func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Process CPU seconds (all threads): on a shared machine, CPU time per
/// epoch divided by the threads is a contention-free companion to wall time.
func cpuSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Reads a lists or pairs file into COO arrays, growing the id maps.
/// Reads `path` with the library's reader (text, or a binary cache written
/// by `--cache`). With `cache`, the parsed events are written there on the
/// first run and read from there on the next (no text parsing).
func read(_ path: String, lists: Bool, cache: String) -> Interactions {
  var options = ReadOptions()
  if lists { options.format = .lists }
  let source = !cache.isEmpty && FileManager.default.fileExists(atPath: cache) ? cache : path
  do {
    let (x, _) = try InteractionReader.read(source, options: options)
    if !cache.isEmpty && source != cache { try InteractionCache.write(x, to: cache) }
    return x
  } catch {
    fatalError("cannot read \(source): \(error)")
  }
}

func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}

func peakRSSMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

/// sgemm n^3 GFLOP/s with `threads` BLAS threads, median of 5.
func sgemmPeak(threads: Int, n: Int = 1024) -> Double {
  var a = Matrix(rows: n, columns: n, repeating: 0.5), b = a, c = a
  for j in 0..<a.storage.count { a.storage[j] = Float(j % 7) * 0.1; b.storage[j] = Float(j % 5) * 0.1 }
  var times: [Double] = []
  BLAS.withThreads(threads) {
    for _ in 0..<6 {
      let t0 = now()
      a.storage.withUnsafeBufferPointer { ap in b.storage.withUnsafeBufferPointer { bp in c.storage.withUnsafeMutableBufferPointer { cp in
        BLAS.sgemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
      } } }
      times.append(now() - t0)
    }
  }
  return 2 * pow(Double(n), 3) / median(Array(times.dropFirst())) / 1e9
}

/// Floating-point operations of one epoch (both half-steps), counting a
/// multiply-add as 2, by the solver's dominant terms (see README).
func epochFlops(_ m: InteractionMatrix, _ c: IALSConfig) -> Double {
  let k = Double(c.factors), nnz = Double(m.nnz), rows = Double(m.userCount + m.itemCount)
  let gram = rows * k * (k + 1)
  switch c.solver {
  case .exact:
    return gram + 2 * nnz * (k * (k + 1) + 2 * k) + rows * (k * k * k / 3 + 2 * k * k + k * k)
  case .cg:
    let s = Double(c.cgSteps)
    return gram + (s + 1) * (2 * rows * k * k + 2 * nnz * 4 * k)
  case .block:
    let b = Double(min(c.blockSize, c.factors)), blocks = (k / b).rounded(.up)
    // Per pair: initial prediction (2k), then per block the rank update
    // b(b+1), right-hand side 2b and prediction update 2b. Per row: the Gram
    // terms w_uᵀ G_{:,B} over all blocks (2k²), per block Cholesky b³/3 + 2b².
    let perPair = 2 * k + blocks * (b * (b + 1) + 2 * b + 2 * b)
    let perRow = 2 * k * k + blocks * (b * b * b / 3 + 2 * b * b)
    return gram + 2 * nnz * perPair + rows * perRow
  }
}

/// Microbenchmarks of the row kernels at k = factors, one thread: hand
/// Cholesky vs LAPACK, and the rank-m update (hand vs ssyrk) for small m.
func micro(k: Int) {
  var rng = SeededGenerator(seed: 1)
  var m = Matrix(rows: 2 * k, columns: k)
  for j in 0..<m.storage.count { m.storage[j] = Float(rng.nextNormal()) }
  var spd = m.gram()
  for j in 0..<k { spd[j, j] += 1 }
  let reps = 4000
  var a = spd.storage, b = [Float](repeating: 1, count: k)
  func time(_ body: () -> Void) -> Double { let t = now(); for _ in 0..<reps { body() }; return (now() - t) / Double(reps) * 1e6 }
  BLAS.setThreads(1)
  let hand = time {
    a.withUnsafeMutableBufferPointer { ap in ap.baseAddress!.update(from: spd.storage, count: k * k)
      b.withUnsafeMutableBufferPointer { _ = SmallCholesky.solveUpper(n: k, a: ap.baseAddress!, b: $0.baseAddress!) } }
  }
  let lapack = time {
    a.withUnsafeMutableBufferPointer { ap in ap.baseAddress!.update(from: spd.storage, count: k * k)
      b.withUnsafeMutableBufferPointer { try! Cholesky.solve(n: k, a: ap.baseAddress!, b: $0.baseAddress!) } }
  }
  var out = "{\"k\": \(k), \"kernels\": \"\(Kernels.build)\", \"cholesky_us\": {\"hand\": \(hand), \"lapack\": \(lapack)}, \"rank_update_us\": {"
  for rows in [4, 16, 64, 256] {
    let g = (0..<(rows * k)).map { m.storage[$0 % m.storage.count] }
    let h = time { a.withUnsafeMutableBufferPointer { ap in g.withUnsafeBufferPointer { Kernels.symmetricRankUpdate(n: k, m: rows, rows: $0.baseAddress!, into: ap.baseAddress!) } } }
    let s = time { a.withUnsafeMutableBufferPointer { ap in g.withUnsafeBufferPointer { BLAS.ssyrk(trans: true, n: k, k: rows, a: $0.baseAddress!, lda: k, beta: 1, c: ap.baseAddress!, ldc: k) } } }
    out += "\"m\(rows)\": {\"hand\": \(h), \"ssyrk\": \(s)}, "
  }
  print(out.dropLast(2) + "}}")
}

/// Fold-in latency (`IALSModel.foldIn` and `recommend(history:k:)`) for a
/// new user with 100 items, after one epoch: median and 90th percentile of
/// 1000 calls each, one thread, microseconds.
func foldInLatency(_ train: InteractionMatrix, config: IALSConfig) {
  var c = config
  c.epochs = 1
  c.threads = 1
  let model = try! IALSModel.fit(train, userIds: IdMap(), itemIds: IdMap(), config: c)
  var rng = SeededGenerator(seed: 7)
  let histories: [[Int32]] = (0..<1000).map { _ in
    var s = Set<Int32>()
    while s.count < 100 { s.insert(Int32(rng.next() % UInt64(train.itemCount))) }
    return Array(s)
  }
  func percentiles(_ body: ([Int32]) -> Void) -> (Double, Double) {
    for h in histories.prefix(50) { body(h) }  // warm up
    var t: [Double] = []
    for h in histories { let s = now(); body(h); t.append((now() - s) * 1e6) }
    t.sort()
    return (t[t.count / 2], t[t.count * 9 / 10])
  }
  var sink: Float = 0
  let fold = percentiles { sink += model.foldIn(items: $0, weights: nil)[0] }
  let rec = percentiles { sink += (try? model.recommend(history: $0, k: 10))?.first?.score ?? 0 }
  print("{\"factors\": \(c.factors), \"items\": \(train.itemCount), \"history\": 100, \"calls\": \(histories.count), " +
        "\"foldin_us\": {\"median\": \(fold.0), \"p90\": \(fold.1)}, \"recommend_for_items_us\": {\"median\": \(rec.0), \"p90\": \(rec.1)}, \"sink\": \(sink.isFinite)}")
}

let opts = Options()
if CommandLine.arguments.contains("--micro") { micro(k: opts.config.factors); exit(0) }
if opts.peak {
  // The backend in use, then each backend this process can load.
  let g = sgemmPeak(threads: opts.config.threads)
  var each: [String] = []
  for backend in BLAS.availableGEMMBackends {
    BLAS.forceGEMM(backend)
    each.append("\"\(backend)\": \(sgemmPeak(threads: opts.config.threads))")
  }
  BLAS.forceGEMM(nil)
  print("{\"sgemm_n\": 1024, \"threads\": \(opts.config.threads), \"gflops\": \(g), \"backend\": \"\(BLAS.gemmBackend)\", " +
        "\"by_backend\": {\(each.joined(separator: ", "))}, \"kernels\": \"\(Kernels.build)\"}")
  exit(0)
}
var userIds = IdMap(), itemIds = IdMap()
let t0 = now()
let train: InteractionMatrix
if opts.synthetic {
  var c = SyntheticConfig.ml20mShape
  c.users = Int(Double(c.users) * opts.syntheticScale)
  c.interactions = Int(Double(c.interactions) * opts.syntheticScale)
  let data = SyntheticData.generate(c, threads: opts.config.threads)
  train = InteractionMatrix(data)
  log("generated synthetic ML-20M shape x \(opts.syntheticScale): \(train.userCount) users, \(train.itemCount) items, \(train.nnz) nnz in \(String(format: "%.1f", now() - t0)) s")
} else {
  let x = read(opts.train, lists: opts.lists, cache: opts.cache)
  userIds = x.userIds
  itemIds = x.itemIds
  train = InteractionMatrix(x)
  log("read \(opts.train): \(train.userCount) users, \(train.itemCount) items, \(train.nnz) nnz in \(String(format: "%.1f", now() - t0)) s")
}
if opts.foldIn { foldInLatency(train, config: opts.config); exit(0) }
var epochs: [EpochReport] = []
var cpu: [Double] = []
let fitStart = now()
var cpuMark = cpuSeconds()
let model = try IALSModel.fit(train, userIds: userIds, itemIds: itemIds, config: opts.config) { r in
  // The callback runs after the loss; CPU from the previous callback's end
  // to here covers the half-steps plus this epoch's loss evaluation.
  let c = cpuSeconds() - cpuMark
  epochs.append(r)
  cpu.append(c)
  log("epoch \(r.epoch): \(String(format: "%.3f", r.seconds)) s wall (users \(String(format: "%.3f", r.userSeconds ?? 0)), items \(String(format: "%.3f", r.itemSeconds ?? 0))), \(String(format: "%.3f", c)) s cpu (with loss), loss \(r.loss)")
  cpuMark = cpuSeconds()
}
let fitSeconds = now() - fitStart
if !opts.export.isEmpty { try model.export(toDirectory: opts.export) }
let med = median(epochs.map(\.seconds))
let flops = epochFlops(train, opts.config)
let configJSON = String(decoding: try JSONEncoder().encode(opts.config), as: UTF8.self)
print("""
{"peer": "gramian", "solver": "\(opts.config.solver.rawValue)", "factors": \(opts.config.factors), \
"threads": \(opts.config.threads), "users": \(train.userCount), "items": \(train.itemCount), "nnz": \(train.nnz), \
"epoch_seconds": \(epochs.map(\.seconds)), "user_half_step_seconds": \(epochs.map { $0.userSeconds ?? 0 }), "item_half_step_seconds": \(epochs.map { $0.itemSeconds ?? 0 }), "median_epoch_seconds": \(med), "epoch_cpu_seconds_with_loss": \(cpu), "fit_seconds": \(fitSeconds), \
"losses": \(epochs.map(\.loss)), "epoch_gflop": \(flops / 1e9), "gflops": \(flops / med / 1e9), \
"peak_rss_mb": \(peakRSSMegabytes()), "config": \(configJSON)}
""")
