/*===- thread_pool.c - the context's worker threads ------------------------===
 *
 * A model run is a sequence of kernels, each a parallel_for lasting from
 * tens of microseconds to milliseconds, with short serial stretches in
 * between. Workers therefore spin on a generation counter for a while after
 * each job before they sleep on a condition variable, so back-to-back
 * kernels do not pay a wake-up each.
 *
 * Each thread owns a contiguous share of a job's range and runs it in order,
 * so a GEMM thread's next panel is the one it has been prefetching, and
 * consecutive jobs of the same shape give each thread the same share. A
 * thread that finishes early takes units from the back of the others'
 * shares, which keeps threads finishing together when one core is slowed by
 * something else on the machine.
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

/* The part of the current job one thread owns: units [front, back), packed
   in one word so that the owner (taking the front) and thieves (taking the
   back) agree with a single compare-and-swap. Own cache line each. */
typedef struct share {
  _Alignas(64) atomic_uint_fast64_t range;
  /* With timing on: when the thread began the job and ran out of units. */
  uint64_t start_ns, done_ns;
} share;

typedef struct worker_arg {
  struct kiln_pool *pool;
  int index;
} worker_arg;

struct kiln_pool {
  int threads;
  pthread_t *workers;
  worker_arg *args;
  share *shares; /* one per thread; the caller is thread 0 */
  int started;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  /* The current job. */
  kiln_task_fn fn;
  void *arg;
  atomic_int pending; /* workers yet to finish the current job */
  atomic_uint generation;
  atomic_int stop;
  /* Wait accounting (kiln_pool_set_timing), read and written by the caller
     between jobs; the workers only read `timing`, after a job's release. */
  int timing;
  uint64_t job_start_ns, jobs, wait_ns;
};

uint64_t kiln_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t pack_range(uint64_t front, uint64_t back) { return front << 32 | back; }

/* The next unit from the front (own share) or the back (another's), or -1. */
static int64_t take(share *sh, int from_back) {
  uint64_t v = atomic_load_explicit(&sh->range, memory_order_relaxed);
  for (;;) {
    uint64_t front = v >> 32, back = v & 0xffffffffu;
    if (front >= back)
      return -1;
    uint64_t next = from_back ? pack_range(front, back - 1) : pack_range(front + 1, back);
    if (atomic_compare_exchange_weak_explicit(&sh->range, &v, next, memory_order_relaxed,
                                              memory_order_relaxed))
      return (int64_t)(from_back ? back - 1 : front);
  }
}

/* Runs thread `self`'s share in order, then whatever is left of the others'. */
static void run_share(kiln_pool *p, int self) {
  if (p->timing)
    p->shares[self].start_ns = kiln_now_ns();
  int64_t u;
  while ((u = take(&p->shares[self], 0)) >= 0)
    p->fn(p->arg, u, u + 1);
  for (int i = 1; i < p->threads; ++i) {
    share *victim = &p->shares[(self + i) % p->threads];
    while ((u = take(victim, 1)) >= 0)
      p->fn(p->arg, u, u + 1);
  }
  if (p->timing)
    p->shares[self].done_ns = kiln_now_ns();
}

/* After a timed job: each worker waited from the job's start to its own,
   and every thread from running out of units to the last one's finish. */
static void account_wait(kiln_pool *p) {
  uint64_t end = 0, wait = 0;
  for (int i = 0; i < p->threads; ++i)
    end = p->shares[i].done_ns > end ? p->shares[i].done_ns : end;
  for (int i = 0; i < p->threads; ++i) {
    if (i > 0 && p->shares[i].start_ns > p->job_start_ns)
      wait += p->shares[i].start_ns - p->job_start_ns;
    wait += end - p->shares[i].done_ns;
  }
  p->jobs++;
  p->wait_ns += wait;
}

void kiln_pool_set_timing(kiln_pool *p, int on) {
  if (p)
    p->timing = on;
}

void kiln_pool_take_timing(kiln_pool *p, uint64_t *jobs, uint64_t *wait_ns) {
  *jobs = p ? p->jobs : 0;
  *wait_ns = p ? p->wait_ns : 0;
  if (p)
    p->jobs = p->wait_ns = 0;
}

static void *worker_main(void *opaque) {
  kiln_pool *p = ((worker_arg *)opaque)->pool;
  int self = ((worker_arg *)opaque)->index;
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
    run_share(p, self);
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
  p->args = (worker_arg *)calloc((size_t)threads - 1, sizeof(worker_arg));
  p->shares = (share *)aligned_alloc(64, sizeof(share) * (size_t)threads);
  if (!p->workers || !p->args || !p->shares || pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p->workers);
    free(p->args);
    free(p->shares);
    free(p);
    return NULL;
  }
  for (int i = 0; i < threads; ++i)
    atomic_init(&p->shares[i].range, 0);
  pthread_cond_init(&p->wake, NULL);
  atomic_init(&p->pending, 0);
  atomic_init(&p->generation, 0);
  atomic_init(&p->stop, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, WORKER_STACK);
  for (int i = 0; i < threads - 1; ++i) {
    p->args[i] = (worker_arg){p, i + 1};
    if (pthread_create(&p->workers[i], &attr, worker_main, &p->args[i]) != 0)
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
  free(p->args);
  free(p->shares);
  free(p);
}

void kiln_pool_parallel_for(void *opaque, kiln_task_fn fn, void *arg, int64_t count) {
  kiln_pool *p = (kiln_pool *)opaque;
  if (count <= 0)
    return;
  /* Shares are packed as two 32-bit bounds. */
  if (!p || count == 1 || count > (int64_t)UINT32_MAX) {
    fn(arg, 0, count);
    return;
  }
  p->fn = fn;
  p->arg = arg;
  if (p->timing)
    p->job_start_ns = kiln_now_ns();
  for (int i = 0; i < p->threads; ++i)
    atomic_store_explicit(&p->shares[i].range,
                          pack_range((uint64_t)(count * i / p->threads),
                                     (uint64_t)(count * (i + 1) / p->threads)),
                          memory_order_relaxed);
  atomic_store_explicit(&p->pending, p->threads - 1, memory_order_relaxed);
  pthread_mutex_lock(&p->lock);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  run_share(p, 0);
  while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
    KILN_PAUSE();
  if (p->timing)
    account_wait(p);
}
