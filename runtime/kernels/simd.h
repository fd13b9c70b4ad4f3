/*===- simd.h - one vector type per ISA, in portable clang C ---------------===
 *
 * The kernels are written once against `kv` (KILN_VL floats) and compiled
 * once per ISA variant; the compiler flags pick the width:
 *   -mavx512f        -> 16 lanes (KILN_ISA_AVX512)
 *   -mavx2 -mfma     -> 8 lanes  (KILN_ISA_AVX2)
 *   aarch64          -> 4 lanes  (KILN_ISA_NEON)
 *   anything else    -> 4 lanes  (KILN_ISA_GENERIC, SSE2 on x86-64)
 * Only clang vector extensions and __builtin_elementwise_* are used, so the
 * same source is a NEON, AVX2 or AVX-512 kernel.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_SIMD_H
#define KILN_SIMD_H

#include "kernel_config.h"

#include <stdint.h>

#if defined(__AVX512F__)
#define KILN_VL 16
#define KILN_ISA KILN_ISA_AVX512
#define KILN_GEMM_MR KILN_GEMM_MR_AVX512
#define KILN_GEMM_NR KILN_GEMM_NR_AVX512
#elif defined(__AVX2__) && defined(__FMA__)
#define KILN_VL 8
#define KILN_ISA KILN_ISA_AVX2
#define KILN_GEMM_MR KILN_GEMM_MR_AVX2
#define KILN_GEMM_NR KILN_GEMM_NR_AVX2
#elif defined(__aarch64__)
#define KILN_VL 4
#define KILN_ISA KILN_ISA_NEON
#define KILN_GEMM_MR KILN_GEMM_MR_NEON
#define KILN_GEMM_NR KILN_GEMM_NR_NEON
#else
#define KILN_VL 4
#define KILN_ISA KILN_ISA_GENERIC
#define KILN_GEMM_MR KILN_GEMM_MR_GENERIC
#define KILN_GEMM_NR KILN_GEMM_NR_GENERIC
#endif

/* Unaligned, may-alias vectors: loads and stores go through memcpy. */
typedef float kv __attribute__((vector_size(KILN_VL * 4), aligned(4)));
typedef int32_t kvi __attribute__((vector_size(KILN_VL * 4), aligned(4)));

#define KILN_INLINE static inline __attribute__((always_inline))
#define KILN_UNROLL _Pragma("clang loop unroll(full)")

KILN_INLINE kv kv_load(const float *p) {
  kv v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
KILN_INLINE void kv_store(float *p, kv v) { __builtin_memcpy(p, &v, sizeof v); }
/* Lane by lane: `(kv){0} + x` would be a real add (0 + -0 is +0). */
KILN_INLINE kv kv_splat(float x) {
  kv v;
  KILN_UNROLL
  for (int i = 0; i < KILN_VL; ++i)
    v[i] = x;
  return v;
}
/* Fused where the ISA has FMA; SSE2 would call fmaf per lane. */
#if defined(__FMA__) || defined(__aarch64__)
KILN_INLINE kv kv_fma(kv a, kv b, kv c) { return __builtin_elementwise_fma(a, b, c); }
#else
KILN_INLINE kv kv_fma(kv a, kv b, kv c) { return a * b + c; }
#endif
KILN_INLINE kv kv_max(kv a, kv b) { return __builtin_elementwise_max(a, b); }
KILN_INLINE kv kv_min(kv a, kv b) { return __builtin_elementwise_min(a, b); }
KILN_INLINE kv kv_abs(kv a) { return __builtin_elementwise_abs(a); }
KILN_INLINE kv kv_floor(kv a) { return __builtin_elementwise_floor(a); }
/* Lanes where `mask` is all ones take a, the others b. */
KILN_INLINE kv kv_select(kvi mask, kv a, kv b) {
  return (kv)(((kvi)a & mask) | ((kvi)b & ~mask));
}

/* The first n lanes (n may be <= 0 or >= KILN_VL); the rest read as `fill`. */
KILN_INLINE kv kv_load_partial(const float *p, int64_t n, float fill) {
  if (n >= KILN_VL)
    return kv_load(p);
  kv v = kv_splat(fill);
  for (int64_t i = 0; i < n; ++i)
    v[i] = p[i];
  return v;
}
KILN_INLINE void kv_store_partial(float *p, kv v, int64_t n) {
  if (n >= KILN_VL) {
    kv_store(p, v);
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    p[i] = v[i];
}

KILN_INLINE float kv_hsum(kv v) {
  float s = 0.0f;
  KILN_UNROLL
  for (int i = 0; i < KILN_VL; ++i)
    s += v[i];
  return s;
}
KILN_INLINE float kv_hmax(kv v) { return __builtin_reduce_max(v); }

#endif /* KILN_SIMD_H */
