// An optional second sgemm: oneDNN's dnnl_sgemm, loaded at run time with
// dlopen when the system has libdnnl (Debian: libdnnl2), else nothing. oneDNN
// picks its kernels by CPUID at run time (AVX-512 where the CPU has it),
// while a distribution's OpenBLAS may not know a new CPU (Debian 12's
// OpenBLAS 0.3.21 runs its SSE3 "Prescott" kernels on Intel Emerald Rapids
// unless OPENBLAS_CORETYPE is set). The BLAS wrapper (LinearAlgebra's
// BLAS.sgemm) calls gk_onednn_sgemm first and OpenBLAS when it declines.
#ifndef GRAMIAN_GEMM_H
#define GRAMIAN_GEMM_H
#include <stdint.h>

#define GK_GEMM_OPENBLAS 0
#define GK_GEMM_ONEDNN 1

/// The sgemm in use: GK_GEMM_ONEDNN when libdnnl loaded and the environment
/// variable GRAMIAN_GEMM is not `openblas`, else GK_GEMM_OPENBLAS.
int gk_gemm_backend(void);
/// GK_GEMM_ONEDNN when libdnnl could be loaded (whatever GRAMIAN_GEMM says).
int gk_gemm_onednn_available(void);
/// Caps the backend at `backend` (GK_GEMM_OPENBLAS forces OpenBLAS), or
/// restores the default (-1); for tests and benchmarks.
void gk_gemm_force(int backend);
/// The oneDNN library's version as "major.minor.patch", or NULL.
const char *gk_gemm_onednn_version(void);

/// Row-major C = alpha op(A) op(B) + beta C through oneDNN on `threads`
/// threads (the OpenMP thread count of the calling thread is set to it when
/// it differs). Returns 1 when done, 0 when the caller must use its own BLAS
/// (backend not oneDNN, an empty dimension, or oneDNN refused the arguments).
int gk_onednn_sgemm(int threads, int transa, int transb, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// Ends OpenBLAS's (pthreads build) worker threads with its own
/// `blas_thread_shutdown_`, as it does before a fork; its next threaded call
/// starts them again. Returns 1 when it did, 0 when the linked OpenBLAS has
/// no such function (a weak reference: then nothing happens).
int gk_openblas_end_idle_threads(void);
#endif
