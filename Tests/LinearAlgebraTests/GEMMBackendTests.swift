import Foundation
import GramianTestSupport
import LinearAlgebra
import XCTest

/// `BLAS.sgemm` through each backend this machine has (OpenBLAS always;
/// oneDNN when libdnnl is installed, as scripts/setup.sh does) against a
/// float64 triple loop: every transpose combination, leading dimensions
/// wider than the rows, alpha and beta other than 1 and 0, shapes from one
/// element to the two-tower sizes. Tolerance: float32 sums of k products of
/// unit normals, 2e-6 * k relative to the sum of |terms| (any summation
/// order, with blocked partial sums).
final class GEMMBackendTests: XCTestCase {
  override func tearDown() {
    BLAS.forceGEMM(nil)
    BLAS.setThreads(1)
  }

  private struct Case {
    var m, n, k: Int
    var transA, transB: Bool
    var alpha, beta: Float
  }

  private static let cases: [Case] = [
    Case(m: 1, n: 1, k: 1, transA: false, transB: false, alpha: 1, beta: 0),
    Case(m: 7, n: 5, k: 3, transA: true, transB: false, alpha: -0.5, beta: 1),
    Case(m: 33, n: 17, k: 65, transA: false, transB: true, alpha: 2, beta: 0.25),
    Case(m: 64, n: 129, k: 31, transA: true, transB: true, alpha: 1, beta: -1),
    Case(m: 256, n: 64, k: 256, transA: false, transB: false, alpha: 1, beta: 0),
    Case(m: 256, n: 256, k: 64, transA: false, transB: true, alpha: 1, beta: 0),
    Case(m: 64, n: 96, k: 300, transA: true, transB: false, alpha: 0.75, beta: 1),
  ]

  /// C = alpha op(A) op(B) + beta C in float64, row-major with the given strides.
  private func reference(_ t: Case, _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, _ c: [Float], _ ldc: Int)
    -> (value: [Double], mass: [Double])
  {
    var value = [Double](repeating: 0, count: t.m * ldc), mass = value
    for i in 0..<t.m {
      for j in 0..<t.n {
        var s = 0.0, w = 0.0
        for p in 0..<t.k {
          let x = Double(t.transA ? a[p * lda + i] : a[i * lda + p])
          let y = Double(t.transB ? b[j * ldb + p] : b[p * ldb + j])
          s += x * y
          w += abs(x * y)
        }
        value[i * ldc + j] = Double(t.alpha) * s + Double(t.beta) * Double(c[i * ldc + j])
        mass[i * ldc + j] = abs(Double(t.alpha)) * w + abs(Double(t.beta) * Double(c[i * ldc + j]))
      }
    }
    return (value, mass)
  }

  func testEachBackendMatchesFloat64() {
    var rng = SeededGenerator(seed: 77)
    print("GEMM backends here: \(BLAS.availableGEMMBackends), default \(BLAS.gemmBackend), oneDNN \(BLAS.onednnVersion ?? "absent")")
    for t in Self.cases {
      let lda = (t.transA ? t.m : t.k) + 3, ldb = (t.transB ? t.k : t.n) + 2, ldc = t.n + 5
      let a = (0..<((t.transA ? t.k : t.m) * lda)).map { _ in Float(rng.nextNormal()) }
      let b = (0..<((t.transB ? t.n : t.k) * ldb)).map { _ in Float(rng.nextNormal()) }
      let c0 = (0..<(t.m * ldc)).map { _ in Float(rng.nextNormal()) }
      let ref = reference(t, a, lda, b, ldb, c0, ldc)
      for backend in BLAS.availableGEMMBackends {
        BLAS.forceGEMM(backend)
        XCTAssertEqual(BLAS.gemmBackend, backend)
        for threads in [1, 2] {
          BLAS.setThreads(threads)
          var c = c0
          BLAS.sgemm(
            transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: t.beta, c: &c, ldc: ldc)
          let label = "\(backend) threads \(threads) \(t)"
          for i in 0..<t.m {
            for j in 0..<ldc {
              let at = i * ldc + j
              if j >= t.n {
                XCTAssertEqual(c[at].bitPattern, c0[at].bitPattern, "padding written, \(label)")
                continue
              }
              let tolerance = 2e-6 * Double(t.k + 1) * ref.mass[at] + 1e-30
              if abs(Double(c[at]) - ref.value[at]) > tolerance {
                XCTFail("(\(i), \(j)): \(c[at]) vs \(ref.value[at]), \(label)")
                return
              }
            }
          }
          // Deterministic for a given backend and thread count.
          var again = c0
          BLAS.sgemm(
            transA: t.transA, transB: t.transB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: t.beta, c: &again, ldc: ldc)
          XCTAssertEqual(again.map(\.bitPattern), c.map(\.bitPattern), "repeat, \(label)")
        }
      }
    }
  }

  /// The kernels' constructor sets OMP_WAIT_POLICY=PASSIVE before libgomp
  /// (loaded with oneDNN) reads it, unless the environment already chose a
  /// policy: then that choice is kept.
  func testOpenMPWaitPolicyIsPassiveUnlessChosen() {
    _ = BLAS.gemmBackend  // loads oneDNN and libgomp when present
    let policy = ProcessInfo.processInfo.environment["OMP_WAIT_POLICY"]
    XCTAssertNotNil(policy)
    if policy != "PASSIVE" { print("OMP_WAIT_POLICY=\(policy ?? "") was set by the environment and kept") }
  }

  /// Threads of this process (Linux: entries of /proc/self/task).
  private func taskCount() -> Int? {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.count
  }

  /// `BLAS.endIdleThreads` ends OpenBLAS's worker threads (the process has
  /// fewer threads after it), and OpenBLAS starts them again at its next
  /// threaded sgemm, whose result is still right (200 entries of a
  /// 256 x 256 x 256 product against float64).
  func testOpenBLASThreadsEndAndStartAgain() throws {
    BLAS.forceGEMM(.openblas)
    BLAS.setThreads(2)
    var rng = SeededGenerator(seed: 91)
    let n = 256
    let a = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }, b = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }
    func product() -> [Float] {
      var c = [Float](repeating: 0, count: n * n)
      BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
      return c
    }
    func check(_ c: [Float], _ label: String) {
      var pick = SeededGenerator(seed: 3)
      for _ in 0..<200 {
        let i = Int(pick.next() % UInt64(n)), j = Int(pick.next() % UInt64(n))
        var s = 0.0, w = 0.0
        for p in 0..<n {
          s += Double(a[i * n + p]) * Double(b[p * n + j])
          w += abs(Double(a[i * n + p]) * Double(b[p * n + j]))
        }
        XCTAssertEqual(Double(c[i * n + j]), s, accuracy: 2e-6 * Double(n + 1) * w, "(\(i), \(j)) \(label)")
      }
    }
    check(product(), "before")
    let before = taskCount()
    guard BLAS.endIdleThreads() else { throw XCTSkip("the linked OpenBLAS has no blas_thread_shutdown_") }
    let ended = taskCount()
    check(product(), "after the threads ended")
    let started = taskCount()
    if let before, let ended, let started {
      XCTAssertLessThan(ended, before, "OpenBLAS's worker thread ended")
      XCTAssertGreaterThan(started, ended, "OpenBLAS started its worker again")
    }
  }

  /// Calls from several threads at once (Gramian's parallel loops call sgemm
  /// with one BLAS thread each) give each caller its own right answer.
  func testConcurrentCallersWithOneThreadEach() {
    BLAS.setThreads(1)
    let n = 96
    var rng = SeededGenerator(seed: 78)
    let a = (0..<(n * n)).map { _ in Float(rng.nextNormal()) }
    var expected = [Float](repeating: 0, count: n * n)
    BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: a, ldb: n, c: &expected, ldc: n)
    let results = Locked([[Float]](repeating: [], count: 8))
    DispatchQueue.concurrentPerform(iterations: 8) { t in
      var c = [Float](repeating: 0, count: n * n)
      for _ in 0..<20 {
        BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: a, ldb: n, c: &c, ldc: n)
      }
      results.withLock { $0[t] = c }
    }
    for (t, c) in results.withLock({ $0 }).enumerated() {
      XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "caller \(t)")
    }
  }
}
