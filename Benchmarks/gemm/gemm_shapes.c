// sgemm GFLOP/s at the shapes Gramian runs, for three libraries in one
// process: OpenBLAS as linked (its kernels follow its own CPU detection or
// OPENBLAS_CORETYPE), BLIS's typed API and oneDNN's dnnl_sgemm, both loaded
// with dlopen when installed (Debian: libblis4, libdnnl2). Row-major, random
// data, best of three rounds of repeated calls (about 20 GFLOP a round).
// Usage: gemm_shapes THREADS  (run.sh builds and runs it)
#include <cblas.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*bli_sgemm_fn)(int, int, int64_t, int64_t, int64_t, float *, float *, int64_t, int64_t, float *,
                             int64_t, int64_t, float *, float *, int64_t, int64_t);
typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t, const float *,
                             int64_t, float, float *, int64_t);
extern void openblas_set_num_threads(int);
extern char *openblas_get_corename(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

struct shape { int m, n, k, ta, tb; const char *what; };

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  openblas_set_num_threads(threads);
  void *hb = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  bli_sgemm_fn blis = hb ? (bli_sgemm_fn)dlsym(hb, "bli_sgemm") : NULL;
  if (hb) {
    void (*set)(int64_t) = (void (*)(int64_t))dlsym(hb, "bli_thread_set_num_threads");
    const char *(*arch)(int) = (const char *(*)(int))dlsym(hb, "bli_arch_string");
    int (*id)(void) = (int (*)(void))dlsym(hb, "bli_arch_query_id");
    if (set) set(threads);
    if (arch && id) printf("blis kernels: %s\n", arch(id()));
  }
  void *hd = dlopen("libdnnl.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!hd) hd = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
  dnnl_sgemm_fn dnnl = hd ? (dnnl_sgemm_fn)dlsym(hd, "dnnl_sgemm") : NULL;
  printf("openblas kernels: %s; threads %d\n", openblas_get_corename(), threads);
  const struct shape shapes[] = {
    {1024, 1024, 1024, 0, 0, "peak reference"},
    {1024, 1024, 64, 0, 1, "two-tower logits Q Vt, batch 1024, d 64"},
    {1024, 64, 1024, 0, 0, "two-tower dQ = G V"},
    {64, 1024, 1024, 1, 0, "two-tower dV = Gt Q (as Qt G)"},
    {1024, 128, 64, 0, 0, "MLP layer 64 -> 128"},
    {1024, 64, 128, 0, 0, "MLP layer 128 -> 64"},
    {128, 64, 1024, 1, 0, "MLP weight gradient"},
    {256, 8192, 64, 0, 1, "recommend --all / evaluate block, k 64"},
    {64, 64, 20000, 1, 0, "Gram matrix block VtV, k 64"},
  };
  printf("| m | n | k | op | shape | OpenBLAS | BLIS | oneDNN |\n|---|---|---|---|---|---|---|---|\n");
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const struct shape *sh = &shapes[s];
    long m = sh->m, n = sh->n, k = sh->k;
    float *A = malloc(sizeof(float) * m * k), *B = malloc(sizeof(float) * k * n), *C = malloc(sizeof(float) * m * n);
    for (long i = 0; i < m * k; i++) A[i] = (float)(rand() % 1000) / 1000.0f;
    for (long i = 0; i < k * n; i++) B[i] = (float)(rand() % 1000) / 1000.0f;
    long lda = sh->ta ? m : k, ldb = sh->tb ? k : n;
    double flops = 2.0 * m * n * k, best[3] = {1e30, 1e30, 1e30};
    float one = 1, zero = 0;
    int reps = (int)(2e10 / flops);
    if (reps < 3) reps = 3;
    if (reps > 2000) reps = 2000;
    for (int round = 0; round < 3; round++) {
      double t = now();
      for (int r = 0; r < reps; r++)
        cblas_sgemm(CblasRowMajor, sh->ta ? CblasTrans : CblasNoTrans, sh->tb ? CblasTrans : CblasNoTrans, m, n, k,
                    1, A, lda, B, ldb, 0, C, n);
      t = (now() - t) / reps;
      if (t < best[0]) best[0] = t;
      if (blis) {
        t = now();  // BLIS strides: row-major is (row stride ld, column stride 1); 8 = BLIS_TRANSPOSE
        for (int r = 0; r < reps; r++)
          blis(sh->ta ? 8 : 0, sh->tb ? 8 : 0, m, n, k, &one, A, lda, 1, B, ldb, 1, &zero, C, n, 1);
        t = (now() - t) / reps;
        if (t < best[1]) best[1] = t;
      }
      if (dnnl) {
        t = now();
        for (int r = 0; r < reps; r++)
          dnnl(sh->ta ? 'T' : 'N', sh->tb ? 'T' : 'N', m, n, k, 1, A, lda, B, ldb, 0, C, n);
        t = (now() - t) / reps;
        if (t < best[2]) best[2] = t;
      }
    }
    printf("| %ld | %ld | %ld | %s%s | %s | %.1f | ", m, n, k, sh->ta ? "T" : "N", sh->tb ? "T" : "N", sh->what,
           flops / best[0] / 1e9);
    if (blis) printf("%.1f | ", flops / best[1] / 1e9); else printf("- | ");
    if (dnnl) printf("%.1f |\n", flops / best[2] / 1e9); else printf("- |\n");
    free(A); free(B); free(C);
  }
  return 0;
}
