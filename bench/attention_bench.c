/*===- attention_bench.c - the attention kernel against the FMA peak -------===
 *
 *   kiln-attention-bench [--rounds R] [--variant avx512|avx2|generic]
 *                        [--threads T] [--causal] [--seq S ...]
 *
 * Times kiln's fused attention in BERT-base's layout, one call over 12 heads
 * of 64 with q, k and v strided views of one [S, 3 x 768] projection output
 * and a padding mask hiding the last eighth of the keys (GPT-2's with
 * --causal, no mask), at sequence 128, 384 and 512 (or up to eight given
 * with --seq), interleaved round by round with a measurement of the FMA
 * peak of the same vector width. Sequence 128 takes the kernel's direct
 * path, the longer ones its online softmax. Prints the median time per call,
 * GFLOP/s (QK^T and PV, every score counted, so causal calls can exceed the
 * peak) and the share of the peak of T cores. The machine is shared and
 * noisy: only the interleaved medians mean anything.
 *
 *===----------------------------------------------------------------------===*/
#include "bench_util.h"
#include "kiln_kernels.h"

#include <stdio.h>

#define DECLARE(sfx)                                                                    \
  void kiln_k_attention_f32_##sfx(const kiln_exec *, const kiln_attention_args *);     \
  double kiln_k_fma_peak_##sfx(int64_t);
DECLARE(generic)
DECLARE(avx2)
DECLARE(avx512)

enum { HEADS = 12, DIM = 64, CALLS = 7, MAX_SEQS = 8 };

int main(int argc, char **argv) {
  /* In bench_variant_names' order. */
  void (*const attention[3])(const kiln_exec *, const kiln_attention_args *) = {
      kiln_k_attention_f32_avx512, kiln_k_attention_f32_avx2, kiln_k_attention_f32_generic};
  double (*const peaks[3])(int64_t) = {kiln_k_fma_peak_avx512, kiln_k_fma_peak_avx2,
                                       kiln_k_fma_peak_generic};
  int rounds = 11, threads = 1, causal = 0, nseqs = 3, given = 0;
  int64_t seqs[MAX_SEQS] = {128, 384, 512};
  const char *want = NULL;
  for (int i = 1; i < argc; ++i) {
    long long s;
    if (!strcmp(argv[i], "--causal")) {
      causal = 1;
    } else if (!strcmp(argv[i], "--seq") && i + 1 < argc && given < MAX_SEQS &&
               sscanf(argv[i + 1], "%lld", &s) == 1 && s > 0 && s <= 16384) {
      seqs[given] = s;
      nseqs = ++given;
      ++i;
    } else if (!bench_common_option(argc, argv, &i, &rounds, &want, &threads)) {
      fprintf(stderr,
              "usage: %s [--rounds R] [--variant avx512|avx2|generic] [--threads T] "
              "[--causal] [--seq S (up to %d, at most 16384)]\n",
              argv[0], (int)MAX_SEQS);
      return 2;
    }
  }
  kiln_exec exec;
  int v = bench_setup("kiln-attention-bench", want, &rounds, &threads, 1, -1, &exec);
  if (v < 0)
    return 1;
  const kiln_exec *ex = threads > 1 ? &exec : NULL;
  int64_t width = 3 * HEADS * DIM, longest = 0;
  for (int s = 0; s < nseqs; ++s)
    longest = seqs[s] > longest ? seqs[s] : longest;
  float *qkv = aligned_alloc(64, sizeof(float) * longest * width);
  float *out = aligned_alloc(64, sizeof(float) * longest * HEADS * DIM);
  unsigned char *mask = malloc((size_t)longest);
  srand(1);
  for (int64_t i = 0; i < longest * width; ++i)
    qkv[i] = 4.0f * ((float)rand() / (float)RAND_MAX - 0.5f);
  double *peak = malloc(sizeof(double) * rounds), *t[MAX_SEQS];
  for (int s = 0; s < nseqs; ++s)
    t[s] = malloc(sizeof(double) * rounds);
  peaks[v](20000000); /* warm up the clocks */
  for (int r = 0; r < rounds; ++r) {
    peak[r] = peaks[v](20000000);
    for (int s = 0; s < nseqs; ++s) {
      int64_t n = seqs[s];
      for (int64_t j = 0; j < n; ++j)
        mask[j] = j < n - n / 8;
      kiln_attention_args a = {1, HEADS, HEADS, n, n, DIM, DIM,
                               qkv, {0, DIM, width},
                               qkv + HEADS * DIM, {0, DIM, width},
                               qkv + 2 * HEADS * DIM, {0, DIM, width},
                               out, {0, DIM, HEADS * DIM},
                               causal ? NULL : mask, {0, 0, 0, 1},
                               0, causal ? 0 : 2, causal, 0.125f, 0.0f};
      double call[CALLS];
      for (int c = 0; c < CALLS; ++c) {
        double t0 = bench_now();
        attention[v](ex, &a);
        call[c] = bench_now() - t0;
      }
      t[s][r] = bench_median(call, CALLS);
    }
  }
  double p1 = bench_median(peak, rounds), p = p1 * threads;
  printf("attention kernel (%s, %d thread%s%s), %d interleaved rounds\n",
         bench_variant_names[v], threads, threads > 1 ? "s" : "", causal ? ", causal" : "",
         rounds);
  printf("FMA peak: %.1f GFLOP/s (median)%s\n", p1, threads > 1 ? ", shares of T x peak" : "");
  printf("12 heads x 64, S = T     time per call   GFLOP/s\n");
  for (int s = 0; s < nseqs; ++s) {
    int64_t n = seqs[s];
    double sec = bench_median(t[s], rounds), flops = 2.0 * HEADS * n * n * (2 * DIM);
    printf("  %5lld                %9.1f us   %7.1f  %5.1f%% of peak\n", (long long)n,
           sec * 1e6, flops / sec / 1e9, 100.0 * flops / sec / 1e9 / p);
  }
  kiln_pool_destroy(exec.pool);
  return 0;
}
