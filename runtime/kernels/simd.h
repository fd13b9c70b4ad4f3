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
/* A non-temporal store (past the caches, no read of the line first); p
   aligned to the vector's size. Weakly ordered on x86: an sfence must come
   before another thread reads what it wrote. */
KILN_INLINE void kv_store_stream(float *p, kv v) {
  typedef float kv_aligned __attribute__((vector_size(KILN_VL * 4)));
  __builtin_nontemporal_store((kv_aligned)v, (kv_aligned *)p);
}
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
KILN_INLINE kv kv_abs(kv a) { return __builtin_elementwise_abs(a); }
KILN_INLINE kv kv_floor(kv a) { return __builtin_elementwise_floor(a); }
/* Lanes where `mask` is all ones take a, the others b. */
KILN_INLINE kv kv_select(kvi mask, kv a, kv b) {
  return (kv)(((kvi)a & mask) | ((kvi)b & ~mask));
}
/* As x86's MAXPS and MINPS: b when either is NaN, so one instruction there
   (__builtin_elementwise_max is IEEE maxNum, which x86 can only emulate with
   a compare and a blend: three instructions in every clamp and running
   maximum). Against a constant b this is maxNum exactly. */
KILN_INLINE kv kv_max(kv a, kv b) { return kv_select(b < a, a, b); }
KILN_INLINE kv kv_min(kv a, kv b) { return kv_select(a < b, a, b); }

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

/* Transposes the KILN_VL x KILN_VL block r[0..VL) in registers: afterwards
   r[i][j] holds what r[j][i] held. Butterfly stages that exchange
   off-diagonal blocks of 1, 2, 4, ... lanes. */
#define KILN_SWAP_STAGE(r, s, lo, hi)                                          \
  for (int i_ = 0; i_ < KILN_VL; ++i_)                                         \
    if (!(i_ & (s))) {                                                         \
      kv a_ = r[i_], b_ = r[i_ + (s)];                                         \
      r[i_] = __builtin_shufflevector(a_, b_, lo);                             \
      r[i_ + (s)] = __builtin_shufflevector(a_, b_, hi);                       \
    }
#if KILN_VL == 16
#define KILN_T1L 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define KILN_T1H 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define KILN_T2L 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define KILN_T2H 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define KILN_T4L 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define KILN_T4H 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define KILN_T8L 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define KILN_T8H 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
KILN_INLINE void kv_transpose(kv r[KILN_VL]) {
  KILN_UNROLL KILN_SWAP_STAGE(r, 1, KILN_T1L, KILN_T1H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 2, KILN_T2L, KILN_T2H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 4, KILN_T4L, KILN_T4H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 8, KILN_T8L, KILN_T8H)
}
#elif KILN_VL == 8
#define KILN_T1L 0, 8, 2, 10, 4, 12, 6, 14
#define KILN_T1H 1, 9, 3, 11, 5, 13, 7, 15
#define KILN_T2L 0, 1, 8, 9, 4, 5, 12, 13
#define KILN_T2H 2, 3, 10, 11, 6, 7, 14, 15
#define KILN_T4L 0, 1, 2, 3, 8, 9, 10, 11
#define KILN_T4H 4, 5, 6, 7, 12, 13, 14, 15
KILN_INLINE void kv_transpose(kv r[KILN_VL]) {
  KILN_UNROLL KILN_SWAP_STAGE(r, 1, KILN_T1L, KILN_T1H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 2, KILN_T2L, KILN_T2H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 4, KILN_T4L, KILN_T4H)
}
#else
#define KILN_T1L 0, 4, 2, 6
#define KILN_T1H 1, 5, 3, 7
#define KILN_T2L 0, 1, 4, 5
#define KILN_T2H 2, 3, 6, 7
KILN_INLINE void kv_transpose(kv r[KILN_VL]) {
  KILN_UNROLL KILN_SWAP_STAGE(r, 1, KILN_T1L, KILN_T1H)
  KILN_UNROLL KILN_SWAP_STAGE(r, 2, KILN_T2L, KILN_T2H)
}
#endif

/* Horizontal sum and max as halving trees (log2 VL dependent steps). */
typedef float kiln_f2 __attribute__((vector_size(8)));
typedef float kiln_f4 __attribute__((vector_size(16)));
typedef float kiln_f8 __attribute__((vector_size(32)));
KILN_INLINE float kiln_hsum4(kiln_f4 v) {
  kiln_f2 h = __builtin_shufflevector(v, v, 0, 1) + __builtin_shufflevector(v, v, 2, 3);
  return h[0] + h[1];
}
KILN_INLINE float kiln_hmax4(kiln_f4 v) {
  kiln_f2 h = __builtin_elementwise_max(__builtin_shufflevector(v, v, 0, 1),
                                        __builtin_shufflevector(v, v, 2, 3));
  return h[0] > h[1] ? h[0] : h[1];
}
KILN_INLINE kiln_f4 kiln_lo4(kiln_f8 v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3); }
KILN_INLINE kiln_f4 kiln_hi4(kiln_f8 v) { return __builtin_shufflevector(v, v, 4, 5, 6, 7); }
KILN_INLINE float kiln_hsum8(kiln_f8 v) { return kiln_hsum4(kiln_lo4(v) + kiln_hi4(v)); }
KILN_INLINE float kiln_hmax8(kiln_f8 v) {
  return kiln_hmax4(__builtin_elementwise_max(kiln_lo4(v), kiln_hi4(v)));
}
#if KILN_VL == 16
KILN_INLINE kiln_f8 kiln_lo8(kv v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7); }
KILN_INLINE kiln_f8 kiln_hi8(kv v) {
  return __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
}
KILN_INLINE float kv_hsum(kv v) { return kiln_hsum8(kiln_lo8(v) + kiln_hi8(v)); }
KILN_INLINE float kv_hmax(kv v) {
  return kiln_hmax8(__builtin_elementwise_max(kiln_lo8(v), kiln_hi8(v)));
}
#elif KILN_VL == 8
KILN_INLINE float kv_hsum(kv v) { return kiln_hsum8(v); }
KILN_INLINE float kv_hmax(kv v) { return kiln_hmax8(v); }
#else
KILN_INLINE float kv_hsum(kv v) { return kiln_hsum4(v); }
KILN_INLINE float kv_hmax(kv v) { return kiln_hmax4(v); }
#endif

#endif /* KILN_SIMD_H */
