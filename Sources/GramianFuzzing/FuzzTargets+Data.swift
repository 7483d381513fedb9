import Foundation
import InteractionData
import LinearAlgebra
import TwoTower

extension FuzzTargets {
  /// The text and binary data readers.
  static let dataTargets: [FuzzTarget] = [
    FuzzTarget("delimited", "delimited text (CSV, TSV, ::, pipes, whitespace); the first byte picks the reader options") { input in
      let o = OptionByte(input)
      var options = ReadOptions()
      options.format = [.delimited, .movielens, .auto, .delimited][o.bits(0, 2)]
      options.delimiter = [.auto, .comma, .tab, .whitespace, .doubleColon, .pipe, .auto, .comma][o.bits(2, 3)]
      options.header = [.auto, .present, .absent, .auto][o.bits(5, 2)]
      options.skipBadLines = o.bits(7, 1) == 1
      if o.bits(5, 2) == 3 { options.minRating = 3 }
      let path = try Scratch.file(o.bits(0, 2) == 1 ? "ratings.csv" : "input.txt", o.rest)
      // Differential: the C fast path and the threads (3 chunks, ids interned
      // in parallel) must read exactly as the general reader on one thread.
      var reference = options
      reference.fastParsing = false
      reference.parallelInterning = false
      var chunked = options
      chunked.parallelThreshold = 0
      chunked.threads = 3
      let expected = outcome(path, reference)
      precondition(outcome(path, options) == expected, "the fast path read \(path) differently")
      precondition(outcome(path, chunked) == expected, "a read in 3 chunks read \(path) differently")
      let (x, report) = try InteractionReader.read(path, options: options)
      try exercise(x)
      _ = report
    },
    singleFormatTarget("lists", "one user a line: `user item item ...`", format: .lists, file: "input.lists"),
    singleFormatTarget("mtx", "MatrixMarket coordinate files", format: .mtx, file: "input.mtx"),
    FuzzTarget("cache", "the binary interaction cache (checksum recomputed, so the structural checks are reached)") { input in
      let bytes = InteractionCache.resealed(Array(input))
      let path = try bytes.withUnsafeBytes { try Scratch.file("input.cache", $0) }
      try exercise(try InteractionCache.read(path))
    },
    FuzzTarget("npy", "NumPy .npy factor files (`evaluate --user-factors`)") { input in
      let m = try NPY.read(try Scratch.file("input.npy", input))
      precondition(m.storage.count == m.rows * m.columns)
    },
    FuzzTarget("features", "feature files (`id<TAB>field=value|value ...`) for ids 1...64") { input in
      let ids = IdMap(names: (1...64).map(String.init))
      let bags = try FeatureBags.read(try Scratch.file("input.features", input), ids: ids)
      _ = bags
    },
  ]

  /// A reader of one fixed format; the first byte's low bit sets `skipBadLines`.
  static func singleFormatTarget(_ name: String, _ summary: String, format: InputFormat, file: String) -> FuzzTarget {
    FuzzTarget(name, summary) { input in
      var options = ReadOptions()
      options.format = format
      let o = OptionByte(input)
      options.skipBadLines = o.bits(0, 1) == 1
      let (x, _) = try InteractionReader.read(try Scratch.file(file, o.rest), options: options)
      try exercise(x)
    }
  }

  /// A read's result, or its error's text, for differential checks.
  /// (Compared with `==`, not as text: the id maps' dictionaries print in an
  /// order that differs between equal dictionaries.)
  private enum Outcome: Equatable {
    case read(Interactions, ReadReport)
    case failed(String)
  }

  private static func outcome(_ path: String, _ options: ReadOptions) -> Outcome {
    do throws(DataError) {
      let (x, report) = try InteractionReader.read(path, options: options)
      return .read(x, report)
    } catch {
      return .failed("\(error)")
    }
  }

  /// What a command does next with data that loaded: check it, build the
  /// user x item matrix, split it.
  static func exercise(_ x: Interactions) throws {
    precondition(x.users.count == x.items.count && x.items.count == x.weights.count)
    precondition(x.users.allSatisfy { $0 >= 0 && Int($0) < x.userCount })
    precondition(x.items.allSatisfy { $0 >= 0 && Int($0) < x.itemCount })
    if let t = x.timestamps { precondition(t.count == x.count) }
    let m = InteractionMatrix(x)
    precondition(m.userCount == x.userCount)
    if x.count > 1 {
      let split = Splitter.randomHoldout(x, testFraction: 0.2, seed: 1)
      precondition(split.train.count + split.test.count <= x.count)
    }
  }
}
