/*===- gemm_bench.c - the GEMM kernel against the machine's FMA peak -------===
 *
 *   kiln-gemm-bench [--rounds R] [--variant avx512|avx2|generic] [--threads T]
 *                   [--shape MxNxK[:relu|:gelu|:gelu_tanh] ...]
 *
 * Times kiln's fp32 GEMM kernel (one thread, or T on the runtime's pool;
 * weights packed as kilnc packs them) on BERT-base's three GEMM shapes,
 * M x N x K = 128x768x768, 128x3072x768 and 128x768x3072 (or up to eight
 * given with --shape), interleaved round by round with a measurement of the
 * FMA peak of the same vector width, and prints the median GFLOP/s of each
 * and the GEMM's share of the peak (of T cores). A shape may name an
 * activation for its epilogue (":gelu"), so that one run compares the same
 * shape with and without it. "warm" runs the same weights again and again
 * (they stay in L2/L3); "cold" cycles through 256 MiB of copies, so every
 * call streams its weights from memory, as a model does. The machine is
 * shared and noisy: only the interleaved medians mean anything.
 *
 *===----------------------------------------------------------------------===*/
#include "bench_util.h"
#include "kiln_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DECLARE(sfx)                                                             \
  void kiln_k_gemm_f32_##sfx(const kiln_exec *, const kiln_gemm_args *);        \
  void kiln_k_pack_b_f32_##sfx(int64_t, int64_t, const float *, int64_t, int32_t, float *); \
  double kiln_k_fma_peak_##sfx(int64_t);
DECLARE(generic)
DECLARE(avx2)
DECLARE(avx512)

typedef struct variant {
  int64_t nr;
  void (*gemm)(const kiln_exec *, const kiln_gemm_args *);
  void (*pack)(int64_t, int64_t, const float *, int64_t, int32_t, float *);
  double (*peak)(int64_t);
} variant;

int main(int argc, char **argv) {
  /* In bench_variant_names' order. */
  variant all[] = {
      {KILN_GEMM_NR_AVX512, kiln_k_gemm_f32_avx512, kiln_k_pack_b_f32_avx512,
       kiln_k_fma_peak_avx512},
      {KILN_GEMM_NR_AVX2, kiln_k_gemm_f32_avx2, kiln_k_pack_b_f32_avx2, kiln_k_fma_peak_avx2},
      {KILN_GEMM_NR_GENERIC, kiln_k_gemm_f32_generic, kiln_k_pack_b_f32_generic,
       kiln_k_fma_peak_generic},
  };
  int rounds = 15;
  const char *want = NULL;
  int threads = 1;
  enum { MAX_SHAPES = 8 };
  int64_t shapes[MAX_SHAPES][3] = {{128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}};
  int32_t activation[MAX_SHAPES] = {KILN_ACT_NONE, KILN_ACT_NONE, KILN_ACT_NONE};
  static const char *const kActivations[] = KILN_ACTIVATION_NAMES;
  int nshapes = 3, given = 0;
  for (int i = 1; i < argc; ++i) {
    long long m, n, k;
    char act[16] = "none";
    int act_id = -1;
    if (!strcmp(argv[i], "--shape") && i + 1 < argc && given < MAX_SHAPES &&
        sscanf(argv[i + 1], "%lldx%lldx%lld:%15s", &m, &n, &k, act) >= 3 && m > 0 && n > 0 &&
        k > 0) {
      for (int a = 0; a < (int)(sizeof kActivations / sizeof *kActivations); ++a)
        if (!strcmp(act, kActivations[a]))
          act_id = a;
      if (act_id < 0) {
        fprintf(stderr, "%s: unknown activation '%s' in --shape %s\n", argv[0], act,
                argv[i + 1]);
        return 2;
      }
      shapes[given][0] = m, shapes[given][1] = n, shapes[given][2] = k;
      activation[given] = act_id;
      nshapes = ++given;
      ++i;
    } else if (!bench_common_option(argc, argv, &i, &rounds, &want, &threads)) {
      fprintf(stderr,
              "usage: %s [--rounds R] [--variant avx512|avx2|generic] [--threads T] "
              "[--shape MxNxK[:relu|:gelu|:gelu_tanh] (up to %d)]\n",
              argv[0], (int)MAX_SHAPES);
      return 2;
    }
  }
  /* Every call splits (-1), as a model's GEMMs of these sizes do. */
  kiln_exec exec;
  int picked = bench_setup("kiln-gemm-bench", want, &rounds, &threads, 1, -1, &exec);
  if (picked < 0)
    return 1;
  const variant *v = &all[picked];
  const kiln_exec *ex = threads > 1 ? &exec : NULL;
  float *a[MAX_SHAPES], *bp[MAX_SHAPES], *c[MAX_SHAPES];
  /* Copies of the weights for the cold runs: more than any last-level cache. */
  enum { COLD_BYTES = 256 << 20 };
  int copies[MAX_SHAPES];
  float **cold[MAX_SHAPES];
  srand(1);
  for (int s = 0; s < nshapes; ++s) {
    int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    int64_t panels = (n + v->nr - 1) / v->nr;
    float *b = malloc(sizeof(float) * k * n);
    a[s] = aligned_alloc(64, sizeof(float) * m * k);
    bp[s] = aligned_alloc(64, sizeof(float) * panels * v->nr * k);
    c[s] = aligned_alloc(64, sizeof(float) * m * n);
    for (int64_t i = 0; i < m * k; ++i)
      a[s][i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (int64_t i = 0; i < k * n; ++i)
      b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    v->pack(n, k, b, n, 0, bp[s]);
    free(b);
    size_t bytes = sizeof(float) * panels * v->nr * k;
    copies[s] = (int)(COLD_BYTES / bytes) + 1;
    cold[s] = malloc(sizeof(float *) * copies[s]);
    for (int i = 0; i < copies[s]; ++i) {
      cold[s][i] = aligned_alloc(64, bytes);
      memcpy(cold[s][i], bp[s], bytes);
    }
  }
  double *peak = malloc(sizeof(double) * rounds), *gf[MAX_SHAPES], *gc[MAX_SHAPES];
  for (int s = 0; s < nshapes; ++s) {
    gf[s] = malloc(sizeof(double) * rounds);
    gc[s] = malloc(sizeof(double) * rounds);
  }
  int next[MAX_SHAPES] = {0};
  v->peak(20000000); /* warm up the clocks */
  for (int r = 0; r < rounds; ++r) {
    peak[r] = v->peak(20000000);
    for (int s = 0; s < nshapes; ++s) {
      int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
      kiln_gemm_args g = {1, m, n, k, a[s], 0, k, bp[s], 0, 0, NULL, NULL, 0, 0, c[s], 0, n,
                          KILN_B_PACKED, activation[s], 0, NULL, NULL, NULL, 0, 0, 0.0f, 0, 0};
      double t[7];
      for (int i = 0; i < 7; ++i) {
        double t0 = bench_now();
        v->gemm(ex, &g);
        t[i] = bench_now() - t0;
      }
      gf[s][r] = 2.0 * m * n * k / bench_median(t, 7) / 1e9;
      for (int i = 0; i < 7; ++i) {
        g.b = cold[s][next[s]];
        next[s] = (next[s] + 1) % copies[s];
        double t0 = bench_now();
        v->gemm(ex, &g);
        t[i] = bench_now() - t0;
      }
      gc[s][r] = 2.0 * m * n * k / bench_median(t, 7) / 1e9;
    }
  }
  double p1 = bench_median(peak, rounds), p = p1 * threads;
  printf("GEMM kernel (%s, %d thread%s), %d interleaved rounds\n", bench_variant_names[picked],
         threads, threads > 1 ? "s" : "", rounds);
  printf("FMA peak: %.1f GFLOP/s (median)\n", p1);
  if (threads > 1)
    printf("shares below are of %d x the peak: %.1f GFLOP/s\n", threads, p);
  printf("M x N x K        warm weights               cold weights\n");
  for (int s = 0; s < nshapes; ++s) {
    double g = bench_median(gf[s], rounds), gcold = bench_median(gc[s], rounds);
    printf("%4lldx%-4lldx%-4lld  %6.1f GFLOP/s %5.1f%% of peak  %6.1f GFLOP/s %5.1f%% of peak%s%s\n",
           (long long)shapes[s][0], (long long)shapes[s][1], (long long)shapes[s][2], g,
           100.0 * g / p, gcold, 100.0 * gcold / p, activation[s] ? "  +" : "",
           activation[s] ? kActivations[activation[s]] : "");
  }
  kiln_pool_destroy(exec.pool);
  return 0;
}
