// swift-tools-version:6.1
//
// Gramian: implicit-feedback recommendation in Swift.
// Module graph (each depends only on those above it):
//
//   CLAPACK (system OpenBLAS + LAPACKE)
//     -> LinearAlgebra      dense matrices, BLAS/LAPACK wrappers, parallel loops
//     -> InteractionData    readers, id maps, CSR/CSC, splits, synthetic data
//     -> Evaluation         scorer protocol, top-K, metrics, popularity model
//     -> IALS               implicit ALS (exact, CG, block solvers)
//     -> Retrieval          exact top-K with prior and filter, HNSW for inner product
//     -> TwoTower           two-tower retrieval (softmax, logQ, Gram regulariser)
//     -> EASE               Steck's closed-form item-item model (dense I x I)
//     -> Recommenders       ModelFile.load: any saved model as a Recommender
//     -> Gramian            umbrella library product (the modules above)
//   Charts (Foundation only)  SVG line and grouped-bar charts for reports
//     -> Comparison         the iALS vs two-tower comparison and its report
//     -> GramianReports     second library product (Charts + Comparison)
//   Collectives             the collective operations a distributed fit needs (protocol + an
//                           in-process group of threads for tests); Foundation only
//     -> DistributedIALS    iALS with rows partitioned across ranks (Spark-style in/out blocks)
//     -> GramianMPI         the Open MPI communicator (trait MPI: `make mpi`, `make test` when present)
//   GramianServer           `gramian serve`: the HTTP service (Hummingbird 2, GRDB event
//                           store, Prometheus metrics); the core library needs none of it
//   GramianFuzzing          libFuzzer targets for every loader (Benchmarks/fuzz)
//   GramianCLI              the `gramian` command line (thin)

import PackageDescription

// No unsafe flags: the package must stay usable as a dependency.
let swiftSettings: [SwiftSetting] = []

let package = Package(
  name: "Gramian",
  products: [
    .library(name: "Gramian", targets: ["Gramian"]),
    .library(name: "GramianReports", targets: ["GramianReports"]),
    .executable(name: "gramian", targets: ["GramianCLI"]),
  ],
  // Open MPI is optional: a user without it builds and tests everything else
  // unchanged. With the trait, `gramian fit ials --distributed` exists (see
  // GramianMPI). A trait rather than a separate product because the flag
  // belongs to the one `gramian` command, and `swift build` of every target
  // (which a separate product's system library would break without mpi.h)
  // must keep working on machines without MPI.
  traits: [
    .trait(name: "MPI", description: "Distributed iALS on Open MPI (needs libopenmpi-dev): `make mpi`."),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // Documentation only: `swift package generate-documentation --target Gramian`.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    // The HTTP service (GramianServer) only.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    // Tests of the service talk to it with a real HTTP client.
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    // ...and check its replies against docs/openapi.yaml.
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
  ],
  targets: [
    // MARK: - System libraries

    .systemLibrary(
      name: "CLAPACK",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),

    // MARK: - Library modules

    // Hand kernels in C: AVX-512, AVX2+FMA and portable builds chosen at run
    // time (per-function target attributes, no build flags); and the optional
    // oneDNN sgemm, loaded with dlopen when the system has it.
    .target(name: "GramianKernels", linkerSettings: [.linkedLibrary("dl")]),
    .target(
      name: "LinearAlgebra",
      dependencies: ["CLAPACK", "GramianKernels"],
      swiftSettings: swiftSettings,
      linkerSettings: [.linkedLibrary("lapacke")]
    ),
    .target(
      name: "InteractionData",
      dependencies: ["LinearAlgebra", "GramianKernels"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "Evaluation",
      dependencies: ["LinearAlgebra", "InteractionData"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "IALS",
      dependencies: ["LinearAlgebra", "InteractionData", "Evaluation"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "Retrieval",
      dependencies: ["LinearAlgebra", "GramianKernels", "Evaluation", "InteractionData"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "TwoTower",
      dependencies: ["LinearAlgebra", "GramianKernels", "InteractionData", "Evaluation"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "EASE",
      dependencies: ["CLAPACK", "LinearAlgebra", "InteractionData", "Evaluation"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "Recommenders",
      dependencies: ["InteractionData", "Evaluation", "IALS", "TwoTower", "EASE"],
      swiftSettings: swiftSettings
    ),
    // Plain SVG report charts; depends on nothing but Foundation.
    .target(
      name: "Charts",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "Comparison",
      dependencies: ["LinearAlgebra", "InteractionData", "Evaluation", "IALS", "TwoTower", "EASE", "Recommenders", "Charts"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "Gramian",
      dependencies: ["LinearAlgebra", "InteractionData", "Evaluation", "IALS", "Retrieval", "TwoTower", "EASE", "Recommenders"],
      swiftSettings: swiftSettings
    ),
    .target(
      name: "GramianReports",
      dependencies: ["Charts", "Comparison"],
      swiftSettings: swiftSettings
    ),

    // MARK: - HTTP service

    .target(
      name: "GramianServer",
      dependencies: [
        "Gramian",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      swiftSettings: swiftSettings
    ),

    // MARK: - Fuzzing (Benchmarks/fuzz: libFuzzer targets for every loader)

    .target(
      name: "GramianFuzzing",
      dependencies: ["Gramian", "GramianServer"],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "GramianFuzz",
      dependencies: ["GramianFuzzing"],
      path: "Benchmarks/fuzz/GramianFuzz",
      swiftSettings: swiftSettings
    ),

    // MARK: - Distributed iALS

    .target(
      name: "Collectives",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "DistributedIALS",
      dependencies: ["Collectives", "IALS", "InteractionData", "LinearAlgebra"],
      swiftSettings: swiftSettings
    ),
    // Open MPI through pkg-config "ompi"; imported only under the MPI trait.
    .systemLibrary(
      name: "CMPI",
      pkgConfig: "ompi",
      providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
    ),
    .target(
      name: "GramianMPI",
      dependencies: ["Collectives", .target(name: "CMPI", condition: .when(traits: ["MPI"]))],
      swiftSettings: swiftSettings
    ),

    // MARK: - Command line

    .executableTarget(
      name: "GramianCLI",
      dependencies: [
        "Gramian",
        "GramianReports",
        "GramianServer",
        "DistributedIALS",
        "GramianMPI",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: swiftSettings
    ),

    // MARK: - Examples

    .executableTarget(
      name: "QuickTour",
      dependencies: ["Gramian", "GramianReports"],
      path: "Examples/QuickTour",
      swiftSettings: swiftSettings
    ),

    // MARK: - Benchmarks (release builds, run by Benchmarks/*/run.sh)

    .executableTarget(
      name: "ReadBenchmark",
      dependencies: ["InteractionData"],
      path: "Benchmarks/read/ReadBenchmark"
    ),
    .executableTarget(
      name: "RetrievalBenchmark",
      dependencies: ["Retrieval", "Evaluation", "LinearAlgebra"],
      path: "Benchmarks/retrieval/RetrievalBenchmark",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "IALSBenchmark",
      dependencies: ["IALS", "Evaluation", "InteractionData", "LinearAlgebra"],
      path: "Benchmarks/ials/IALSBenchmark",
      swiftSettings: swiftSettings
    ),

    // MARK: - Tests

    .target(
      name: "GramianTestSupport",
      dependencies: ["LinearAlgebra", "InteractionData", "Evaluation", "Retrieval", "Recommenders"],
      path: "Tests/GramianTestSupport"
    ),
    .testTarget(
      name: "LinearAlgebraTests",
      dependencies: ["LinearAlgebra", "GramianTestSupport"]
    ),
    .testTarget(
      name: "InteractionDataTests",
      dependencies: ["InteractionData", "GramianTestSupport"]
    ),
    .testTarget(
      name: "GramianCLITests",
      dependencies: ["GramianCLI", "QuickTour", "GramianTestSupport", "LinearAlgebra", "GramianServer"]
    ),
    .testTarget(
      name: "EvaluationTests",
      dependencies: ["Evaluation", "InteractionData", "GramianTestSupport"]
    ),
    .testTarget(
      name: "RetrievalTests",
      dependencies: ["Retrieval", "Evaluation", "InteractionData", "LinearAlgebra", "GramianKernels", "GramianTestSupport"]
    ),
    .testTarget(
      name: "IALSTests",
      dependencies: ["IALS", "Evaluation", "InteractionData", "GramianTestSupport"]
    ),
    .testTarget(
      name: "ComparisonTests",
      dependencies: ["Comparison", "Evaluation", "InteractionData", "TwoTower", "GramianTestSupport"]
    ),
    .testTarget(
      name: "TwoTowerTests",
      dependencies: ["TwoTower", "IALS", "Evaluation", "InteractionData", "LinearAlgebra", "GramianKernels", "GramianTestSupport"]
    ),
    .testTarget(
      name: "EASETests",
      dependencies: ["EASE", "Evaluation", "InteractionData", "LinearAlgebra", "GramianTestSupport"]
    ),
    .testTarget(
      name: "RecommendersTests",
      dependencies: ["Recommenders", "IALS", "TwoTower", "EASE", "Evaluation", "InteractionData", "GramianTestSupport"]
    ),
    .testTarget(
      name: "GramianServerTests",
      dependencies: [
        "GramianServer", "Gramian", "GramianTestSupport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Yams", package: "Yams"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .testTarget(
      name: "GramianFuzzingTests",
      dependencies: ["GramianFuzzing", "GramianTestSupport", "LinearAlgebra"]
    ),
    .testTarget(
      name: "DistributedIALSTests",
      dependencies: ["DistributedIALS", "Collectives", "IALS", "InteractionData", "LinearAlgebra", "GramianTestSupport"]
    ),
    .testTarget(
      name: "ChartsTests",
      dependencies: ["Charts", "GramianTestSupport"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
