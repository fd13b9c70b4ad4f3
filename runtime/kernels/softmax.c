/*===- softmax.c - softmax and log-softmax over rows -----------------------===*/
#include "kiln_kernels.h"
#include "parallel.h"
#include "vmath.h"

#include <math.h>

#define ROWS_PER_TASK 8

static void softmax_rows(void *arg, int64_t begin, int64_t end) {
  const kiln_softmax_args *a = (const kiln_softmax_args *)arg;
  int64_t n = a->cols, nv = n / KILN_VL * KILN_VL;
  for (int64_t row = begin * ROWS_PER_TASK; row < end * ROWS_PER_TASK && row < a->rows; ++row) {
    const float *x = a->x + row * a->ldx;
    float *y = a->y + row * a->ldy;
    kv mv = kv_splat(-__builtin_inff());
    int64_t j = 0;
    for (; j < nv; j += KILN_VL)
      mv = kv_max(mv, kv_load(x + j));
    float m = kv_hmax(mv);
    for (; j < n; ++j)
      m = x[j] > m ? x[j] : m;
    /* A row of -inf has no maximum to subtract: exp(-inf - -inf) is NaN in
       the reference too. */
    if (m == -__builtin_inff()) {
      for (j = 0; j < n; ++j)
        y[j] = __builtin_nanf("");
      continue;
    }
    mv = kv_splat(m);
    kv sum = kv_splat(0.0f);
    float tail = 0.0f;
    for (j = 0; j < nv; j += KILN_VL) {
      kv e = kv_exp(kv_load(x + j) - mv);
      if (!a->log)
        kv_store(y + j, e);
      sum += e;
    }
    for (; j < n; ++j) {
      float e = kv_exp(kv_splat(x[j] - m))[0];
      if (!a->log)
        y[j] = e;
      tail += e;
    }
    float s = kv_hsum(sum) + tail;
    if (a->log) {
      kv shift = kv_splat(m + logf(s));
      for (j = 0; j < nv; j += KILN_VL)
        kv_store(y + j, kv_load(x + j) - shift);
      for (; j < n; ++j)
        y[j] = x[j] - (m + logf(s));
    } else {
      kv inv = kv_splat(1.0f / s);
      for (j = 0; j < nv; j += KILN_VL)
        kv_store(y + j, kv_load(y + j) * inv);
      for (; j < n; ++j)
        y[j] *= 1.0f / s;
    }
  }
}

void KILN_KERNEL(softmax_f32)(const kiln_exec *ex, const kiln_softmax_args *a) {
  if (a->rows <= 0 || a->cols <= 0)
    return;
  uint64_t t0 = kiln_profile_begin(ex);
  /* About 20 flops per element (the exp). */
  kiln_parallel(kiln_exec_for(ex, 20.0 * a->rows * a->cols), softmax_rows, (void *)(uintptr_t)a,
                (a->rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
  kiln_profile_end(ex, t0, KILN_PROFILE_SOFTMAX, 0, a->rows, a->cols, 0, 0, 0);
}
