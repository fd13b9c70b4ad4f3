/*===- norm.c - LayerNorm and RMSNorm, with the residual add fused ---------===
 *
 * Passes over each row: its mean (LayerNorm), its variance, then the
 * normalised row. With a skip, x + skip is stored to `sum` first when asked
 * for, else added as the passes read. LayerNorm takes the variance of the
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
   also splits the fetching of rows that another core's GEMM tiles wrote:
   one share of whole tasks per thread (kiln_parallel_shares), the split the
   K-split GEMM's summing pass uses too, so a norm's thread finds the rows
   that it summed, and the residual it stored last time, in its own cache. */
#define ROWS_PER_TASK 8
#define PARALLEL_ELEMENTS (1 << 15)

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

/* Normalises one row of x (+ s when `skip`) into y. Inlined with `skip`
   constant, so a residual add that nothing else reads costs no store. */
KILN_INLINE void norm_row(const kiln_norm_args *a, const float *x, const float *s,
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

static void norm_rows(void *arg, int64_t begin, int64_t end) {
  const kiln_norm_args *a = (const kiln_norm_args *)arg;
  int64_t n = a->cols;
  for (int64_t row = begin * ROWS_PER_TASK; row < end * ROWS_PER_TASK && row < a->rows; ++row) {
    const float *x = a->x + row * a->ldx;
    float *y = a->y + row * a->ldy;
    if (!a->skip) {
      norm_row(a, x, 0, 0, y);
    } else if (!a->sum) {
      /* x + skip added as each pass reads the row (in L1): stored nowhere. */
      norm_row(a, x, a->skip + row * a->ldskip, 1, y);
    } else {
      /* The sum is an output (the residual stream of pre-norm models). */
      const float *sk = a->skip + row * a->ldskip;
      float *sum = a->sum + row * a->ldsum;
      int64_t j = 0;
      for (; j + KILN_VL <= n; j += KILN_VL)
        kv_store(sum + j, kv_load(x + j) + kv_load(sk + j));
      for (; j < n; ++j)
        sum[j] = x[j] + sk[j];
      norm_row(a, sum, 0, 0, y);
    }
  }
}

void KILN_KERNEL(norm_f32)(const kiln_exec *ex, const kiln_norm_args *a) {
  if (a->rows <= 0 || a->cols <= 0)
    return;
  uint64_t t0 = kiln_profile_begin(ex);
  int64_t tasks = (a->rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
  /* min_parallel_mflops < 0 splits every kernel, these too. */
  if (a->rows * a->cols < PARALLEL_ELEMENTS && !(ex && ex->min_parallel_mflops < 0))
    norm_rows((void *)(uintptr_t)a, 0, tasks);
  else
    kiln_parallel_shares(ex, norm_rows, (void *)(uintptr_t)a, tasks);
  kiln_profile_end(ex, t0, KILN_PROFILE_NORM, 0, a->rows, a->cols, 0, 0, 0);
}
