import Foundation

/// A value that threads share behind a lock: ``withLock(_:)`` runs a closure
/// with exclusive, mutable access to it.
///
/// Gramian uses this instead of the standard library's
/// `Synchronization.Mutex`. On Linux that mutex is a futex driven from inside
/// the prebuilt runtime, where ThreadSanitizer cannot see it: every value it
/// guards is then reported as a race (`make sanitize` found this on the
/// server's request batcher), and the false reports would hide real ones.
/// This lock is a POSIX mutex (through `NSLock`), which ThreadSanitizer
/// intercepts, so the happens-before order it creates is checked like any
/// other.
///
/// Cost: one uncontended lock and unlock, tens of nanoseconds; keep the
/// closures short (no I/O, no waiting) since every other caller blocks.
public final class Locked<Value> {
  private let lock = NSLock()
  private var value: Value

  /// A lock guarding `value`.
  public init(_ value: Value) { self.value = value }

  /// Runs `body` with exclusive access to the value and returns its result.
  /// Not reentrant: calling `withLock` on the same lock inside `body`
  /// deadlocks.
  public func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}

// The value is only ever reached under the lock.
extension Locked: @unchecked Sendable where Value: Sendable {}
