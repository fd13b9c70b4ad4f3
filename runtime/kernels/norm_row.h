/*===- norm_row.h - LayerNorm / RMSNorm of one row --------------------------===
 *
 * Shared by the norm kernel and the GEMM's norm epilogue, so that a norm
 * fused into a GEMM gives the bits the norm kernel would: passes over the
 * row for its mean (LayerNorm) and variance, then the normalised row. The
 * variance is that of the centred row (two passes over a row that sits in
 * L1), as the reference lowering computes it, rather than E[x^2] - E[x]^2,
 * which cancels.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_KERNELS_NORM_ROW_H
#define KILN_KERNELS_NORM_ROW_H

#include "vmath.h"

#include <math.h>

typedef struct norm_params {
  int64_t cols;
  const float *gamma, *beta; /* beta may be NULL */
  float epsilon;
  int32_t rms;
} norm_params;

/* Element j of the row being normalised: x, or x + s with a skip. */
KILN_INLINE kv row_vec(const float *x, const float *s, const int skip, int64_t j) {
  return skip ? kv_load(x + j) + kv_load(s + j) : kv_load(x + j);
}
KILN_INLINE float row_at(const float *x, const float *s, const int skip, int64_t j) {
  return skip ? x[j] + s[j] : x[j];
}

/* The sum over whole vectors [0, nv) of the row's (element - c), squared
   when `square`, in four chains: one chain would wait out the add's latency
   at every vector. */
KILN_INLINE kv row_sum(const float *x, const float *s, const int skip, int64_t nv, kv c,
                       const int square) {
  kv acc[4] = {kv_splat(0.0f), kv_splat(0.0f), kv_splat(0.0f), kv_splat(0.0f)};
  int64_t j = 0;
  for (; j + 4 * KILN_VL <= nv; j += 4 * KILN_VL)
    KILN_UNROLL
    for (int u = 0; u < 4; ++u) {
      kv d = row_vec(x, s, skip, j + u * KILN_VL) - c;
      acc[u] = square ? kv_fma(d, d, acc[u]) : acc[u] + d;
    }
  for (; j < nv; j += KILN_VL) {
    kv d = row_vec(x, s, skip, j) - c;
    acc[0] = square ? kv_fma(d, d, acc[0]) : acc[0] + d;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/* Normalises one row of x (+ s when `skip`) into y, which may be x. Inlined
   with `skip` constant, so a residual add that nothing else reads costs no
   store. */
KILN_INLINE void norm_row(const norm_params *a, const float *x, const float *s,
                          const int skip, float *y) {
  int64_t n = a->cols, nv = n / KILN_VL * KILN_VL, j;
  float tail = 0.0f, mean = 0.0f;
  if (!a->rms) {
    for (j = nv; j < n; ++j)
      tail += row_at(x, s, skip, j);
    mean = (kv_hsum(row_sum(x, s, skip, nv, kv_splat(0.0f), 0)) + tail) / (float)n;
    tail = 0.0f;
  }
  kv mv = kv_splat(mean);
  for (j = nv; j < n; ++j) {
    float c = row_at(x, s, skip, j) - mean;
    tail += c * c;
  }
  float var = (kv_hsum(row_sum(x, s, skip, nv, mv, 1)) + tail) / (float)n;
  float inv = 1.0f / sqrtf(var + a->epsilon);
  kv iv = kv_splat(inv);
  for (j = 0; j < nv; j += KILN_VL) {
    kv v = (row_vec(x, s, skip, j) - mv) * iv * kv_load(a->gamma + j);
    if (a->beta)
      v += kv_load(a->beta + j);
    kv_store(y + j, v);
  }
  for (; j < n; ++j)
    y[j] = (row_at(x, s, skip, j) - mean) * inv * a->gamma[j] + (a->beta ? a->beta[j] : 0.0f);
}

#endif /* KILN_KERNELS_NORM_ROW_H */
