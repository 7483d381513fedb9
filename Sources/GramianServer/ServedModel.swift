import Foundation
import Gramian

/// One loaded model and its index, immutable once built: requests hold a
/// reference for their whole lifetime, so a reload never changes a model
/// under a request in flight.
public final class ServedModel: Sendable {
  public let model: any Recommender
  /// The HNSW index, checked against the model's vectors (bias included).
  public let index: HNSWIndex?
  public let ef: Int
  /// `<kind>-<checksum>`: the model file's own checksum (its last 8 bytes),
  /// so the same file always has the same version.
  public let version: String
  public let path: String
  public let loadedAt: Date
  /// Wall seconds to read the model (and index).
  public let loadSeconds: Double
  /// The model's average user (``Recommender/meanUserVector``): the
  /// `--unknown popular` query.
  let meanUser: [Float]
  /// Batches concurrent exact requests on ``model`` (no per-request prior).
  let batcher: RecommendBatcher
  /// Models with another prior exponent, made on first use.
  private let variants = Locked<[Float: Variant]>([:])

  struct Variant: Sendable {
    let model: any Recommender
    /// False when the index no longer fits (another bias): exact search.
    let indexFits: Bool
  }

  /// Loads `path` (and `indexPath`), refusing an index built for another
  /// model or another prior exponent.
  public init(path: String, indexPath: String?, ef: Int, maxBatch: Int = 32) throws {
    let clock = ContinuousClock(), start = clock.now
    let model = try ModelFile.load(path)
    model.prepareFoldIn()  // the first fold-in request does not pay for the item Gram matrix
    var index: HNSWIndex? = nil
    if let indexPath {
      let loaded = try HNSWIndex(contentsOf: indexPath)
      if let why = model.indexMismatch(loaded) {
        throw DataError(.badFormat, file: indexPath, "the index does not belong to \(path): \(why)",
                        hint: "rebuild it with \(OptionKey.buildIndex)")
      }
      index = loaded
    }
    self.model = model
    self.index = index
    self.ef = ef
    self.path = path
    version = "\(model.kind)-\(try Self.checksum(path))"
    meanUser = model.meanUserVector
    batcher = RecommendBatcher(model: model, maxBatch: maxBatch)
    loadedAt = Date()
    let d = start.duration(to: clock.now)
    loadSeconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  /// The model to score with for `priorExponent` (nil: the model as saved),
  /// and whether the index still fits it.
  func variant(priorExponent: Float?) throws -> Variant {
    guard let beta = priorExponent else { return Variant(model: model, indexFits: index != nil) }
    if let v = variants.withLock({ $0[beta] }) { return v }
    let m: any Recommender
    do { m = try model.withPrior(exponent: beta) } catch {
      throw APIError(.unprocessableContent, "prior_unsupported", "prior_exponent: \(error)")
    }
    let v = Variant(model: m, indexFits: index.map { m.indexMismatch($0) == nil } ?? false)
    variants.withLock { cache in
      if cache.count >= 16 { cache.removeAll() }  // bounded: a client cycling exponents cannot grow it
      cache[beta] = v
    }
    return v
  }

  /// The last 8 bytes of a model file (its checksum) in hex.
  static func checksum(_ path: String) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    let size = try handle.seekToEnd()
    guard size >= 8 else { return "0" }
    try handle.seek(toOffset: size - 8)
    let bytes = try handle.read(upToCount: 8) ?? Data()
    return bytes.reversed().map { String(format: "%02x", $0) }.joined()
  }
}

/// The model being served, swapped atomically by reloads.
public final class ModelStore: Sendable {
  private let current: Locked<ServedModel>
  private let reloading = Locked(false)

  public init(_ model: ServedModel) {
    current = Locked(model)
  }

  /// The model to answer one request with (hold it for the whole request).
  public var model: ServedModel { current.withLock { $0 } }

  /// Loads the model (and index) beside the current one and swaps them;
  /// on failure the current model keeps serving and the error is thrown.
  /// Concurrent reloads are serialised (the second waits its turn by
  /// failing fast with `reload_in_progress`).
  public func reload(path: String, indexPath: String?, ef: Int, maxBatch: Int = 32) throws -> (old: ServedModel, new: ServedModel) {
    guard reloading.withLock({ busy in
      if busy { return false }
      busy = true
      return true
    }) else {
      throw APIError(.conflict, "reload_in_progress", "a reload is already running; retry when it ends")
    }
    defer { reloading.withLock { $0 = false } }
    let fresh = try ServedModel(path: path, indexPath: indexPath, ef: ef, maxBatch: maxBatch)
    let old = current.withLock { cur in
      let old = cur
      cur = fresh
      return old
    }
    return (old, fresh)
  }
}
