// swift-tools-version:6.0
// A separate package so `swift test` in the root never builds benchmarks
// (as swift-collections does). Run from this folder:
//   swift run -c release evaluate-bench [--ml20m] [--threads N]
import PackageDescription

let package = Package(
  name: "EvaluateBenchmarks",
  dependencies: [.package(name: "Gramian", path: "../..")],
  targets: [
    .executableTarget(
      name: "evaluate-bench",
      dependencies: [.product(name: "Gramian", package: "Gramian")]
    ),
  ],
  swiftLanguageModes: [.v6]
)
