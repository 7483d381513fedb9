/// A fixed group of `size` processes (ranks) that run the same program and
/// meet in collective operations: the primitives a distributed fit needs,
/// with the semantics of MPI's (every rank calls every collective, in the
/// same order, with matching counts).
///
/// Two implementations: `MPICommunicator` (module GramianMPI, Open MPI,
/// one rank a process) and ``ThreadGroup`` (ranks as threads of one process,
/// for tests and for checking a distributed algorithm without MPI).
///
/// Every operation is deterministic for a given rank count: reductions add
/// in a fixed order, so repeated runs give bit-identical results.
public protocol Communicator: AnyObject, Sendable {
  /// This process's rank, `0..<size`.
  var rank: Int { get }
  /// Number of ranks.
  var size: Int { get }

  /// Element-wise sum over ranks, in place; every rank receives the result.
  func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
  /// Element-wise sum over ranks of 64-bit integers (wrapping is an error
  /// the caller rules out), in place.
  func allreduceSum(_ values: UnsafeMutableBufferPointer<Int64>) throws
  /// Element-wise maximum over ranks, in place.
  func allreduceMax(_ values: UnsafeMutableBufferPointer<Int64>) throws

  /// Personalised all-to-all exchange (MPI_Alltoallv on bytes): `send` holds
  /// `size` consecutive segments, `sendCounts[q]` bytes for rank `q`, and
  /// `receive` gets `size` consecutive segments, `receiveCounts[q]` bytes
  /// from rank `q`. `receiveCounts` must equal what each peer sends.
  func allToAll(
    send: UnsafeRawBufferPointer, sendCounts: [Int], receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]
  ) throws

  /// Gathers variable-length byte strings at `root`, in rank order (MPI_Gatherv):
  /// `counts` (one per rank, known to the root) says how many bytes each sends.
  /// Returns the concatenation at the root, nil elsewhere.
  func gather(_ send: UnsafeRawBufferPointer, counts: [Int], root: Int) throws -> [UInt8]?
}

/// A failed collective, or a failure that one rank reported to all.
public enum CollectiveError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The communication layer failed (MPI's error string).
  case communication(String)
  /// Counts that do not fit the layer (MPI counts are 32-bit).
  case tooLarge(String)
  /// Rank `rank` failed with `message`; every rank throws the same error.
  case rankFailed(rank: Int, message: String)

  public var description: String {
    switch self {
    case .communication(let m): return "communication failed: \(m)"
    case .tooLarge(let m): return m
    case .rankFailed(let rank, let message): return "rank \(rank): \(message)"
    }
  }
}
