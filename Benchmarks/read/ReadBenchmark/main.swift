// Times InteractionReader on one file and InteractionCache write/read of
// the result; prints one `key=value` line per figure (medians of --runs).
//
//   swift run -c release ReadBenchmark FILE CACHE [RUNS]
import Foundation
import InteractionData

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
  FileHandle.standardError.write(Data("usage: ReadBenchmark FILE CACHE [RUNS]\n".utf8))
  exit(2)
}
let path = arguments[1]
let cachePath = arguments[2]
let runs = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3

func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

/// User and system CPU seconds of this process so far (all threads).
func cpuTimes() -> (user: Double, system: Double) {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
  return (s(usage.ru_utime), s(usage.ru_stime))
}

func cpuSeconds() -> Double { cpuTimes().user + cpuTimes().system }

/// Median CPU seconds of the last `timed` call.
nonisolated(unsafe) var lastCPU = 0.0

/// Runs `body` `runs` times; returns the median wall time and the last result.
func timed<T>(_ body: () throws -> T) rethrows -> (Double, T) {
  var times: [Double] = []
  var cpu: [Double] = []
  var last: T? = nil
  for _ in 0..<runs {
    last = nil
    let clock = ContinuousClock()
    let c0 = cpuTimes()
    let start = clock.now
    last = try body()
    times.append(seconds(clock.now - start))
    let c1 = cpuTimes()
    cpu.append(c1.user - c0.user + c1.system - c0.system)
    FileHandle.standardError.write(
      Data(
        String(
          format: "  %.3f s wall, %.3f s cpu (%.3f user, %.3f system)\n", times.last!, cpu.last!, c1.user - c0.user,
          c1.system - c0.system
        ).utf8))
  }
  lastCPU = median(cpu)
  return (median(times), last!)
}

// `ReadBenchmark --cache-only CACHE [RUNS]`: times only the read of an
// existing cache (for profiling the loader without re-parsing the text).
if path == "--cache-only" {
  do {
    let (load, y) = try timed { try InteractionCache.read(cachePath) }
    print("events=\(y.count) users=\(y.userCount) items=\(y.itemCount)")
    print(String(format: "cache_read_seconds=%.3f", load))
    print(String(format: "cache_read_cpu_seconds=%.3f", lastCPU))
  } catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
  }
  exit(0)
}

do {
  FileHandle.standardError.write(Data("parse \(path)\n".utf8))
  let (parse, (x, report)) = try timed { try InteractionReader.read(path) }
  let parseCPU = lastCPU
  FileHandle.standardError.write(Data("cache write\n".utf8))
  let (write, _) = try timed { try InteractionCache.write(x, to: cachePath) }
  FileHandle.standardError.write(Data("cache read\n".utf8))
  let (load, y) = try timed { try InteractionCache.read(cachePath) }
  precondition(y == x, "cache round trip differs")
  print("events=\(x.count)")
  print("users=\(x.userCount)")
  print("items=\(x.itemCount)")
  print("lines=\(report.lines)")
  print("header=\(report.headerDetected)")
  print(String(format: "parse_seconds=%.3f", parse))
  print(String(format: "parse_cpu_seconds=%.3f", parseCPU))
  print(String(format: "cache_write_seconds=%.3f", write))
  print(String(format: "cache_read_seconds=%.3f", load))
} catch {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
}
