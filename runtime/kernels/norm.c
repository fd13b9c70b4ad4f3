/*===- norm.c - LayerNorm and RMSNorm, with the residual add fused ---------===
 *
 * One pass computes the row (x + skip, stored to `sum` when asked) and its
 * statistics, a second normalises. LayerNorm takes the variance of the
 * centred row (two passes over a row that sits in L1), as the reference
 * lowering does, rather than E[x^2] - E[x]^2, which cancels.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "parallel.h"
#include "vmath.h"

#include <math.h>

/* Rows per parallel task. Threads only pay off past a few tens of thousands
   of elements: a norm is a few passes over its rows, so tiny ones (a decoder
   step, stories260K) run on the calling thread. Larger ones split, which
   also splits the fetching of rows that another core's GEMM tiles wrote. */
#define ROWS_PER_TASK 8
#define PARALLEL_ELEMENTS (1 << 15)

static void norm_rows(void *arg, int64_t begin, int64_t end) {
  const kiln_norm_args *a = (const kiln_norm_args *)arg;
  int64_t n = a->cols, nv = n / KILN_VL * KILN_VL;
  for (int64_t row = begin * ROWS_PER_TASK; row < end * ROWS_PER_TASK && row < a->rows; ++row) {
    const float *x = a->x + row * a->ldx;
    float *y = a->y + row * a->ldy;
    /* With skip, the sum goes to `sum` (or to y) and is read back from there. */
    if (a->skip) {
      const float *s = a->skip + row * a->ldskip;
      float *dst = a->sum ? a->sum + row * a->ldsum : y;
      int64_t j = 0;
      for (; j < nv; j += KILN_VL)
        kv_store(dst + j, kv_load(x + j) + kv_load(s + j));
      for (; j < n; ++j)
        dst[j] = x[j] + s[j];
      x = dst;
    }
    kv acc = kv_splat(0.0f);
    float tail = 0.0f, mean = 0.0f;
    int64_t j = 0;
    if (!a->rms) {
      for (j = 0; j < nv; j += KILN_VL)
        acc += kv_load(x + j);
      for (; j < n; ++j)
        tail += x[j];
      mean = (kv_hsum(acc) + tail) / (float)n;
      acc = kv_splat(0.0f);
      tail = 0.0f;
    }
    kv mv = kv_splat(mean);
    for (j = 0; j < nv; j += KILN_VL) {
      kv c = kv_load(x + j) - mv;
      acc = kv_fma(c, c, acc);
    }
    for (; j < n; ++j)
      tail += (x[j] - mean) * (x[j] - mean);
    float var = (kv_hsum(acc) + tail) / (float)n;
    float inv = 1.0f / sqrtf(var + a->epsilon);
    kv iv = kv_splat(inv);
    for (j = 0; j < nv; j += KILN_VL) {
      kv v = (kv_load(x + j) - mv) * iv * kv_load(a->gamma + j);
      if (a->beta)
        v += kv_load(a->beta + j);
      kv_store(y + j, v);
    }
    for (; j < n; ++j)
      y[j] = (x[j] - mean) * inv * a->gamma[j] + (a->beta ? a->beta[j] : 0.0f);
  }
}

void KILN_KERNEL(norm_f32)(const kiln_exec *ex, const kiln_norm_args *a) {
  if (a->rows <= 0 || a->cols <= 0)
    return;
  uint64_t t0 = kiln_profile_begin(ex);
  int64_t tasks = (a->rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
  if (a->rows * a->cols < PARALLEL_ELEMENTS)
    norm_rows((void *)(uintptr_t)a, 0, tasks);
  else
    kiln_parallel(ex, norm_rows, (void *)(uintptr_t)a, tasks);
  kiln_profile_end(ex, t0, KILN_PROFILE_NORM, 0, a->rows, a->cols, 0, 0, 0);
}
