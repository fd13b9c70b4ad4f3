/*===- thread_pool.c - the context's worker threads ------------------------===
 *
 * A model run is a sequence of kernels, each a parallel_for lasting from
 * tens of microseconds to milliseconds, with short serial stretches in
 * between. Workers therefore spin on a generation counter for a while after
 * each job before they sleep on a condition variable, so back-to-back
 * kernels do not pay a wake-up each. Work is claimed in shrinking chunks
 * from an atomic counter, which keeps threads busy when one core is slowed
 * by something else on the machine.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "thread_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define KILN_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define KILN_PAUSE() __asm__ __volatile__("yield")
#else
#define KILN_PAUSE() ((void)0)
#endif

/* How long an idle worker spins before it sleeps. */
#define SPIN_NS 200000
/* Kernels keep up to a few hundred KiB of blocks on the stack. */
#define WORKER_STACK (4u << 20)

struct kiln_pool {
  int threads;
  pthread_t *workers;
  int started;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  /* The current job. */
  kiln_task_fn fn;
  void *arg;
  int64_t count;
  atomic_int_fast64_t next;
  atomic_int pending; /* workers yet to finish the current job */
  atomic_uint generation;
  atomic_int stop;
};

uint64_t kiln_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Claims and runs chunks until the job's range is exhausted. Chunks shrink
   as the range empties (guided scheduling): big ones while there is much
   left, single units at the end, so threads finish close together. */
static void run_chunks(kiln_pool *p) {
  int64_t begin = atomic_load_explicit(&p->next, memory_order_relaxed);
  for (;;) {
    if (begin >= p->count)
      return;
    int64_t size = (p->count - begin) / ((int64_t)p->threads * 2);
    if (size < 1)
      size = 1;
    if (!atomic_compare_exchange_weak_explicit(&p->next, &begin, begin + size,
                                               memory_order_relaxed, memory_order_relaxed))
      continue;
    p->fn(p->arg, begin, begin + size);
    begin = atomic_load_explicit(&p->next, memory_order_relaxed);
  }
}

static void *worker_main(void *opaque) {
  kiln_pool *p = (kiln_pool *)opaque;
  unsigned seen = 0;
  for (;;) {
    /* Spin, then sleep, until a new generation (job) or stop. */
    unsigned gen = atomic_load_explicit(&p->generation, memory_order_acquire);
    if (gen == seen && !atomic_load(&p->stop)) {
      uint64_t until = kiln_now_ns() + SPIN_NS;
      int spins = 0;
      while ((gen = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
             !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        KILN_PAUSE();
        if (++spins % 256 == 0 && kiln_now_ns() > until)
          break;
      }
      if (gen == seen && !atomic_load(&p->stop)) {
        pthread_mutex_lock(&p->lock);
        while ((gen = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
               !atomic_load(&p->stop))
          pthread_cond_wait(&p->wake, &p->lock);
        pthread_mutex_unlock(&p->lock);
      }
    }
    if (atomic_load(&p->stop))
      return NULL;
    seen = gen;
    run_chunks(p);
    atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
  }
}

int kiln_available_cpus(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return n;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

kiln_pool *kiln_pool_create(int threads) {
  if (threads < 2)
    return NULL;
  kiln_pool *p = (kiln_pool *)calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->threads = threads;
  p->workers = (pthread_t *)calloc((size_t)threads - 1, sizeof(pthread_t));
  if (!p->workers || pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p->workers);
    free(p);
    return NULL;
  }
  pthread_cond_init(&p->wake, NULL);
  atomic_init(&p->next, 0);
  atomic_init(&p->pending, 0);
  atomic_init(&p->generation, 0);
  atomic_init(&p->stop, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, WORKER_STACK);
  for (int i = 0; i < threads - 1; ++i) {
    if (pthread_create(&p->workers[i], &attr, worker_main, p) != 0)
      break;
    ++p->started;
  }
  pthread_attr_destroy(&attr);
  if (p->started != threads - 1) {
    kiln_pool_destroy(p);
    return NULL;
  }
  return p;
}

void kiln_pool_destroy(kiln_pool *p) {
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  atomic_store(&p->stop, 1);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (int i = 0; i < p->started; ++i)
    pthread_join(p->workers[i], NULL);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p->workers);
  free(p);
}

void kiln_pool_parallel_for(void *opaque, kiln_task_fn fn, void *arg, int64_t count) {
  kiln_pool *p = (kiln_pool *)opaque;
  if (count <= 0)
    return;
  if (!p || count == 1) {
    fn(arg, 0, count);
    return;
  }
  p->fn = fn;
  p->arg = arg;
  p->count = count;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  atomic_store_explicit(&p->pending, p->threads - 1, memory_order_relaxed);
  pthread_mutex_lock(&p->lock);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  run_chunks(p);
  while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
    KILN_PAUSE();
}
