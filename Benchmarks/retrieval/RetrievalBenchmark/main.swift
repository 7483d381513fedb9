// Retrieval benchmark (release build; see ../README.md and ../run.sh).
//
//   RetrievalBenchmark exact --users U.npy --items V.npy [--k 100] [--threads 2] [--repeats 3]
//       scoring + top-K selection for every user vs plain blocked sgemm of the
//       same shape, both timed in this run (medians of --repeats).
//   RetrievalBenchmark hnsw --items V.npy --queries Q.npy [--M 16] [--ef-construction 200]
//       [--metric ip|augmented] [--threads 2] [--ef 10,20,40,80,160] [--topk 10]
//       build time on --threads, then per ef: recall@topk against exact search
//       and queries/s on one thread.
// Prints one JSON object on stdout.
import Dispatch
import Evaluation
import Foundation
import LinearAlgebra
import Retrieval

func argument(_ name: String, _ fallback: String? = nil) -> String {
  let args = CommandLine.arguments
  if let i = args.firstIndex(of: "--" + name), i + 1 < args.count { return args[i + 1] }
  guard let fallback else { FileHandle.standardError.write(Data(("missing --\(name)\n").utf8)); exit(2) }
  return fallback
}

func seconds(_ body: () -> Void) -> Double {
  let t0 = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// CPU seconds of the whole process (all threads) and of the calling thread:
/// less sensitive than wall time to other jobs on a shared machine.
func processCPU() -> Double {
  var t = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
func threadCPU() -> Double {
  var t = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func printJSON(_ object: [String: Any]) {
  let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  print(String(decoding: data, as: UTF8.self))
}

/// Plain sgemm of every user block against every item tile, the same loop
/// shape as ExactTopK without the selection: the throughput reference.
func blockedSgemm(users u: Matrix, items v: Matrix, block: Int, tile: Int, threads: Int) {
  let d = u.columns, n = v.rows
  let blocks = (u.rows + block - 1) / block
  let buffers = (0..<threads).map { _ in SendablePointer(UnsafeMutablePointer<Float>.allocate(capacity: block * tile)) }
  defer { buffers.forEach { $0.base.deallocate() } }
  u.storage.withUnsafeBufferPointer { up in
    v.storage.withUnsafeBufferPointer { vp in
      let a = SendableConstPointer(up.baseAddress!), b = SendableConstPointer(vp.baseAddress!)
      BLAS.withThreads(1) {
        Parallel.forEach(blocks, threads: threads, grain: 1) { blk, w in
          let lo = blk * block, rows = min(block, u.rows - lo)
          var t0 = 0
          while t0 < n {
            let tn = min(tile, n - t0)
            BLAS.sgemm(transB: true, m: rows, n: tn, k: d, a: a.base + lo * d, lda: d, b: b.base + t0 * d, ldb: d,
                       c: buffers[w].base, ldc: tn)
            t0 += tn
          }
        }
      }
    }
  }
}

func exactMode() throws {
  var u = try NPY.read(argument("users"))
  let v = try NPY.read(argument("items"))
  if let limit = Int(argument("max-users", "0")), limit > 0, limit < u.rows {
    u = Matrix(rows: limit, columns: u.columns, storage: Array(u.storage[0..<(limit * u.columns)]))
  }
  // The sgemm reference: whole catalogue per call, 256 users (the fastest
  // shape measured here), unless told otherwise.
  let referenceBlock = Int(argument("reference-block", "256"))!
  let referenceTile = Int(argument("reference-tile", "0")).flatMap { $0 > 0 ? $0 : nil } ?? v.rows
  let k = Int(argument("k", "100"))!, threads = Int(argument("threads", "2"))!
  let repeats = Int(argument("repeats", "3"))!
  var search = ExactTopK(itemFactors: v)
  search.usersPerBlock = Int(argument("block", "256"))!
  search.itemsPerTile = Int(argument("tile", "4096"))!
  let scorer = FactorScorer(userFactors: u, itemFactors: v)
  let all = (0..<Int32(u.rows)).map { $0 }
  var gemm: [Double] = [], exact: [Double] = [], evaluation: [Double] = []
  for _ in 0..<repeats {
    gemm.append(seconds { blockedSgemm(users: u, items: v, block: referenceBlock, tile: referenceTile, threads: threads) })
    exact.append(seconds { _ = search.search(queries: u, k: k, threads: threads) })
    if argument("evaluation", "yes") == "yes" {
      evaluation.append(seconds { _ = Recommendations.topK(scorer, users: all, k: k, threads: threads) })
    }
  }
  let flops = 2.0 * Double(u.rows) * Double(v.rows) * Double(u.columns)
  printJSON([
    "users": u.rows, "items": v.rows, "factors": u.columns, "k": k, "threads": threads,
    "block": search.usersPerBlock, "tile": search.itemsPerTile, "repeats": repeats,
    "sgemm_seconds": median(gemm), "sgemm_gflops": flops / median(gemm) / 1e9,
    "exact_topk_seconds": median(exact), "exact_topk_gflops": flops / median(exact) / 1e9,
    "exact_fraction_of_sgemm": median(gemm) / median(exact),
    "evaluation_topk_seconds": evaluation.isEmpty ? -1 : median(evaluation),
    "reference_block": referenceBlock, "reference_tile": referenceTile,
    "load_average": loadAverage(),
  ])
}

func hnswMode() throws {
  let v = try NPY.read(argument("items")), q = try NPY.read(argument("queries"))
  let threads = Int(argument("threads", "2"))!, topk = Int(argument("topk", "10"))!
  let efs = argument("ef", "10,20,40,80,160").split(separator: ",").map { Int($0)! }
  let metric = HNSWIndex.Metric(rawValue: argument("metric", "ip"))!
  let config = HNSWIndex.Configuration(M: Int(argument("M", "16"))!, efConstruction: Int(argument("ef-construction", "200"))!, metric: metric)
  var index: HNSWIndex! = nil
  let cpu0 = processCPU()
  let build = seconds { index = try! HNSWIndex(vectors: v, configuration: config, threads: threads) }
  let buildCPU = processCPU() - cpu0
  let exact = ExactTopK(itemFactors: v).search(queries: q, k: topk, threads: threads).map { Set($0.map(\.item)) }
  var runs: [[String: Any]] = []
  for ef in efs {
    var best = Double.infinity, bestCPU = Double.infinity
    var results: [[(item: Int32, score: Float)]] = []
    for _ in 0..<Int(argument("repeats", "3"))! {
      let c0 = threadCPU()
      best = min(best, seconds { results = index.search(queries: q, k: topk, ef: max(ef, topk), threads: 1) })
      bestCPU = min(bestCPU, threadCPU() - c0)
    }
    let recall = zip(results, exact).map { Double(Set($0.0.map(\.item)).intersection($0.1).count) / Double(topk) }.reduce(0, +) / Double(q.rows)
    runs.append(["ef": ef, "recall": recall, "queries_per_second": Double(q.rows) / best,
                 "queries_per_cpu_second": Double(q.rows) / bestCPU])
  }
  printJSON([
    "peer": "gramian", "metric": metric.rawValue, "M": config.M, "ef_construction": config.efConstruction,
    "items": v.rows, "dim": v.columns, "threads": threads, "build_seconds": build, "build_cpu_seconds": buildCPU, "runs": runs,
    "invariant_violations": index.invariantViolations().count, "load_average": loadAverage(),
  ])
}

func loadAverage() -> Double {
  (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { Double($0.split(separator: " ")[0]) } ?? -1
}

switch CommandLine.arguments.dropFirst().first {
case "exact": try exactMode()
case "hnsw": try hnswMode()
default:
  FileHandle.standardError.write(Data(("usage: RetrievalBenchmark exact|hnsw ... (see the comment at the top of main.swift)\n").utf8))
  exit(2)
}
