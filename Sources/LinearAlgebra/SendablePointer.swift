/// A raw pointer that may cross into `@Sendable` closures of a parallel loop.
///
/// Swift 6 forbids capturing `UnsafeMutablePointer` in a `@Sendable` closure.
/// Parallel kernels in Gramian write disjoint ranges of one buffer from
/// several threads; this box is the single place where that promise is made.
/// Every use must guarantee that concurrent writers touch disjoint elements.
package struct SendablePointer<Element>: @unchecked Sendable {
  public let base: UnsafeMutablePointer<Element>
  @inlinable public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}

/// Read-only counterpart of ``SendablePointer``.
package struct SendableConstPointer<Element>: @unchecked Sendable {
  public let base: UnsafePointer<Element>
  @inlinable public init(_ base: UnsafePointer<Element>) { self.base = base }
}

/// A mutable value one worker of a parallel region owns: each box is read
/// and written by a single worker while the region runs, and by the caller
/// only before and after it.
package final class SendableBox<Value>: @unchecked Sendable {
  public var value: Value
  @inlinable public init(_ value: Value) { self.value = value }
}
