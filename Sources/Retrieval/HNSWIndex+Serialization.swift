import Foundation
import InteractionData

/// The on-disk format (little-endian), version 2:
///
///     offset  size  field
///     0       8     magic "GRHNSW\0\n"
///     8       4     format version (UInt32)
///     12      4     metric (0 inner product, 1 augmented)
///     16      8x7   dimension, count, M, efConstruction, seed, upper link
///                   count (Int32s), entry point (Int64; -1 when empty)
///     72      8     top level (Int64)
///     80      4     phi (Float32), then 4 bytes of zero
///     88      8     fingerprint of the vectors the index was built from
///                   (``HNSWIndex/fingerprint(of:)``; 0 when unknown)
///     96      ...   levels (count Int32), vectors (count·dimension Float32),
///                   augmentation (count Float32), level-0 lists
///                   (count·(2M+1) Int32), upper lists (Int32s)
///     end-8   8     checksum of every byte before it (``HNSWChecksum``)
///
/// Version 1 is the same without the fingerprint (an 88-byte header); it is
/// still read, and its indexes are checked against a model by comparing
/// vectors. Writes are atomic (a temporary file renamed over the target).
extension HNSWIndex {
  static let magic: [UInt8] = Array("GRHNSW\0\n".utf8)
  /// The format version this build writes and reads.
  public static let formatVersion: UInt32 = 2
  /// The header size of each format version.
  static func headerSize(version: UInt32) -> Int { version >= 2 ? 96 : 88 }
  static var headerSize: Int { headerSize(version: formatVersion) }

  /// Saves the index to `path` atomically.
  public func write(to path: String) throws(DataError) {
    let data = encoded()
    try AtomicFile.write(data, to: path)
  }

  /// The file image of the index.
  func encoded() -> Data {
    let s = storage
    var out = Data()
    out.reserveCapacity(Self.headerSize + 8 + s.count * (4 * s.dimension + 8 + 4 * s.baseStride) + 4 * s.upperCount)
    out.append(contentsOf: Self.magic)
    out.appendLE(Self.formatVersion)
    out.appendLE(UInt32(s.configuration.metric == .innerProduct ? 0 : 1))
    for v in [s.dimension, s.count, s.M, s.configuration.efConstruction] { out.appendLE(UInt64(v)) }
    out.appendLE(s.configuration.seed)
    out.appendLE(UInt64(s.upperCount))
    out.appendLE(Int64(s.entry))
    out.appendLE(Int64(s.maxLevel))
    out.appendLE(s.phi.bitPattern)
    out.appendLE(UInt32(0))
    out.appendLE(sourceFingerprint ?? 0)
    out.appendRaw(s.levels, s.count)
    out.appendRaw(s.vectors, s.count * s.dimension)
    out.appendRaw(s.augment, s.count)
    out.appendRaw(s.base, s.count * s.baseStride)
    out.appendRaw(s.upper, s.upperCount)
    let sum = out.withUnsafeBytes { HNSWChecksum.of($0) }
    out.appendLE(sum)
    return out
  }

  /// Loads an index written by ``write(to:)``.
  ///
  /// Throws a `DataError` naming the file when it is missing, not an index,
  /// of another format version, truncated (with expected and found sizes),
  /// corrupt (checksum), or structurally invalid (links out of bounds).
  public init(contentsOf path: String, checkInvariants: Bool? = nil) throws(DataError) {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw DataError(.missingFile, file: path, "the index file does not exist", hint: "build one with \(OptionKey.buildIndex)")
    }
    guard !isDir.boolValue else {
      throw DataError(.notAFile, file: path, "is a folder, expected an index file", hint: "give the file written by \(OptionKey.buildIndex)")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
      throw DataError(.unreadable, file: path, "cannot read the index (\(String(describing: error)))",
                      hint: "check the file's permissions")
    }
    let decoded: Result<HNSWIndex, DataError> = data.withUnsafeBytes { raw in
      do throws(DataError) {
        return .success(try HNSWIndex.decode(raw, path: path, checkInvariants: checkInvariants))
      } catch {
        return .failure(error)
      }
    }
    self = try decoded.get()
  }

  static func decode(_ raw: UnsafeRawBufferPointer, path: String, checkInvariants: Bool?) throws(DataError) -> HNSWIndex {
    func fail(_ kind: DataError.Kind, _ message: String, hint: Advice? = nil) -> DataError {
      DataError(kind, file: path, message, hint: hint ?? "rebuild it with \(OptionKey.buildIndex)")
    }
    guard raw.count >= 8, Array(raw.prefix(8)) == magic else {
      throw fail(.badFormat, "not a Gramian HNSW index (bad magic number)", hint: "pass a file written by \(OptionKey.buildIndex)")
    }
    guard raw.count >= 12 else {
      throw fail(.corrupt, "truncated index: \(raw.count) bytes, shorter than its header")
    }
    var r = ByteCursor(raw: raw, offset: 8)
    let version: UInt32 = r.read()
    guard version == 1 || version == formatVersion else {
      throw fail(.badFormat, "index format version \(version), this build reads versions 1 and \(formatVersion)")
    }
    let header = Self.headerSize(version: version)
    guard raw.count >= header + 8 else {
      throw fail(.corrupt, "truncated index: \(raw.count) bytes, shorter than the \(header + 8)-byte header and checksum")
    }
    let metricCode: UInt32 = r.read()
    let dimension = Int(clamping: r.read() as UInt64), count = Int(clamping: r.read() as UInt64)
    let m = Int(clamping: r.read() as UInt64), efc = Int(clamping: r.read() as UInt64)
    let seed: UInt64 = r.read()
    let upperCount = Int(clamping: r.read() as UInt64)
    let entry: Int64 = r.read(), top: Int64 = r.read()
    let phi = Float(bitPattern: r.read())
    let padding: UInt32 = r.read()
    let fingerprint: UInt64 = version >= 2 ? r.read() : 0
    assert(r.offset == header)
    guard padding == 0, metricCode <= 1, dimension >= 1, dimension < 1 << 20, m >= 2, m < 1 << 16,
          count >= 0, count < Int(Int32.max), upperCount >= 0, upperCount < 1 << 40 else {
      throw fail(.corrupt, "index header has impossible values (dimension \(dimension), count \(count), M \(m))")
    }
    let expected = header + 4 * (count + count * dimension + count + count * (2 * m + 1) + upperCount) + 8
    guard raw.count == expected else {
      throw fail(.corrupt, raw.count < expected
        ? "truncated index: \(raw.count) bytes, the header announces \(expected)"
        : "index has \(raw.count - expected) bytes beyond the \(expected) its header announces")
    }
    let stored = raw.loadUnaligned(fromByteOffset: expected - 8, as: UInt64.self)
    guard HNSWChecksum.of(UnsafeRawBufferPointer(rebasing: raw[0..<(expected - 8)])) == UInt64(littleEndian: stored) else {
      throw fail(.corrupt, "index checksum mismatch: the file is damaged")
    }
    var configuration = Configuration(M: m, efConstruction: efc, metric: metricCode == 0 ? .innerProduct : .augmented, seed: seed)
    if let checkInvariants { configuration.checkInvariants = checkInvariants }
    var index = HNSWIndex(dimension: dimension, configuration: configuration)
    let s = index.storage
    var levels = [Int32](repeating: 0, count: count)
    r.copy(into: &levels)
    let lists = levels.reduce(0, { $0 + Int($1) })
    guard levels.allSatisfy({ $0 >= 0 && Int64($0) <= top }), lists * (m + 1) == upperCount else {
      throw fail(.corrupt, "index levels (\(lists) upper lists, top \(levels.max() ?? -1)) disagree with its header (\(upperCount) upper Int32s, top \(top))")
    }
    var vectors = [Float](repeating: 0, count: count * dimension)
    r.copy(into: &vectors)
    vectors.withUnsafeBufferPointer { v in _ = s.append(vectors: v.baseAddress ?? UnsafePointer(bitPattern: 8)!, levels: levels) }
    r.copy(into: s.augment, count: count)
    r.copy(into: s.base, count: count * s.baseStride)
    r.copy(into: s.upper, count: upperCount)
    s.entry = Int32(clamping: entry)
    s.maxLevel = Int32(clamping: top)
    s.phi = phi
    if !s.linksWithinBounds() {
      throw fail(.corrupt, "index has links outside its \(count) items")
    }
    if configuration.checkInvariants {
      let problems = index.invariantViolations()
      if !problems.isEmpty { throw fail(.corrupt, "index violates HNSW invariants: \(problems.prefix(3).joined(separator: "; "))") }
    }
    index.storage = s
    index.sourceFingerprint = fingerprint == 0 ? nil : fingerprint
    return index
  }
}

extension HNSWStorage {
  /// Whether counts and link ids are within bounds (so a loaded graph can be
  /// searched without out-of-range reads). O(n · M · levels).
  func linksWithinBounds() -> Bool {
    guard count == 0 ? entry == -1 : (entry >= 0 && Int(entry) < count && levels[Int(entry)] == maxLevel) else { return false }
    for i in 0..<count {
      for level in 0...Int(levels[i]) {
        let l = links(Int32(i), level)
        guard l[0] >= 0, Int(l[0]) <= linkCapacity(level) else { return false }
        for j in 0..<Int(l[0]) {
          let t = l[1 + j]
          guard t >= 0, Int(t) < count, levels[Int(t)] >= level else { return false }
        }
      }
    }
    return true
  }
}

/// A 64-bit checksum of a byte string: FNV-1a over little-endian 8-byte
/// words (the tail zero-padded), then a final avalanche mix. Detects any
/// single flipped bit and truncation; not cryptographic. About 1 GB/s.
public enum HNSWChecksum {
  public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    let words = bytes.count / 8
    for w in 0..<words {
      h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self))) &* 0x0000_0100_0000_01b3
    }
    var tail: UInt64 = 0
    for (j, b) in bytes[(8 * words)...].enumerated() { tail |= UInt64(b) << (8 * UInt64(j)) }
    h = (h ^ tail ^ UInt64(bytes.count)) &* 0x0000_0100_0000_01b3
    h ^= h >> 33; h &*= 0xff51_afd7_ed55_8ccd; h ^= h >> 33
    return h
  }
}

/// Reads little-endian values from a raw buffer whose size was checked.
struct ByteCursor {
  let raw: UnsafeRawBufferPointer
  var offset: Int

  mutating func read<T: FixedWidthInteger>() -> T {
    let v = raw.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
    return T(littleEndian: v)
  }

  mutating func copy<T>(into array: inout [T]) {
    array.withUnsafeMutableBufferPointer { b in
      if let p = b.baseAddress { copy(into: p, count: b.count) }
    }
  }

  mutating func copy<T>(into p: UnsafeMutablePointer<T>, count: Int) {
    let bytes = count * MemoryLayout<T>.stride
    UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress! + offset, byteCount: bytes)
    offset += bytes
  }
}

extension Data {
  mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
    Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
  }

  mutating func appendRaw<T>(_ p: UnsafePointer<T>, _ count: Int) {
    append(UnsafeRawBufferPointer(start: p, count: count * MemoryLayout<T>.stride).bindMemory(to: UInt8.self))
  }
}
