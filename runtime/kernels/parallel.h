/*===- parallel.h - splitting kernel work over the caller's pool -----------===*/
#ifndef KILN_KERNELS_PARALLEL_H
#define KILN_KERNELS_PARALLEL_H

#include "kiln_rt.h"

static inline int32_t kiln_threads(const kiln_exec *ex) {
  return ex && ex->parallel_for && ex->num_threads > 1 ? ex->num_threads : 1;
}

/* fn over [0, count): on the pool when there is one and count > 1. */
static inline void kiln_parallel(const kiln_exec *ex, kiln_task_fn fn, void *arg,
                                 int64_t count) {
  if (count <= 0)
    return;
  if (count > 1 && kiln_threads(ex) > 1)
    ex->parallel_for(ex->pool, fn, arg, count);
  else
    fn(arg, 0, count);
}

#endif /* KILN_KERNELS_PARALLEL_H */
