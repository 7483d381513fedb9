#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A read-mostly float buffer backed, where the kernel allows it, by 2 MiB
/// transparent huge pages (Linux `madvise(MADV_HUGEPAGE)` before the first
/// touch).
///
/// Why: the iALS row solvers read the fixed side's factor rows at random. At
/// 138K users x 128 floats (71 MB) that is 17K 4 KiB pages, far more than the
/// TLB covers, so most gathered rows also miss the TLB; with 2 MiB pages the
/// same matrix is 34 pages. Where huge pages are unavailable the buffer is an
/// ordinary anonymous mapping (same contents, same results).
///
/// Faulting huge pages in is not free (on VMs that report free pages to the
/// host, a fresh 2 MiB page costs a host fault), so a buffer is meant to be
/// allocated once and refilled with ``update(from:)``, not made per call.
///
/// - Complexity: O(count) to fill; the mapping is released by ``free()``.
public struct HugePageBuffer: @unchecked Sendable {
  /// The first float.
  public let base: UnsafeMutablePointer<Float>
  /// Floats in the buffer.
  public let count: Int
  private let mapped: UnsafeMutableRawPointer?
  private let mappedBytes: Int

  /// Buffers smaller than this are plain heap memory (no benefit below a
  /// few huge pages).
  public static let minimumBytes = 8 << 20
  /// False when the environment sets `GRAMIAN_HUGE_PAGES=0` (for A/B
  /// benchmarks; results are the same either way).
  public static let enabled: Bool = {
    guard let v = getenv("GRAMIAN_HUGE_PAGES") else { return true }
    return String(cString: v) != "0"
  }()
  private static let hugePage = 2 << 20

  /// A copy of `source` (`count` floats).
  public init(copying source: UnsafePointer<Float>, count: Int) {
    self.count = count
    let bytes = max(1, count) * MemoryLayout<Float>.stride
    #if os(Linux)
      if bytes >= Self.minimumBytes {
        // Over-allocate by one huge page so the start can be 2 MiB aligned.
        let total = bytes + Self.hugePage
        let p = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let p, p != MAP_FAILED {
          let address = UInt(bitPattern: p)
          let aligned = (address + UInt(Self.hugePage - 1)) & ~UInt(Self.hugePage - 1)
          let start = UnsafeMutableRawPointer(bitPattern: aligned)!
          _ = madvise(start, bytes, 14)  // MADV_HUGEPAGE; ignored where unsupported
          mapped = p
          mappedBytes = total
          base = start.bindMemory(to: Float.self, capacity: count)
          Self.copy(from: source, to: base, count: count)
          return
        }
      }
    #endif
    mapped = nil
    mappedBytes = 0
    base = .allocate(capacity: max(1, count))
    base.update(from: source, count: count)
  }

  /// Overwrites the contents with `count` floats from `source` (a buffer is
  /// filled once per half-step and reused, so its pages fault in only once).
  public func update(from source: UnsafePointer<Float>) {
    Self.copy(from: source, to: base, count: count)
  }

  /// Copies in 1 KiB pieces: glibc's memmove switches to `rep movsb` above
  /// about 2 KiB, which profiled several times slower than vector moves on
  /// the Zen VMs this project runs on.
  static func copy(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    var offset = 0
    while offset < count {
      let n = min(256, count - offset)
      (target + offset).update(from: source + offset, count: n)
      offset += n
    }
  }

  /// Releases the memory; the buffer must not be used afterwards.
  public func free() {
    if let mapped {
      munmap(mapped, mappedBytes)
    } else {
      base.deallocate()
    }
  }
}

extension HugePageBuffer {
  /// Asks for transparent huge pages on the 2 MiB-aligned interior of
  /// `bytes` bytes at `start`, memory not yet touched (e.g. a fresh
  /// `Array(unsafeUninitializedCapacity:)` of tens of MB, which glibc maps
  /// on its own): its first touch then faults 2 MiB at a time instead of
  /// 4 KiB. Does nothing below ``minimumBytes``, when ``enabled`` is false,
  /// or off Linux; the contents are the same either way.
  public static func advise(_ start: UnsafeMutableRawPointer, bytes: Int) {
    #if os(Linux)
      guard enabled, bytes >= minimumBytes else { return }
      let address = UInt(bitPattern: start)
      let first = (address + UInt(hugePage - 1)) & ~UInt(hugePage - 1)
      let last = (address + UInt(bytes)) & ~UInt(hugePage - 1)
      guard last > first, let p = UnsafeMutableRawPointer(bitPattern: first) else { return }
      _ = madvise(p, Int(last - first), 14)  // MADV_HUGEPAGE
    #endif
  }
}
