/*===- fma_peak.c - the machine's fp32 FMA peak, for the benchmarks --------===
 *
 * Independent FMA chains on this variant's vectors, enough of them to cover
 * the FMA latency times the FMA ports. Built only into the native libraries
 * (bench/gemm_bench.c), never into models.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "simd.h"

#include <time.h>

/* 12 chains cover 2 ports x 4-5 cycles; more would spill on 16-register ISAs. */
#define CHAINS 12

double KILN_KERNEL(fma_peak)(int64_t iters) {
  kv acc[CHAINS];
  KILN_UNROLL
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = kv_splat((float)i);
  kv b = kv_splat(1.0000001f), c = kv_splat(1e-7f);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int64_t n = 0; n < iters; ++n) {
    KILN_UNROLL
    for (int i = 0; i < CHAINS; ++i)
      acc[i] = kv_fma(acc[i], b, c);
    __asm__ volatile("" ::: "memory");
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  static volatile float sink;
  for (int i = 0; i < CHAINS; ++i)
    sink += acc[i][0];
  double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return (double)iters * CHAINS * KILN_VL * 2 / s / 1e9;
}
