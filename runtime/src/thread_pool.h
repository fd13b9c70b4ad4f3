/*===- thread_pool.h - the context's worker threads ------------------------===*/
#ifndef KILN_RUNTIME_THREAD_POOL_H
#define KILN_RUNTIME_THREAD_POOL_H

#include "kiln_rt.h"

typedef struct kiln_pool kiln_pool;

/* A pool running parallel_for on `threads` threads: the caller and
   threads - 1 workers. NULL if threads could not be started. */
kiln_pool *kiln_pool_create(int threads);
void kiln_pool_destroy(kiln_pool *pool);

/* kiln_parallel_for_fn over a kiln_pool. Not reentrant: one caller at a
   time (a context runs on one thread at a time). */
void kiln_pool_parallel_for(void *pool, kiln_task_fn fn, void *arg, int64_t count);

/* While on, every job records how long its threads waited in it (see
   kiln_profile.wait_ns); off by default: two clock reads per thread and
   job. Set it only between jobs. */
void kiln_pool_set_timing(kiln_pool *pool, int on);
/* The jobs run and the thread-nanoseconds waited while timing was on,
   since the last call; resets both. */
void kiln_pool_take_timing(kiln_pool *pool, uint64_t *jobs, uint64_t *wait_ns);

/* CPUs this process may run on. */
int kiln_available_cpus(void);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t kiln_now_ns(void);

#endif /* KILN_RUNTIME_THREAD_POOL_H */
