import CLAPACK
import GramianKernels

/// The library that runs single-precision GEMMs; printed as its case name,
/// as `GRAMIAN_GEMM` spells it.
public enum GEMMBackend: Int, Sendable {
  /// OpenBLAS, linked at build time (its kernels follow its own CPU detection
  /// or `OPENBLAS_CORETYPE`).
  case openblas = 0
  /// oneDNN's `dnnl_sgemm`, loaded at run time when the system has libdnnl
  /// (Debian: `libdnnl2`); it picks AVX-512 kernels where the CPU has them.
  case onednn = 1
}

/// Thin, typed wrappers over the CBLAS routines Gramian uses. All matrices
/// are row-major; leading dimensions are the row strides in elements.
///
/// `sgemm` goes to oneDNN when libdnnl is on the system (unless
/// `GRAMIAN_GEMM=openblas` is set) and to OpenBLAS otherwise; everything else
/// goes to OpenBLAS. On a 2-core Intel Xeon (Emerald Rapids, AVX-512) oneDNN
/// ran Gramian's GEMM shapes at 202-311 GFLOP/s against OpenBLAS's 44-59 as
/// Debian 12 detects that CPU (SSE3 kernels) and 79-143 with
/// `OPENBLAS_CORETYPE=Haswell` (Benchmarks/gemm). Both are deterministic for
/// a given thread count; their results differ in the last bits.
package enum BLAS {
  /// The sgemm backend in use.
  public static var gemmBackend: GEMMBackend { GEMMBackend(rawValue: Int(gk_gemm_backend())) ?? .openblas }

  /// The backends this process can use (OpenBLAS always).
  public static var availableGEMMBackends: [GEMMBackend] {
    gk_gemm_onednn_available() == GK_GEMM_ONEDNN ? [.openblas, .onednn] : [.openblas]
  }

  /// oneDNN's version when it is loaded.
  public static var onednnVersion: String? { gk_gemm_onednn_version().map { String(cString: $0) } }

  /// Forces a backend (`.openblas`), or restores the default (nil); for tests
  /// and benchmarks.
  public static func forceGEMM(_ backend: GEMMBackend?) { gk_gemm_force(Int32(backend?.rawValue ?? -1)) }

  /// Sets OpenBLAS's own thread pool size. Use 1 inside Gramian's parallel
  /// loops (threads inside threads oversubscribe the cores) and more only
  /// around single large GEMMs.
  public static func setThreads(_ n: Int) {
    openblas_set_num_threads(Int32(max(1, n)))
  }

  /// Ends OpenBLAS's idle worker threads, which spin for about 0.1 s after
  /// the library is loaded (and after each threaded call) and so take CPU
  /// from a command's own threads; OpenBLAS starts them again at its next
  /// threaded call. Call where no BLAS call is running (a command's start).
  /// Returns false when the linked OpenBLAS cannot do it (nothing changes).
  @discardableResult
  public static func endIdleThreads() -> Bool { gk_openblas_end_idle_threads() != 0 }

  /// The number of threads OpenBLAS currently uses.
  public static var threads: Int { Int(openblas_get_num_threads()) }

  /// Runs `body` with OpenBLAS set to `n` threads, then restores the old count.
  public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
    let old = threads
    setThreads(n)
    defer { setThreads(old) }
    return try body()
  }

  /// C = alpha * op(A) * op(B) + beta * C (single precision, row-major).
  ///
  /// `op(A)` is `m x k`, `op(B)` is `k x n`, `C` is `m x n`.
  /// - Complexity: 2·m·n·k flops.
  @inlinable
  public static func sgemm(
    transA: Bool = false, transB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if gk_onednn_sgemm(
      openblas_get_num_threads(), transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != 0
    {
      return
    }
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Double-precision GEMM, for float64 references.
  @inlinable
  public static func dgemm(
    transA: Bool = false, transB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Double = 1,
    a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double = 0,
    c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// C = alpha * op(A)ᵀ op(A) + beta * C for the upper triangle of the
  /// symmetric `n x n` matrix C. With `trans == true`, A is `k x n` and the
  /// result is AᵀA (a Gram matrix of A's rows); otherwise A is `n x k` and
  /// the result is AAᵀ.
  /// - Complexity: n²·k flops.
  @inlinable
  public static func ssyrk(
    trans: Bool, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_ssyrk(
      CblasRowMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans,
      Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
  }

  /// y = alpha * op(A) x + beta * y.
  @inlinable
  public static func sgemv(
    trans: Bool = false, m: Int, n: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
    beta: Float = 0, y: UnsafeMutablePointer<Float>
  ) {
    cblas_sgemv(
      CblasRowMajor, trans ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
  }

  /// Dot product of two length-`n` vectors.
  @inlinable
  public static func sdot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
    cblas_sdot(Int32(n), x, 1, y, 1)
  }
}

extension Matrix {
  /// The Gram matrix `AᵀA` (`columns x columns`, both triangles filled) on
  /// `BLAS.threads` threads: one `ssyrk` call on OpenBLAS (rows·columns²
  /// flops), or, when sgemm runs on oneDNN (which has no syrk), one sgemm
  /// `AᵀA` (twice the flops, at 2-6x OpenBLAS's rate on the CPUs measured in
  /// Benchmarks/gemm). The upper triangle is copied onto the lower, so the
  /// result is exactly symmetric either way.
  public func gram() -> Matrix {
    let k = columns
    var g = Matrix(rows: k, columns: k)
    guard rows > 0, k > 0 else { return g }
    storage.withUnsafeBufferPointer { a in
      g.storage.withUnsafeMutableBufferPointer { c in
        if BLAS.gemmBackend == .onednn {
          BLAS.sgemm(transA: true, m: k, n: k, k: rows, a: a.baseAddress!, lda: k, b: a.baseAddress!, ldb: k,
                     c: c.baseAddress!, ldc: k)
        } else {
          BLAS.ssyrk(trans: true, n: k, k: rows, a: a.baseAddress!, lda: k, c: c.baseAddress!, ldc: k)
        }
      }
    }
    g.symmetrizeFromUpper()
    return g
  }

  /// Copies the upper triangle onto the lower one (square matrices only).
  public mutating func symmetrizeFromUpper() {
    precondition(rows == columns)
    let n = rows
    storage.withUnsafeMutableBufferPointer { p in
      for r in 0..<n { for c in 0..<r { p[r * n + c] = p[c * n + r] } }
    }
  }

  /// `self * otherᵀ` through sgemm (rows of both are vectors; the result's
  /// entry (i, j) is the dot product of row i of self and row j of other).
  public func timesTransposed(_ other: Matrix) -> Matrix {
    precondition(columns == other.columns)
    var out = Matrix(rows: rows, columns: other.rows)
    guard rows > 0, other.rows > 0 else { return out }
    storage.withUnsafeBufferPointer { a in
      other.storage.withUnsafeBufferPointer { b in
        out.storage.withUnsafeMutableBufferPointer { c in
          BLAS.sgemm(transB: true, m: rows, n: other.rows, k: columns,
                     a: a.baseAddress!, lda: columns, b: b.baseAddress!, ldb: columns,
                     c: c.baseAddress!, ldc: other.rows)
        }
      }
    }
    return out
  }
}
