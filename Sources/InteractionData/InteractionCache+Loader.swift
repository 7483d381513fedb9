#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import LinearAlgebra
import Synchronization

/// A cache file open for reading its payload sections straight into fresh
/// arrays.
///
/// Sections are read in ``CacheChecksum/blockSize`` blocks with one
/// `pread(2)` each; every block is hashed (and, for index sections, its
/// largest value found) right after it is read, while it is still in the
/// CPU cache, so the load is one pass over memory. Blocks are handed out
/// to two threads from a shared counter, after any extra jobs (the id maps),
/// so the threads stay busy until the end.
final class CacheFile {
  let path: String
  let fd: Int32
  let size: Int

  init(path: String) throws(DataError) {
    _ = try MappedFile.checkRegularFile(path)  // missing file / directory messages
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw DataError(.unreadable, file: path, "cannot open the file (\(String(cString: strerror(errno))))")
    }
    var info = stat()
    fstat(fd, &info)
    self.path = path
    self.fd = fd
    size = Int(info.st_size)
  }

  deinit { close(fd) }

  func corrupt(_ message: String) -> DataError {
    DataError(
      .corrupt, file: path, "corrupt interaction cache: \(message)",
      hint: "delete the cache file and rebuild it from the source data")
  }

  /// Where one section lies in the file and where its bytes go.
  struct Section: @unchecked Sendable {
    var offset: Int
    var byteCount: Int
    var destination: UnsafeMutableRawPointer?
    /// Whether to find the largest value, read as UInt32 (Int32 indices).
    var checkIndices = false
    var blocks: Int { (byteCount + CacheChecksum.blockSize - 1) / CacheChecksum.blockSize }
  }

  /// What the reader of one block found.
  struct BlockResult {
    var hash: UInt64 = 0
    /// Largest value as UInt32 (a negative index counts as huge); index sections only.
    var largest: UInt32 = 0
    /// 0 ok, -1 early end of file, else errno.
    var status: Int32 = 0
  }

  /// Reads `count` bytes at `offset` (the header).
  func readBytes(at offset: Int, count: Int) throws(DataError) -> [UInt8] {
    var status: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      status = readFully(fd, UnsafeMutableRawBufferPointer(buffer), at: offset)
      initialized = count
    }
    if let e = failure(in: [[BlockResult(status: status)]]) { throw e }
    return bytes
  }

  /// Reads `sections` into their destinations, running `jobs` first on the
  /// same threads; returns the block results of each section in order.
  /// Uses two threads once there is more than one block in all.
  /// - Complexity: O(total bytes).
  func load(_ sections: [Section], hashed: Bool = true, jobs: [@Sendable () -> Void] = []) -> [[BlockResult]] {
    let firstBlock = sections.reduce(into: [0]) { $0.append($0.last! + $1.blocks) }
    let total = firstBlock.last!
    let results = UnsafeMutableBufferPointer<BlockResult>.allocate(capacity: max(1, total))
    results.initialize(repeating: BlockResult())
    defer { results.deallocate() }
    let out = SendablePointer(results.baseAddress!)
    let fd = fd
    let queue = WorkQueue()
    let work = jobs.count + total
    let threads = work > 1 ? min(2, Parallel.availableThreads) : 1
    Parallel.forEach(threads, threads: threads, grain: 1) { _, _ in
      while true {
        let i = queue.next()
        guard i < work else { return }
        if i < jobs.count {
          jobs[i]()
          continue
        }
        let global = i - jobs.count
        var s = 0
        while firstBlock[s + 1] <= global { s += 1 }
        let section = sections[s]
        let lo = (global - firstBlock[s]) * CacheChecksum.blockSize
        let n = min(section.byteCount - lo, CacheChecksum.blockSize)
        let block = UnsafeMutableRawBufferPointer(start: section.destination! + lo, count: n)
        let status = readFully(fd, block, at: section.offset + lo)
        let done = UnsafeRawBufferPointer(block)
        out.base[global] = BlockResult(
          hash: hashed && status == 0 ? CacheChecksum.blockHash(done) : 0,
          largest: section.checkIndices && status == 0 ? largestIndex(done) : 0, status: status)
      }
    }
    return sections.indices.map { Array(results[firstBlock[$0]..<firstBlock[$0 + 1]]) }
  }

  /// The first read failure among `results`, as a DataError.
  func failure(in results: [[BlockResult]]) -> DataError? {
    for r in results.joined() where r.status != 0 {
      return r.status < 0
        ? corrupt("truncated while reading")
        : DataError(.unreadable, file: path, "read failed (\(String(cString: strerror(r.status))))")
    }
    return nil
  }
}

/// Hands out job indices 0, 1, 2, ... to the threads of one load.
private final class WorkQueue: Sendable {
  private let counter = Atomic<Int>(0)
  func next() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

/// Fills `block` from `fd` at file offset `at`; returns 0, -1 at an early end
/// of file (the rest of the block is zeroed), or the `errno` of a failure.
private func readFully(_ fd: Int32, _ block: UnsafeMutableRawBufferPointer, at: Int) -> Int32 {
  guard let base = block.baseAddress else { return 0 }
  var done = 0
  while done < block.count {
    let n = pread(fd, base + done, block.count - done, off_t(at + done))
    if n < 0 && errno == EINTR { continue }
    if n <= 0 {
      let e = n == 0 ? -1 : errno
      memset(base + done, 0, block.count - done)
      return e
    }
    done += n
  }
  return 0
}

/// The largest of the Int32 values in `bytes`, compared as UInt32 (so a
/// negative index counts as huge and fails any range check).
/// - Complexity: O(bytes.count), vectorised by the compiler.
private func largestIndex(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
  let values = bytes.bindMemory(to: UInt32.self)
  var m0: UInt32 = 0, m1: UInt32 = 0, m2: UInt32 = 0, m3: UInt32 = 0
  var i = 0
  while i + 4 <= values.count {
    m0 = max(m0, values[i])
    m1 = max(m1, values[i + 1])
    m2 = max(m2, values[i + 2])
    m3 = max(m3, values[i + 3])
    i += 4
  }
  while i < values.count {
    m0 = max(m0, values[i])
    i += 1
  }
  return max(max(m0, m1), max(m2, m3))
}
