#if MPI
import CMPI
import Collectives

/// `MPI_COMM_WORLD` of Open MPI as a ``Communicator``: one rank a process,
/// started by `mpirun`. Initialise once per process with
/// ``initialize()``, finish with ``finalize()``.
///
/// Only the calling thread talks to MPI (`MPI_THREAD_FUNNELED`); a rank's
/// worker threads solve rows between collectives. Errors are returned, not
/// fatal (`MPI_ERRORS_RETURN`), and become ``CollectiveError/communication(_:)``.
/// MPI's counts and displacements are 32-bit `int`s: exchanges and gathers
/// larger than 2^31 - 1 bytes in all are split into rounds.
public final class MPICommunicator: Communicator, @unchecked Sendable {
  public let rank: Int
  public let size: Int
  private let comm: MPI_Comm

  private init(comm: MPI_Comm) throws {
    self.comm = comm
    var r: Int32 = 0, s: Int32 = 0
    try Self.check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
    try Self.check(MPI_Comm_size(comm, &s), "MPI_Comm_size")
    rank = Int(r)
    size = Int(s)
  }

  /// Initialises MPI (once per process) and returns the world communicator.
  /// Run without `mpirun`, this is a group of one rank.
  public static func initialize() throws -> MPICommunicator {
    var provided: Int32 = 0
    try check(MPI_Init_thread(nil, nil, gramian_mpi_thread_funneled(), &provided), "MPI_Init_thread")
    let world = gramian_mpi_comm_world()!
    try check(MPI_Comm_set_errhandler(world, gramian_mpi_errors_return()), "MPI_Comm_set_errhandler")
    return try MPICommunicator(comm: world)
  }

  /// Ends MPI for this process (after the last collective).
  public func finalize() { MPI_Finalize() }

  /// Ends every rank of the job at once (for a failure that the ranks
  /// could not agree on, e.g. one rank is stuck).
  public func abort(code: Int32) -> Never {
    MPI_Abort(comm, code)
    fatalError("MPI_Abort returned")
  }

  public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
    try Self.check(MPI_Allreduce(gramian_mpi_in_place(), values.baseAddress, try Self.count(values.count), gramian_mpi_double(),
                                 gramian_mpi_sum(), comm), "MPI_Allreduce")
  }

  public func allreduceSum(_ values: UnsafeMutableBufferPointer<Int64>) throws {
    try Self.check(MPI_Allreduce(gramian_mpi_in_place(), values.baseAddress, try Self.count(values.count), gramian_mpi_int64(),
                                 gramian_mpi_sum(), comm), "MPI_Allreduce")
  }

  public func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws {
    try Self.check(MPI_Allreduce(gramian_mpi_in_place(), values.baseAddress, try Self.count(values.count), gramian_mpi_int64(),
                                 gramian_mpi_max(), comm), "MPI_Allreduce")
  }

  /// In rounds of at most 2^31 - 1 bytes in all when it must be (``Communicator/allToAllInRounds(send:sendCounts:receive:receiveCounts:limit:exchange:)``).
  public func allToAll(
    send: UnsafeRawBufferPointer, sendCounts: [Int], receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]
  ) throws {
    try allToAllInRounds(send: send, sendCounts: sendCounts, receive: receive, receiveCounts: receiveCounts,
                         limit: Int(Int32.max), exchange: alltoallv)
  }

  private func alltoallv(
    send: UnsafeRawBufferPointer, sendCounts: [Int], receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]
  ) throws {
    var sc = [Int32](), sd = [Int32](), rc = [Int32](), rd = [Int32]()
    var s = 0, r = 0
    for q in 0..<size {
      sc.append(try Self.count(sendCounts[q])); sd.append(try Self.count(s)); s += sendCounts[q]
      rc.append(try Self.count(receiveCounts[q])); rd.append(try Self.count(r)); r += receiveCounts[q]
    }
    // MPI wants non-null buffers even for zero counts on some transports.
    var dummy: UInt8 = 0
    try withUnsafeMutablePointer(to: &dummy) { (d) throws in
      try Self.check(
        MPI_Alltoallv(send.baseAddress ?? UnsafeRawPointer(d), sc, sd, gramian_mpi_byte(),
                      receive.baseAddress ?? UnsafeMutableRawPointer(d), rc, rd, gramian_mpi_byte(), comm),
        "MPI_Alltoallv")
    }
  }

  /// In rounds of at most 2^31 - 1 bytes in all when it must be.
  public func gather(_ send: UnsafeRawBufferPointer, counts: [Int], root: Int) throws -> [UInt8]? {
    try gatherInRounds(send, counts: counts, root: root, limit: Int(Int32.max)) { part, c in
      try gatherv(part, counts: c, root: root)
    }
  }

  private func gatherv(_ send: UnsafeRawBufferPointer, counts: [Int], root: Int) throws -> [UInt8]? {
    var rc = [Int32](), rd = [Int32]()
    var at = 0
    for q in 0..<size { rc.append(try Self.count(counts[q])); rd.append(try Self.count(at)); at += counts[q] }
    var out = [UInt8](repeating: 0, count: rank == root ? Swift.max(at, 1) : 1)
    var dummy: UInt8 = 0
    try withUnsafeMutablePointer(to: &dummy) { (d) throws in
      try out.withUnsafeMutableBytes { (o) throws in
        try Self.check(
          MPI_Gatherv(send.baseAddress ?? UnsafeRawPointer(d), try Self.count(send.count), gramian_mpi_byte(),
                      o.baseAddress, rc, rd, gramian_mpi_byte(), Int32(root), comm),
          "MPI_Gatherv")
      }
    }
    guard rank == root else { return nil }
    out.removeLast(out.count - at)
    return out
  }

  // MARK: Errors

  private static func count(_ n: Int) throws -> Int32 {
    guard n <= Int(Int32.max) else {
      throw CollectiveError.tooLarge("a message of \(n) bytes exceeds MPI's 2^31 - 1 count limit; run with more ranks")
    }
    return Int32(n)
  }

  private static func check(_ code: Int32, _ what: String) throws {
    guard code != gramian_mpi_success() else { return }
    var buffer = [CChar](repeating: 0, count: Int(gramian_mpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw CollectiveError.communication("\(what): \(text) (MPI error \(code))")
  }
}
#endif
