import Foundation

/// The memory a computation may plan to use, checked before it allocates:
/// a size parameter given by mistake (`--factors 100000000`, `--M 1e8`)
/// becomes an error that says how much it would need, instead of an abort
/// in the allocator or a machine swapping to a halt.
///
/// The budget is the machine's memory (the smaller of physical memory and
/// the cgroup limit a container runs under) unless ``limit`` is set (the
/// command line's `--memory-limit`). Estimates are of the large arrays a
/// computation holds at once, not exact: they are meant to catch sizes off
/// by orders of magnitude, so the check refuses only above the budget.
public enum MemoryBudget {
  private static let override = Locked<Int?>(nil)

  /// A budget in bytes set by the caller (nil: the machine's memory).
  public static var limit: Int? {
    get { override.withLock { $0 } }
    set { override.withLock { $0 = newValue } }
  }

  /// The budget in force, in bytes.
  public static var budget: Int { limit ?? machineBytes }

  /// Physical memory, or the cgroup (v2 or v1) limit when lower. Read once.
  public static let machineBytes: Int = {
    var bytes = Int(ProcessInfo.processInfo.physicalMemory)
    for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
      if let text = try? String(contentsOfFile: path, encoding: .utf8),
         let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), v > 0 {
        bytes = min(bytes, v)
      }
    }
    return bytes
  }()

  /// Throws when `bytes` (an estimate, computed without overflow: pass
  /// ``product(_:)`` of the sizes) exceeds the budget. `what` names the
  /// computation and the parameters that drive the size
  /// ("an iALS fit with k = 100000000 on 610 users x 9724 items").
  public static func check(_ bytes: Int, for what: String) throws(MemoryBudgetError) {
    guard bytes > budget else { return }
    throw MemoryBudgetError(needed: bytes, budget: budget, limitWasSet: limit != nil, what: what)
  }

  /// The product of sizes, saturating at `Int.max` instead of overflowing
  /// (a product of user-given sizes can exceed 2^63).
  public static func product(_ factors: Int...) -> Int {
    var p = 1
    for f in factors {
      let (r, overflow) = p.multipliedReportingOverflow(by: max(f, 0))
      if overflow { return Int.max }
      p = r
    }
    return p
  }

  /// The sum of estimates, saturating at `Int.max`.
  public static func sum(_ terms: Int...) -> Int {
    var s = 0
    for t in terms {
      let (r, overflow) = s.addingReportingOverflow(max(t, 0))
      if overflow { return Int.max }
      s = r
    }
    return s
  }

  /// `bytes` as "3.2 GB" / "512 MB" / "20 KB" (powers of 1024), or "more than
  /// 8 EB" at the saturation value.
  public static func format(_ bytes: Int) -> String {
    if bytes == Int.max { return "more than 8 EB" }
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var v = Double(bytes), u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    return u == 0 ? "\(bytes) bytes" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[u])
  }

  /// Parses "512M", "8G", "1.5GB", "1000000" (bytes; K, M, G, T are powers
  /// of 1024, with an optional B). Nil when malformed or not positive.
  public static func parse(_ text: String) -> Int? {
    var s = text.trimmingCharacters(in: .whitespaces).uppercased()
    if s.hasSuffix("B") { s.removeLast() }
    var scale = 1.0
    if let last = s.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
      scale = pow(1024, Double(power))
      s.removeLast()
    }
    guard let v = Double(s), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
    return Int(v * scale)
  }
}

/// A computation would need more memory than the budget allows.
public struct MemoryBudgetError: Error, CustomStringConvertible, Equatable {
  /// Estimated bytes the computation needs.
  public var needed: Int
  /// The budget in force.
  public var budget: Int
  /// Whether the budget came from ``MemoryBudget/limit`` rather than the machine.
  public var limitWasSet: Bool
  /// The computation and its size parameters.
  public var what: String

  public var description: String {
    let source = limitWasSet ? "the memory limit is" : "this machine has"
    return "\(what) would need about \(MemoryBudget.format(needed)) of memory, and \(source) \(MemoryBudget.format(budget)); "
      + "use smaller sizes\(limitWasSet ? " or raise the memory limit" : "")"
  }
}
