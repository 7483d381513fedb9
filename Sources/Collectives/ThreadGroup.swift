import Foundation

/// `size` ranks as threads of this process, sharing memory through a
/// mailbox: the same collectives as MPI, for tests of distributed code and
/// for running it without MPI. Reductions add in rank order.
///
/// ```swift
/// let results = ThreadGroup.run(ranks: 3) { comm in try fitPart(comm) }
/// ```
public enum ThreadGroup {
  /// Runs `body` once per rank, each on its own thread, and returns each
  /// rank's result by rank. A rank that throws does not stop the others:
  /// use ``Communicator/agree(_:)`` at the points where ranks must stop together.
  public static func run<R: Sendable>(
    ranks: Int, _ body: @escaping @Sendable (any Communicator) throws -> R
  ) -> [Result<R, any Error>] {
    precondition(ranks >= 1)
    let shared = Mailbox(size: ranks)
    let results = ResultSlots<R>(count: ranks)
    let done = DispatchGroup()
    for r in 0..<ranks {
      done.enter()
      let thread = Thread {
        let comm = ThreadCommunicator(rank: r, shared: shared)
        results.set(r, Result { try body(comm) })
        done.leave()
      }
      thread.stackSize = 8 << 20
      thread.start()
    }
    done.wait()
    return results.all
  }
}

private final class ResultSlots<R: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [Result<R, any Error>?]
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func set(_ i: Int, _ r: Result<R, any Error>) { lock.withLock { slots[i] = r } }
  var all: [Result<R, any Error>] { lock.withLock { slots.map { $0! } } }
}

/// What the ranks of one group share: one posted buffer per rank and a
/// reusable barrier.
final class Mailbox: @unchecked Sendable {
  let size: Int
  private let condition = NSCondition()
  private var arrived = 0
  private var generation = 0
  /// Rank r's posted pointer and counts for the current collective.
  var posted: [UnsafeRawPointer?]
  var postedCounts: [[Int]]

  init(size: Int) {
    self.size = size
    posted = Array(repeating: nil, count: size)
    postedCounts = Array(repeating: [], count: size)
  }

  /// Blocks until all ranks have called it (for this generation).
  func barrier() {
    condition.lock()
    let g = generation
    arrived += 1
    if arrived == size {
      arrived = 0
      generation += 1
      condition.broadcast()
    } else {
      while generation == g { condition.wait() }
    }
    condition.unlock()
  }

  func post(_ rank: Int, _ p: UnsafeRawPointer?, counts: [Int] = []) {
    condition.lock()
    posted[rank] = p
    postedCounts[rank] = counts
    condition.unlock()
  }

  func read(_ rank: Int) -> (UnsafeRawPointer?, [Int]) {
    condition.lock()
    defer { condition.unlock() }
    return (posted[rank], postedCounts[rank])
  }
}

/// One rank of a ``ThreadGroup``.
final class ThreadCommunicator: Communicator, @unchecked Sendable {
  let rank: Int
  let shared: Mailbox
  var size: Int { shared.size }

  init(rank: Int, shared: Mailbox) {
    self.rank = rank
    self.shared = shared
  }

  func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
    reduce(values) { $0 + $1 }
  }

  func allreduceSum(_ values: UnsafeMutableBufferPointer<Int64>) throws {
    reduce(values) { $0 &+ $1 }
  }

  func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws {
    reduce(values) { Swift.max($0, $1) }
  }

  /// Every rank posts its buffer; each computes the reduction in rank
  /// order into a private copy; after a second barrier each writes its own.
  private func reduce<T>(_ values: UnsafeMutableBufferPointer<T>, _ op: (T, T) -> T) {
    shared.post(rank, values.baseAddress.map { UnsafeRawPointer($0) }, counts: [values.count])
    shared.barrier()
    var result = [T]()
    result.reserveCapacity(values.count)
    for q in 0..<size {
      let (p, counts) = shared.read(q)
      precondition(counts == [values.count], "ranks reduce different counts")
      guard let p else { continue }
      let v = p.assumingMemoryBound(to: T.self)
      if q == 0 {
        for j in 0..<values.count { result.append(v[j]) }
      } else {
        for j in 0..<values.count { result[j] = op(result[j], v[j]) }
      }
    }
    shared.barrier()
    for j in 0..<values.count { values[j] = result[j] }
  }

  func allToAll(
    send: UnsafeRawBufferPointer, sendCounts: [Int], receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]
  ) throws {
    precondition(sendCounts.count == size && receiveCounts.count == size)
    shared.post(rank, send.baseAddress, counts: sendCounts)
    shared.barrier()
    var at = 0
    for q in 0..<size {
      let (p, counts) = shared.read(q)
      precondition(counts[rank] == receiveCounts[q], "rank \(q) sends \(counts[rank]) bytes, rank \(rank) expects \(receiveCounts[q])")
      let offset = counts[..<rank].reduce(0, +)
      if receiveCounts[q] > 0 {
        receive.baseAddress!.advanced(by: at).copyMemory(from: p!.advanced(by: offset), byteCount: receiveCounts[q])
      }
      at += receiveCounts[q]
    }
    shared.barrier()
  }

  func gather(_ send: UnsafeRawBufferPointer, counts: [Int], root: Int) throws -> [UInt8]? {
    precondition(counts[rank] == send.count)
    shared.post(rank, send.baseAddress, counts: [send.count])
    shared.barrier()
    var out: [UInt8]? = nil
    if rank == root {
      var bytes = [UInt8]()
      bytes.reserveCapacity(counts.reduce(0, +))
      for q in 0..<size {
        let (p, c) = shared.read(q)
        if c[0] > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: c[0])) }
      }
      out = bytes
    }
    shared.barrier()
    return out
  }
}
