// oneDNN's sgemm as an optional, run-time-loaded GEMM (see GramianGemm.h).
// Nothing links against oneDNN: without libdnnl every call declines and the
// caller uses OpenBLAS, so the package builds and runs on OpenBLAS alone.
#include "GramianGemm.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t,
                             const float *, int64_t, float, float *, int64_t);
// dnnl_version_t of oneDNN 2.x and 3.x (only the first three fields are read).
typedef struct { int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime; } dnnl_version_info;

static pthread_once_t gk_gemm_once = PTHREAD_ONCE_INIT;
static dnnl_sgemm_fn gk_dnnl_sgemm;
static int (*gk_omp_get_max_threads)(void);
static void (*gk_omp_set_num_threads)(int);
static int gk_gemm_default = GK_GEMM_OPENBLAS;
static int gk_gemm_forced = -1;
static char gk_dnnl_version[32];

// libgomp, oneDNN's OpenMP runtime (loaded with it by gk_gemm_load), reads
// OMP_WAIT_POLICY when it loads. Its default keeps a team's threads spinning
// for milliseconds after each parallel region, and Gramian's own workers run
// right after a two-thread GEMM (iALS computes the Gram matrix with oneDNN,
// then solves rows in its workers): on 2 cores the spinning took 11.6% of the
// samples of an amazon-book fit, whose CG epoch (k = 64) took 0.057-0.066 s
// against 0.048-0.051 s with PASSIVE (alternating runs). So PASSIVE is the
// default unless the environment says otherwise. Set in a constructor: it
// runs before main, while the process has one thread (setenv is unsafe while
// other threads read the environment).
__attribute__((constructor)) static void gk_omp_wait_policy(void) { setenv("OMP_WAIT_POLICY", "PASSIVE", 0); }

static void gk_gemm_load(void) {
  const char *env = getenv("GRAMIAN_GEMM");
  int want_openblas = 0;
  if (env && strcmp(env, "openblas") == 0) want_openblas = 1;
  else if (env && strcmp(env, "onednn") != 0)
    fprintf(stderr, "gramian: GRAMIAN_GEMM=%s is not openblas or onednn; ignored\n", env);
  void *lib = dlopen("libdnnl.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!lib) lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
  dnnl_sgemm_fn f = (dnnl_sgemm_fn)dlsym(lib, "dnnl_sgemm");
  // The OpenMP runtime oneDNN was built with (already loaded as its dependency).
  void *omp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!omp) omp = dlopen("libomp.so", RTLD_NOW | RTLD_NOLOAD);
  int (*getmax)(void) = omp ? (int (*)(void))dlsym(omp, "omp_get_max_threads") : NULL;
  void (*setn)(int) = omp ? (void (*)(int))dlsym(omp, "omp_set_num_threads") : NULL;
  if (!f || !getmax || !setn) return;
  const dnnl_version_info *(*version)(void) = (const dnnl_version_info *(*)(void))dlsym(lib, "dnnl_version");
  if (version) {
    const dnnl_version_info *v = version();
    snprintf(gk_dnnl_version, sizeof gk_dnnl_version, "%d.%d.%d", v->major, v->minor, v->patch);
  }
  gk_dnnl_sgemm = f;
  gk_omp_get_max_threads = getmax;
  gk_omp_set_num_threads = setn;
  gk_gemm_default = want_openblas ? GK_GEMM_OPENBLAS : GK_GEMM_ONEDNN;
}

int gk_gemm_onednn_available(void) {
  pthread_once(&gk_gemm_once, gk_gemm_load);
  return gk_dnnl_sgemm ? GK_GEMM_ONEDNN : GK_GEMM_OPENBLAS;
}

int gk_gemm_backend(void) {
  pthread_once(&gk_gemm_once, gk_gemm_load);
  int f = __atomic_load_n(&gk_gemm_forced, __ATOMIC_RELAXED);
  return f >= 0 && f < gk_gemm_default ? f : gk_gemm_default;
}

void gk_gemm_force(int backend) { __atomic_store_n(&gk_gemm_forced, backend < 0 ? -1 : backend, __ATOMIC_RELAXED); }

const char *gk_gemm_onednn_version(void) {
  pthread_once(&gk_gemm_once, gk_gemm_load);
  return gk_dnnl_version[0] ? gk_dnnl_version : NULL;
}

int gk_onednn_sgemm(int threads, int transa, int transb, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
  if (gk_gemm_backend() != GK_GEMM_ONEDNN || m <= 0 || n <= 0 || k <= 0) return 0;
  if (threads < 1) threads = 1;
  if (gk_omp_get_max_threads() != threads) gk_omp_set_num_threads(threads);
  return gk_dnnl_sgemm(transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0;
}

// OpenBLAS starts its worker threads when it is loaded, and after start-up
// and after each threaded call they spin on sched_yield until their timeout
// (2^28 cycles by default, about 0.1 s) before they sleep. On a 2-core
// machine that spinning takes a third of both cores from the threads of a
// short command that does not use OpenBLAS at all (`gramian score`: 0.26 s
// against 0.16 s with OPENBLAS_THREAD_TIMEOUT=4, which can only be set before
// the process starts).
extern int blas_thread_shutdown_(void) __attribute__((weak));

int gk_openblas_end_idle_threads(void) {
  if (!blas_thread_shutdown_) return 0;
  blas_thread_shutdown_();
  return 1;
}
