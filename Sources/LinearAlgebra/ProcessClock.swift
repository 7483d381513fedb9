#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time consumed by this process (every thread, user plus system), for
/// reporting how much machine a computation used next to its wall time.
public enum ProcessClock {
  #if canImport(Glibc)
  private static let who = __rusage_who_t(RUSAGE_SELF.rawValue)
  #else
  private static let who = RUSAGE_SELF
  #endif

  /// Seconds of CPU time used so far (`getrusage(RUSAGE_SELF)`, microsecond resolution).
  public static func cpuSeconds() -> Double {
    var usage = rusage()
    guard getrusage(Self.who, &usage) == 0 else { return 0 }
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }
}
