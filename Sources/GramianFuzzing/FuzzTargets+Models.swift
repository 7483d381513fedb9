import Evaluation
import Foundation
import IALS
import InteractionData
import LinearAlgebra
import Recommenders
import Retrieval
import TwoTower

extension FuzzTargets {
  /// The model files of each kind and the HNSW index. The checksum is
  /// recomputed over the mutated bytes before loading, so the fuzzer tests
  /// what the loader checks beyond it (a file with a valid checksum and
  /// invalid content is what a buggy writer or an attacker produces).
  static let modelTargets: [FuzzTarget] = [
    modelTarget("model-ials", "iALS model files"),
    modelTarget("model-two-tower", "two-tower model files"),
    modelTarget("model-popularity", "popularity model files"),
    modelTarget("model-ease", "EASE model files"),
    FuzzTarget("hnsw", "HNSW index files (checksum recomputed; searched after loading)") { input in
      let bytes = resealed(input, minimumCount: 16, checksum: HNSWChecksum.of)
      let path = try bytes.withUnsafeBytes { try Scratch.file("input.hnsw", $0) }
      let index = try HNSWIndex(contentsOf: path, checkInvariants: true)
      let query = (0..<index.dimension).map { Float($0 % 3) - 1 }
      for hit in index.search(query, k: 5, ef: 16) { precondition(hit.item >= 0 && Int(hit.item) < index.count) }
    },
  ]

  /// `input` with its last 8 bytes replaced by `checksum` of the bytes
  /// before them (little-endian), as the model and index files end; inputs
  /// shorter than `minimumCount` are returned unchanged.
  static func resealed(_ input: UnsafeRawBufferPointer, minimumCount: Int,
                       checksum: (UnsafeRawBufferPointer) -> UInt64) -> [UInt8] {
    var bytes = Array(input)
    guard bytes.count >= minimumCount else { return bytes }
    let sum = bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 8)])) }
    withUnsafeBytes(of: sum.littleEndian) { bytes.replaceSubrange((bytes.count - 8)..., with: $0) }
    return bytes
  }

  /// A target that loads through ``ModelFile/load(_:)`` (whatever the kind:
  /// the corpus of each target holds its kind's files) and then uses the
  /// model as the command line and the server do.
  static func modelTarget(_ name: String, _ summary: String) -> FuzzTarget {
    FuzzTarget(name, summary + " (checksum recomputed; the loaded model is used)") { input in
      let bytes = resealed(input, minimumCount: 20, checksum: ModelContainer.checksum)
      let path = try bytes.withUnsafeBytes { try Scratch.file("input.gramian", $0) }
      try exercise(try ModelFile.load(path))
    }
  }

  /// Everything a loaded model must survive: names of its ids, scores,
  /// top-K for a known user, a folded-in history, similar items, the prior.
  static func exercise(_ model: any Recommender) throws {
    let users = model.userCount, items = model.itemCount
    precondition(model.userIds.count == users && model.itemIds.count == items)
    if users > 0 {
      _ = model.userIds.name(of: 0)
      for hit in model.recommend(user: users - 1, k: 5) {
        precondition(hit.item >= 0 && Int(hit.item) < items)
        _ = model.itemIds.name(of: hit.item)
      }
      if items > 0 { _ = model.score(user: 0, item: items - 1) }
      _ = model.seenItems(ofUser: users - 1)
    }
    if items > 0 {
      _ = try? model.recommend(history: [0, Int32(items - 1)], k: 5)
      for hit in model.similarItems(to: items - 1, k: 5) { precondition(Int(hit.item) < items) }
      _ = try? model.withPrior(exponent: 0.5).recommend(vector: model.meanUserVector, k: 3)
    }
  }
}
