/// The 64-bit checksum of an ``InteractionCache`` payload (format version 2),
/// for detecting damaged or edited caches (not a cryptographic hash).
///
/// Each section (one array) is cut into blocks of ``blockSize`` bytes from
/// its start; every block is hashed on its own by ``blockHash(_:)``, so the
/// loader can hash blocks on several threads while they are still in cache
/// right after being read. The checksum folds the block hashes in file
/// order, then each section's length, so the order of blocks and the section
/// boundaries count.
struct CacheChecksum {
  /// Bytes per independently hashed block: 256 KiB, so a block just read
  /// stays in the L2 cache (512 KiB on Zen 3) while it is hashed.
  static let blockSize = 1 << 18

  private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

  private static let m: UInt64 = 0x9E37_79B9_7F4A_7C15

  @inline(__always)
  static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
    let x = (h ^ w) &* m
    return x ^ (x >> 31)
  }

  /// The hash of one block: eight independent multiply-xorshift lanes over
  /// 8-byte words (one multiply a word; the lanes keep the multiplier busy,
  /// about 8 bytes a cycle), folded together with the length.
  /// - Complexity: O(bytes.count).
  static func blockHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    let n = bytes.count
    guard let p = bytes.baseAddress else { return mix(0x243F_6A88_85A3_08D3, 0) }
    var a0: UInt64 = 0x243F_6A88_85A3_08D3, a1: UInt64 = 0x1319_8A2E_0370_7344
    var a2: UInt64 = 0xA409_3822_299F_31D0, a3: UInt64 = 0x082E_FA98_EC4E_6C89
    var a4: UInt64 = 0x4528_21E6_38D0_1377, a5: UInt64 = 0xBE54_66CF_34E9_0C6C
    var a6: UInt64 = 0xC0AC_29B7_C97C_50DD, a7: UInt64 = 0x3F84_D5B5_B547_0917
    var i = 0
    while i + 64 <= n {
      a0 = mix(a0, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
      a1 = mix(a1, p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
      a2 = mix(a2, p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
      a3 = mix(a3, p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
      a4 = mix(a4, p.loadUnaligned(fromByteOffset: i + 32, as: UInt64.self))
      a5 = mix(a5, p.loadUnaligned(fromByteOffset: i + 40, as: UInt64.self))
      a6 = mix(a6, p.loadUnaligned(fromByteOffset: i + 48, as: UInt64.self))
      a7 = mix(a7, p.loadUnaligned(fromByteOffset: i + 56, as: UInt64.self))
      i += 64
    }
    while i + 8 <= n {
      a0 = mix(a0, p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
      i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < n {
      tail |= UInt64(bytes[i]) << shift
      shift += 8
      i += 1
    }
    a1 = mix(a1, tail)
    var h = mix(a0, a1 &+ 1)
    h = mix(mix(mix(h, a2), a3), a4)
    h = mix(mix(mix(h, a5), a6), a7)
    return mix(h, UInt64(n))
  }

  /// Folds in the hash of the next block of the current section.
  mutating func add(blockHash: UInt64) { value = Self.mix(value, blockHash) }

  /// Closes a section of `byteCount` bytes (after its blocks were added).
  mutating func endSection(byteCount: Int) { value = Self.mix(value, UInt64(byteCount) &+ 0x5EC7_10E5) }

  /// Adds one whole section: its blocks in order, then its length. The
  /// sequential reference for what the loader computes block by block.
  /// - Complexity: O(bytes.count).
  mutating func update(_ bytes: UnsafeRawBufferPointer) {
    var start = 0
    while start < bytes.count {
      let end = min(bytes.count, start + Self.blockSize)
      add(blockHash: Self.blockHash(UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
      start = end
    }
    endSection(byteCount: bytes.count)
  }

  mutating func update<T: BitwiseCopyable>(_ array: [T]) {
    array.withUnsafeBytes { update($0) }
  }
}
