/*===- norm.c - LayerNorm and RMSNorm, with the residual add fused ---------===
 *
 * Each row as norm_row.h normalises it. With a skip, x + skip is stored to
 * `sum` first when asked for, else added as the passes read.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "parallel.h"
#include "norm_row.h"

/* Rows per parallel task. Threads only pay off past a few tens of thousands
   of elements: a norm is a few passes over its rows, so tiny ones (a decoder
   step, stories260K) run on the calling thread. Larger ones split, which
   also splits the fetching of rows that another core's GEMM tiles wrote:
   one share of whole tasks per thread (kiln_parallel_shares), the split the
   K-split GEMM's summing pass uses too, so a norm's thread finds the rows
   that it summed, and the residual it stored last time, in its own cache. */
#define ROWS_PER_TASK 8
#define PARALLEL_ELEMENTS (1 << 15)

static void norm_rows(void *arg, int64_t begin, int64_t end) {
  const kiln_norm_args *a = (const kiln_norm_args *)arg;
  const norm_params np = {a->cols, a->gamma, a->beta, a->epsilon, a->rms};
  int64_t n = a->cols;
  for (int64_t row = begin * ROWS_PER_TASK; row < end * ROWS_PER_TASK && row < a->rows; ++row) {
    const float *x = a->x + row * a->ldx;
    float *y = a->y + row * a->ldy;
    if (!a->skip) {
      norm_row(&np, x, 0, 0, y);
    } else if (!a->sum) {
      /* x + skip added as each pass reads the row (in L1): stored nowhere. */
      norm_row(&np, x, a->skip + row * a->ldskip, 1, y);
    } else {
      /* The sum is an output (the residual stream of pre-norm models). */
      const float *sk = a->skip + row * a->ldskip;
      float *sum = a->sum + row * a->ldsum;
      int64_t j = 0;
      for (; j + KILN_VL <= n; j += KILN_VL)
        kv_store(sum + j, kv_load(x + j) + kv_load(sk + j));
      for (; j < n; ++j)
        sum[j] = x[j] + sk[j];
      norm_row(&np, sum, 0, 0, y);
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
