extension InteractionCache {
  /// `bytes` with the header's checksum recomputed over the sections the
  /// header announces, so that a test or a fuzzer can hand the loader a
  /// file whose checksum is right but whose content is not (the loader's
  /// structural checks are then what stands between it and a crash).
  /// Inputs too short for their header are returned unchanged.
  package static func resealed(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= CacheHeader.size, Array(bytes[0..<8]) == CacheHeader.magic else { return bytes }
    let h = CacheHeader(decoding: Array(bytes[0..<CacheHeader.size]))
    let n = h.events
    let limit = UInt64(bytes.count)
    guard n <= limit, h.users <= limit, h.items <= limit, h.userNameBytes <= limit, h.itemNameBytes <= limit else {
      return bytes
    }
    let sizes = [4 * n, 4 * n, 4 * n, h.hasTimestamps ? 8 * n : 0, 8 * h.users, h.userNameBytes, 8 * h.items, h.itemNameBytes]
    var sum = CacheChecksum()
    var offset = CacheHeader.size
    for size in sizes.map(Int.init) {
      let end = min(bytes.count, offset + size)
      bytes.withUnsafeBytes { sum.update(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
      offset = end
    }
    var out = bytes
    withUnsafeBytes(of: sum.value.littleEndian) { out.replaceSubrange(56..<64, with: $0) }
    return out
  }
}
