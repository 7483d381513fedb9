// `gramian-fuzz TARGET [ARGS...]`: the fuzz targets of `GramianFuzzing`.
//
// Built normally (`swift build --product gramian-fuzz`), it replays files:
// `gramian-fuzz TARGET [-v] FILE|FOLDER...` runs the target on each file
// (`-v`: saying whether each was accepted or refused, and why) and exits 0
// when none crashed (what the regression tests and a crash triage
// need). Built by `Benchmarks/fuzz/build.sh` (`-DFUZZING`, AddressSanitizer
// and SanitizerCoverage, linked with libFuzzer's no-main runtime), it hands
// its remaining arguments to libFuzzer: `gramian-fuzz TARGET CORPUS
// -runs=N ...`.
//
// (libFuzzer is driven through `LLVMFuzzerRunDriver` rather than its own
// `main`, because SwiftPM links executables with `main` bound to the
// module's entry point.)

import Foundation
import GramianFuzzing

@main
struct GramianFuzz {
  static func main() {
    let args = CommandLine.arguments
    guard args.count >= 2, let target = FuzzTargets.named(args[1]) else {
      var err = StandardError()
      print("usage: gramian-fuzz TARGET [FILE|FOLDER ...]   (fuzzing build: TARGET [libFuzzer arguments])", to: &err)
      print("targets:", to: &err)
      for t in FuzzTargets.all { print("  \(t.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(t.summary)", to: &err) }
      exit(2)
    }
    FuzzTargets.configure()
    #if FUZZING
      Driver.target = target
      // libFuzzer sees the program name and the arguments after TARGET.
      var cArgs: [UnsafeMutablePointer<CChar>?] = ([args[0]] + args.dropFirst(2)).map { strdup($0) } + [nil]
      var argc = CInt(cArgs.count - 1)
      let rc = cArgs.withUnsafeMutableBufferPointer { buffer -> CInt in
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
        return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
          Driver.target?.run(UnsafeRawBufferPointer(start: data, count: size))
          return 0
        }
      }
      exit(rc)
    #else
      var files: [String] = []
      let verbose = args.contains("-v")
      for path in args.dropFirst(2) where path != "-v" {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
          var err = StandardError()
          print("gramian-fuzz: \(path) does not exist", to: &err)
          exit(2)
        }
        if isDir.boolValue {
          let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
          files += names.sorted().map { (path as NSString).appendingPathComponent($0) }
        } else {
          files.append(path)
        }
      }
      for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        let outcome = target.run([UInt8](data))
        if verbose { print("\(file): \(outcome.map { "refused: \($0)" } ?? "accepted")") }
      }
      print("\(target.name): \(files.count) inputs ran without a crash")
    #endif
  }
}

#if FUZZING
  /// The target libFuzzer's callback runs (set once, before fuzzing starts).
  enum Driver {
    nonisolated(unsafe) static var target: FuzzTarget?
  }

  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt
#endif

struct StandardError: TextOutputStream {
  mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
