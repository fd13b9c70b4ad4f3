/*===- bench_util.h - timing helpers shared by the kernel benchmarks -------===*/
#ifndef KILN_BENCH_UTIL_H
#define KILN_BENCH_UTIL_H

#include "thread_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
static double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int bench_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of v[0, n); sorts v. */
static double bench_median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, bench_cmp);
  return v[n / 2];
}

/* The kernel variants the benchmarks link, widest first. */
static const char *const bench_variant_names[3] = {"avx512", "avx2", "generic"};

/* The index into bench_variant_names of the widest variant this CPU runs,
   or of `want` when given; -1 when the CPU cannot run it. */
static int bench_pick_variant(const char *want) {
  int runs[3] = {__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                     __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"),
                 __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), 1};
  for (int i = 0; i < 3; ++i)
    if (runs[i] && (!want || !strcmp(want, bench_variant_names[i])))
      return i;
  return -1;
}

/* Consumes argv[*i] (and its value) when it is --rounds, --variant or
   --threads; 0 when it is none of them. */
static int bench_common_option(int argc, char **argv, int *i, int *rounds, const char **want,
                               int *threads) {
  if (*i + 1 >= argc)
    return 0;
  if (!strcmp(argv[*i], "--rounds"))
    *rounds = atoi(argv[++*i]);
  else if (!strcmp(argv[*i], "--variant"))
    *want = argv[++*i];
  else if (!strcmp(argv[*i], "--threads"))
    *threads = atoi(argv[++*i]);
  else
    return 0;
  return 1;
}

/* After the options: the variant to run (bench_pick_variant), with
   *rounds raised to at least 3 and *threads to at least min_threads, and
   *exec running on a pool of *threads threads (min_parallel_mflops as
   given; no pool for one thread). -1, after saying why on stderr, when the
   CPU cannot run `want` or the threads do not start. */
static int bench_setup(const char *name, const char *want, int *rounds, int *threads,
                       int min_threads, int32_t min_parallel_mflops, kiln_exec *exec) {
  int v = bench_pick_variant(want);
  if (v < 0) {
    fprintf(stderr, "%s: this CPU cannot run the %s kernels\n", name, want);
    return -1;
  }
  if (*rounds < 3)
    *rounds = 3;
  if (*threads < min_threads)
    *threads = min_threads;
  *exec = (kiln_exec){kiln_pool_parallel_for, kiln_pool_create(*threads), *threads,
                      min_parallel_mflops, NULL, NULL, 0};
  if (*threads > 1 && !exec->pool) {
    fprintf(stderr, "cannot start %d threads\n", *threads);
    return -1;
  }
  return v;
}

#endif /* KILN_BENCH_UTIL_H */
