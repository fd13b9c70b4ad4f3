/*===- norm_bench.c - the LayerNorm kernel on one thread and on the pool ---===
 *
 *   kiln-norm-bench [--rounds R] [--variant avx512|avx2|generic] [--threads T]
 *
 * Times kiln's row norm on the pre-norm residual step of BERT-base and GPT-2
 * small (128 rows of 768: x + skip is stored as the new residual and
 * normalised), in two settings, interleaved round by round:
 *   - one thread, every row in its cache;
 *   - T threads on the runtime's pool, called again and again, so each
 *     thread finds the rows it wrote last time.
 * Prints the median time per call of each. The machine is shared and noisy:
 * only the interleaved medians mean anything.
 *
 *===----------------------------------------------------------------------===*/
#include "bench_util.h"
#include "kiln_kernels.h"

#include <stdio.h>
#include <string.h>

#define DECLARE(sfx) void kiln_k_norm_f32_##sfx(const kiln_exec *, const kiln_norm_args *);
DECLARE(generic)
DECLARE(avx2)
DECLARE(avx512)

enum { ROWS = 128, COLS = 768, CALLS = 41 };

int main(int argc, char **argv) {
  /* In bench_variant_names' order. */
  void (*const norms[3])(const kiln_exec *, const kiln_norm_args *) = {
      kiln_k_norm_f32_avx512, kiln_k_norm_f32_avx2, kiln_k_norm_f32_generic};
  int rounds = 15, threads = 2;
  const char *want = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!bench_common_option(argc, argv, &i, &rounds, &want, &threads)) {
      fprintf(stderr, "usage: %s [--rounds R] [--variant avx512|avx2|generic] [--threads T]\n",
              argv[0]);
      return 2;
    }
  }
  kiln_exec exec;
  int v = bench_setup("kiln-norm-bench", want, &rounds, &threads, 2, 0, &exec);
  if (v < 0)
    return 1;
  float *buf[6];
  for (int i = 0; i < 6; ++i)
    buf[i] = aligned_alloc(64, sizeof(float) * ROWS * COLS);
  srand(1);
  for (int64_t i = 0; i < ROWS * COLS; ++i) {
    buf[0][i] = (float)rand() / (float)RAND_MAX - 0.5f;
    buf[1][i] = (float)rand() / (float)RAND_MAX - 0.5f;
  }
  for (int64_t j = 0; j < COLS; ++j) {
    buf[2][j] = 1.0f + 0.001f * (float)j;
    buf[3][j] = 0.01f;
  }
  kiln_norm_args a = {.rows = ROWS, .cols = COLS, .x = buf[0], .ldx = COLS,
                      .skip = buf[1], .ldskip = COLS, .gamma = buf[2], .beta = buf[3],
                      .y = buf[4], .ldy = COLS, .sum = buf[5], .ldsum = COLS,
                      .epsilon = 1e-5f};
  double *us[2];
  for (int s = 0; s < 2; ++s)
    us[s] = malloc(sizeof(double) * rounds);
  for (int r = 0; r < rounds; ++r)
    for (int s = 0; s < 2; ++s) {
      double t[CALLS];
      for (int c = 0; c < CALLS; ++c) {
        double t0 = bench_now();
        norms[v](s == 0 ? NULL : &exec, &a);
        t[c] = bench_now() - t0;
      }
      us[s][r] = 1e6 * bench_median(t, CALLS);
    }
  printf("LayerNorm kernel (%s), x + skip stored and normalised, %d x %d, %d interleaved "
         "rounds\n",
         bench_variant_names[v], ROWS, COLS, rounds);
  printf("  1 thread    %7.1f us per call (median)\n", bench_median(us[0], rounds));
  printf("  %d threads   %7.1f us per call (median)\n", threads, bench_median(us[1], rounds));
  kiln_pool_destroy(exec.pool);
  return 0;
}
