/* The kernel library of one ISA against naive double-precision loops, in
 * plain C so that it cross-compiles: kernels_neon.test runs it for NEON under
 * qemu (test/unit/KernelsTest.cpp covers the x86 variants in more depth).
 * Built with -DKILN_KERNEL_SUFFIX=_<isa> together with the kernel sources. */
#include "kiln_kernels.h"
#include "simd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned seed = 1;
static float rnd(void) {
  seed = seed * 1103515245u + 12345u;
  return (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
}
/* 64-byte aligned, as kilnc's buffers are: the GEMM streams large outputs
   only to aligned rows. */
static float *vec(int64_t n) {
  size_t bytes = (sizeof(float) * (size_t)(n > 0 ? n : 1) + 63) / 64 * 64;
  float *v = aligned_alloc(64, bytes);
  for (int64_t i = 0; i < n; ++i)
    v[i] = rnd();
  return v;
}

/* A pool of `threads` that runs the tasks in order on the calling thread:
   enough for the kernels to split (over K, too, with the scratch). */
static void in_order(void *pool, kiln_task_fn fn, void *arg, int64_t count) {
  (void)pool;
  for (int64_t i = 0; i < count; ++i)
    fn(arg, i, i + 1);
}

/* With k_split > 0, on 3 threads with scratch for every slice. */
static int check_gemm_split(int64_t m, int64_t n, int64_t k, int layout, int act,
                            int64_t k_split) {
  int tb = layout == KILN_B_TRANSPOSED;
  float *a = vec(m * k), *b = vec(k * n), *bias = vec(n), *r = vec(m * n), *c = vec(m * n);
  float *bp = b;
  if (layout == KILN_B_PACKED) {
    bp = malloc(sizeof(float) * (size_t)(((n + KILN_GEMM_NR - 1) / KILN_GEMM_NR) * KILN_GEMM_NR * k + 1));
    KILN_KERNEL(pack_b_f32)(n, k, b, n, 0, bp);
  }
  kiln_gemm_args g = {1, m, n, k, a, 0, k, bp, 0, tb ? k : n, bias, r, 0, n, c, 0, n,
                      layout, act, k_split, NULL, NULL, NULL, 0, 0, 0.0f, 0,
                      /* stream_c: a C of a MiB or more is streamed */ 1};
  if (k_split) {
    float *scratch = malloc(sizeof(float) * (size_t)(2 * m * n));
    kiln_exec ex = {in_order, NULL, 3, -1, NULL, scratch, (uint64_t)(2 * m * n) * sizeof(float)};
    KILN_KERNEL(gemm_f32)(&ex, &g);
    free(scratch);
  } else {
    KILN_KERNEL(gemm_f32)(NULL, &g);
  }
  int bad = 0;
  for (int64_t i = 0; i < m && !bad; ++i)
    for (int64_t j = 0; j < n && !bad; ++j) {
      double s = bias[j], mag = 2;
      for (int64_t x = 0; x < k; ++x) {
        double p = (double)a[i * k + x] * (tb ? b[j * k + x] : b[x * n + j]);
        s += p;
        mag += fabs(p);
      }
      if (act == KILN_ACT_RELU)
        s = s > 0 ? s : 0;
      else if (act == KILN_ACT_GELU)
        s = 0.5 * s * (1 + erf(s / sqrt(2.0)));
      s += r[i * n + j];
      if (fabs(c[i * n + j] - s) > 1e-5 * mag) {
        printf("gemm %lldx%lldx%lld layout %d act %d: C[%lld][%lld] = %g, want %g\n",
               (long long)m, (long long)n, (long long)k, layout, act, (long long)i,
               (long long)j, c[i * n + j], s);
        bad = 1;
      }
    }
  if (bp != b)
    free(bp);
  free(a), free(b), free(bias), free(r), free(c);
  return bad;
}

static int check_gemm(int64_t m, int64_t n, int64_t k, int layout, int act) {
  return check_gemm_split(m, n, k, layout, act, 0);
}

static int check_attention(int64_t s, int64_t t, int64_t d, int64_t hq, int64_t hkv, int causal) {
  float *q = vec(hq * s * d), *k = vec(hkv * t * d), *v = vec(hkv * t * d), *o = vec(hq * s * d);
  float *mask = vec(t);
  kiln_attention_args a = {0};
  a.batch = 1, a.q_heads = hq, a.kv_heads = hkv, a.s = s, a.t = t, a.d = d, a.dv = d;
  a.q = q, a.q_stride[1] = s * d, a.q_stride[2] = d;
  a.k = k, a.k_stride[1] = t * d, a.k_stride[2] = d;
  a.v = v, a.v_stride[1] = t * d, a.v_stride[2] = d;
  a.o = o, a.o_stride[1] = s * d, a.o_stride[2] = d;
  a.mask = mask, a.mask_kind = 1, a.mask_stride[3] = 1;
  a.causal = causal, a.causal_offset = t - s, a.scale = 0.25f;
  KILN_KERNEL(attention_f32)(NULL, &a);
  int bad = 0;
  double *p = malloc(sizeof(double) * (size_t)t);
  for (int64_t h = 0; h < hq && !bad; ++h)
    for (int64_t i = 0; i < s && !bad; ++i) {
      const float *kh = k + (h / (hq / hkv)) * t * d, *vh = v + (h / (hq / hkv)) * t * d;
      double mx = -INFINITY, sum = 0;
      for (int64_t j = 0; j < t; ++j) {
        double x = 0;
        for (int64_t e = 0; e < d; ++e)
          x += (double)q[(h * s + i) * d + e] * kh[j * d + e];
        p[j] = causal && j > i + t - s ? -INFINITY : x * 0.25 + mask[j];
        mx = p[j] > mx ? p[j] : mx;
      }
      for (int64_t j = 0; j < t; ++j)
        sum += (p[j] = exp(p[j] - mx));
      for (int64_t e = 0; e < d && !bad; ++e) {
        double want = 0;
        for (int64_t j = 0; j < t; ++j)
          want += p[j] * vh[j * d + e];
        want /= sum;
        if (fabs(o[(h * s + i) * d + e] - want) > 2e-6) {
          printf("attention s=%lld t=%lld d=%lld: O[%lld][%lld][%lld] = %g, want %g\n",
                 (long long)s, (long long)t, (long long)d, (long long)h, (long long)i,
                 (long long)e, o[(h * s + i) * d + e], want);
          bad = 1;
        }
      }
    }
  free(p), free(q), free(k), free(v), free(o), free(mask);
  return bad;
}

int main(void) {
  static const int64_t ms[] = {1, 3, 8, 9, 17}, ns[] = {1, 11, 12, 13, 50}, ks[] = {1, 7, 300};
  int cases = 0, bad = 0;
  for (int im = 0; im < 5; ++im)
    for (int in = 0; in < 5; ++in)
      for (int ik = 0; ik < 3; ++ik, ++cases)
        bad += check_gemm(ms[im], ns[in], ks[ik], cases % 3, (cases / 3) % 3);
  printf("gemm: %d cases, %d wrong\n", cases, bad);
  int scases = 0, sbad = 0;
  static const int64_t splits[][4] = {{17, 50, 300, KILN_GEMM_NR}, {9, 13, 7, 1}, {1, 1, 300, 5},
                                      {8, 12, 2 * KILN_GEMM_NR, KILN_GEMM_NR}};
  for (int i = 0; i < 4; ++i, ++scases)
    sbad += check_gemm_split(splits[i][0], splits[i][1], splits[i][2], i % 3, i % 3, splits[i][3]);
  printf("gemm split over K: %d cases, %d wrong\n", scases, sbad);
  bad += sbad;
  int big = check_gemm(40, 7024, 33, KILN_B_PACKED, KILN_ACT_GELU);
  printf("gemm with a streamed 1 MiB output: %d wrong\n", big);
  bad += big;
  int acases = 0, abad = 0;
  /* Last key blocks of 1, 2 and 3 vectors (4 lanes) and ragged within one. */
  static const int64_t shapes[][6] = {{1, 1, 8, 1, 1, 0},     {5, 5, 8, 2, 2, 0},
                                      {33, 70, 16, 4, 2, 1},  {70, 70, 36, 2, 1, 1},
                                      {7, 130, 64, 2, 2, 0},  {9, 76, 16, 2, 2, 0}};
  for (int i = 0; i < 6; ++i, ++acases)
    abad += check_attention(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4],
                            (int)shapes[i][5]);
  printf("attention: %d cases, %d wrong\n", acases, abad);
  return bad || abad;
}
