/*===- parallel.h - splitting kernel work over the caller's pool -----------===*/
#ifndef KILN_KERNELS_PARALLEL_H
#define KILN_KERNELS_PARALLEL_H

#include "kiln_rt.h"

#include <time.h>

static inline int32_t kiln_threads(const kiln_exec *ex) {
  return ex && ex->parallel_for && ex->num_threads > 1 ? ex->num_threads : 1;
}

/* Work below this many flops (about 20 us on one core) runs on the calling
   thread by default: waking the pool and moving the operands between cores'
   caches would cost more than it saves (tiny models such as stories260K). */
#define KILN_PARALLEL_MIN_MFLOPS 4

/* `ex` when the work is worth splitting, else NULL (the calling thread). */
static inline const kiln_exec *kiln_exec_for(const kiln_exec *ex, double flops) {
  if (!ex || ex->min_parallel_mflops < 0)
    return ex;
  double min = ex->min_parallel_mflops ? ex->min_parallel_mflops : KILN_PARALLEL_MIN_MFLOPS;
  return flops >= min * 1e6 ? ex : 0;
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

/* fn over [0, count) in one contiguous share per thread, share i being
   [count * i / T, count * (i + 1) / T) as the pool splits a job: for
   memory-bound passes over rows (norms, the K-split sum) that should find
   their rows in the cache of the thread that last wrote them. Handing the
   pool `count` units instead lets a thread that starts a few microseconds
   late lose some of them to the other, which then fetches those rows from
   the other core. */
typedef struct kiln_shares {
  kiln_task_fn fn;
  void *arg;
  int64_t count, threads;
} kiln_shares;

static void kiln_share_task(void *arg, int64_t begin, int64_t end) {
  const kiln_shares *s = (const kiln_shares *)arg;
  for (int64_t i = begin; i < end; ++i) {
    int64_t from = s->count * i / s->threads, to = s->count * (i + 1) / s->threads;
    if (from < to)
      s->fn(s->arg, from, to);
  }
}

static inline void kiln_parallel_shares(const kiln_exec *ex, kiln_task_fn fn, void *arg,
                                        int64_t count) {
  int64_t threads = kiln_threads(ex);
  if (count <= 1 || threads < 2) {
    kiln_parallel(ex, fn, arg, count); /* on the calling thread */
    return;
  }
  kiln_shares s = {fn, arg, count, threads < count ? threads : count};
  kiln_parallel(ex, kiln_share_task, &s, s.threads);
}

/* Kernel entry points time themselves into the run's profile, if any. */
static inline uint64_t kiln_profile_begin(const kiln_exec *ex) {
  if (!ex || !ex->profile)
    return 0;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
static inline void kiln_profile_end(const kiln_exec *ex, uint64_t begin, int kind,
                                    double flops, int64_t s0, int64_t s1, int64_t s2,
                                    int64_t s3, int32_t epilogue) {
  if (!ex || !ex->profile)
    return;
  uint64_t end = kiln_profile_begin(ex);
  kiln_profile *p = ex->profile;
  p->ns[kind] += end - begin;
  p->calls[kind] += 1;
  p->flops[kind] += flops;
  uint32_t i = p->next_call++;
  if (p->call_log && i < p->call_capacity) {
    kiln_profile_call *c = &p->call_log[i];
    c->kind = kind;
    c->epilogue = epilogue;
    c->shape[0] = s0;
    c->shape[1] = s1;
    c->shape[2] = s2;
    c->shape[3] = s3;
    c->flops = flops;
    c->ns += end - begin;
  }
}

#endif /* KILN_KERNELS_PARALLEL_H */
