/*===- attention.c - flash-style fused attention ---------------------------===
 *
 * One task per (batch, query head, block of up to 128 queries). Keys are visited in
 * blocks of NK: the block of K is transposed and the block of V copied into
 * padded scratch (both stay in L1), scores for RB query rows at a time are
 * computed in registers, masked, and folded into a running (max, sum,
 * output) per row: the online softmax. The S x T score matrix never exists.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "parallel.h"
#include "vmath.h"

#define NK 64     /* keys per block */
#define QB_MAX 128 /* queries per task, at most: one K^T block serves them all */
/* Query rows per register block: RB x CV score accumulators. */
#if KILN_VL >= 16
#define RB 6
#else
#define RB 4
#endif
#define NKV (NK / KILN_VL)
/* Score columns per register chunk: RB x CV accumulators. */
#if KILN_VL >= 16 || defined(__aarch64__)
#define CV 4
#else
#define CV 2
#endif
#define DMAX KILN_ATTENTION_MAX_HEAD_DIM
/* Longest key range a boolean padding mask is expanded for, on the stack. */
#define MASK_ROW_MAX 16384
#define DPAD(d) (((d) + KILN_VL - 1) / KILN_VL * KILN_VL)

_Static_assert(NKV % CV == 0 || NKV < CV, "score chunks tile the key block");

typedef struct unit_ctx {
  const kiln_attention_args *a;
  int64_t qb, qblocks; /* queries per task, tasks per head */
} unit_ctx;

/* kt[x][0..NK) = keys [0, keys) of k (rows ldk apart), dims [0, d): the key
   block transposed, zero past `keys`. Whole VL x VL tiles go through
   registers; the ragged edges element by element. */
static void transpose_keys(const float *k, int64_t ldk, int64_t keys, int64_t d, float *kt) {
  int64_t dfull = d / KILN_VL * KILN_VL;
  for (int64_t j0 = 0; j0 < NK; j0 += KILN_VL) {
    int64_t x = 0;
    if (j0 + KILN_VL <= keys) {
      for (; x < dfull; x += KILN_VL) {
        kv r[KILN_VL];
        KILN_UNROLL
        for (int i = 0; i < KILN_VL; ++i)
          r[i] = kv_load(k + (j0 + i) * ldk + x);
        kv_transpose(r);
        KILN_UNROLL
        for (int i = 0; i < KILN_VL; ++i)
          kv_store(kt + (x + i) * NK + j0, r[i]);
      }
    }
    for (; x < d; ++x)
      for (int64_t j = j0; j < j0 + KILN_VL; ++j)
        kt[x * NK + j] = j < keys ? k[j * ldk + x] : 0.0f;
  }
}

/* Scores of rows q[0..RB) against the NK keys of Kt [d][NK]. */
static void scores(const float *const q[RB], const float *kt, int64_t d, float s[RB][NK]) {
  for (int64_t j0 = 0; j0 < NK; j0 += CV * KILN_VL) {
    kv acc[RB][CV];
    KILN_UNROLL
    for (int r = 0; r < RB; ++r)
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        acc[r][c] = kv_splat(0.0f);
    for (int64_t x = 0; x < d; ++x) {
      kv kb[CV];
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        kb[c] = kv_load(kt + x * NK + j0 + c * KILN_VL);
      KILN_UNROLL
      for (int r = 0; r < RB; ++r) {
        kv qv = kv_splat(q[r][x]);
        KILN_UNROLL
        for (int c = 0; c < CV; ++c)
          acc[r][c] = kv_fma(qv, kb[c], acc[r][c]);
      }
    }
    KILN_UNROLL
    for (int r = 0; r < RB; ++r)
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        kv_store(&s[r][j0 + c * KILN_VL], acc[r][c]);
  }
}

/* o[r][:dvp] += p[r][j] * vb[j][:dvp] over the block's keys; rows of o are
   dvp apart, rows of vb ldv apart. */
static void accumulate(float *o, const float p[RB][NK], const float *vb, int64_t ldv,
                       int64_t dvp, int64_t keys) {
  for (int64_t e0 = 0; e0 < dvp; e0 += CV * KILN_VL) {
    int nc = (int)((dvp - e0) / KILN_VL < CV ? (dvp - e0) / KILN_VL : CV);
    kv acc[RB][CV];
    KILN_UNROLL
    for (int r = 0; r < RB; ++r)
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        acc[r][c] = c < nc ? kv_load(o + r * dvp + e0 + c * KILN_VL) : kv_splat(0.0f);
    for (int64_t j = 0; j < keys; ++j) {
      kv vv[CV];
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        vv[c] = c < nc ? kv_load(vb + j * ldv + e0 + c * KILN_VL) : kv_splat(0.0f);
      KILN_UNROLL
      for (int r = 0; r < RB; ++r) {
        kv pv = kv_splat(p[r][j]);
        KILN_UNROLL
        for (int c = 0; c < CV; ++c)
          acc[r][c] = kv_fma(pv, vv[c], acc[r][c]);
      }
    }
    KILN_UNROLL
    for (int r = 0; r < RB; ++r)
      KILN_UNROLL
      for (int c = 0; c < CV; ++c)
        if (c < nc)
          kv_store(o + r * dvp + e0 + c * KILN_VL, acc[r][c]);
  }
}

/* Scores of one query row after scale, softcap, mask and causality: the
   block's keys past `keys` and past the causal limit are -inf. */
static void finish_scores(const kiln_attention_args *a, float *sr, int64_t b, int64_t h,
                          int64_t i, int64_t j0, int64_t keys) {
  kv scale = kv_splat(a->scale);
  int64_t limit = keys;
  if (a->causal) {
    int64_t visible = i + a->causal_offset - j0 + 1; /* keys j0.. j0 + visible - 1 */
    if (visible < limit)
      limit = visible < 0 ? 0 : visible;
  }
  const int64_t *ms = a->mask_stride;
  int64_t row = b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
  for (int64_t j = 0; j < NK; j += KILN_VL) {
    kv x = kv_load(sr + j) * scale;
    if (a->softcap > 0.0f) {
      kv cap = kv_splat(a->softcap);
      x = cap * kv_tanh(x / cap);
    }
    if (a->mask_kind == 1) {
      const float *m = (const float *)a->mask + row;
      if (ms[3] == 1 && j + KILN_VL <= limit)
        x += kv_load(m + j);
      else
        for (int l = 0; l < KILN_VL && j + l < limit; ++l)
          x[l] += m[(j + l) * ms[3]];
    } else if (a->mask_kind == 2) {
      const unsigned char *m = (const unsigned char *)a->mask + row;
      for (int l = 0; l < KILN_VL && j + l < limit; ++l)
        if (!m[(j + l) * ms[3]])
          x[l] = -__builtin_inff();
    }
    if (j + KILN_VL > limit)
      for (int l = 0; l < KILN_VL; ++l)
        if (j + l >= limit)
          x[l] = -__builtin_inff();
    kv_store(sr + j, x);
  }
}

static void run_unit(const unit_ctx *u, int64_t unit) {
  const kiln_attention_args *a = u->a;
  int64_t qb = unit % u->qblocks, h = unit / u->qblocks % a->q_heads,
          b = unit / u->qblocks / a->q_heads, QB = u->qb;
  int64_t group = a->q_heads / a->kv_heads, hk = h / group;
  int64_t i0 = qb * QB, i1 = i0 + QB < a->s ? i0 + QB : a->s;
  int64_t d = a->d, dv = a->dv, dvp = DPAD(dv), offset = a->causal_offset;
  /* A boolean mask that is the same for every query (padding) becomes one
     additive row of 0 / -inf for the task, read with vector loads. */
  kiln_attention_args local;
  int rowMask = a->mask_kind == 2 && a->mask_stride[2] == 0 && a->t <= MASK_ROW_MAX;
  float mrow[rowMask ? a->t : 1];
  if (rowMask) {
    const unsigned char *m = (const unsigned char *)a->mask + b * a->mask_stride[0] +
                             h * a->mask_stride[1];
    for (int64_t j = 0; j < a->t; ++j)
      mrow[j] = m[j * a->mask_stride[3]] ? 0.0f : -__builtin_inff();
    local = *a;
    local.mask = mrow;
    local.mask_kind = 1;
    local.mask_stride[0] = local.mask_stride[1] = local.mask_stride[2] = 0;
    local.mask_stride[3] = 1;
    a = &local;
  }
  const float *qbase = a->q + b * a->q_stride[0] + h * a->q_stride[1];
  const float *kbase = a->k + b * a->k_stride[0] + hk * a->k_stride[1];
  const float *vbase = a->v + b * a->v_stride[0] + hk * a->v_stride[1];

  /* Scratch sized by the head dims (at most DMAX): K^T of one key block, V
     of it when its rows need padding, and the running output of every query
     row of the task (whole register blocks, so rows past the end are
     computed and dropped). */
  int copyV = dv % KILN_VL != 0;
  float kt[d * NK] __attribute__((aligned(64)));
  float vb[copyV ? NK * dvp : 1] __attribute__((aligned(64)));
  float o[(QB + RB) * dvp] __attribute__((aligned(64)));
  float m[QB_MAX + RB], l[QB_MAX + RB];
  for (int64_t i = 0; i < QB + RB; ++i) {
    m[i] = -__builtin_inff();
    l[i] = 0.0f;
  }
  for (int64_t e = 0; e < (QB + RB) * dvp; ++e)
    o[e] = 0.0f;
  /* Causal: the last query of the block sees keys up to i1 - 1 + offset. */
  int64_t tend = a->causal && i1 + offset < a->t ? i1 + offset : a->t;
  for (int64_t j0 = 0; j0 < tend; j0 += NK) {
    int64_t keys = tend - j0 < NK ? tend - j0 : NK;
    transpose_keys(kbase + j0 * a->k_stride[2], a->k_stride[2], keys, d, kt);
    const float *vrows = vbase + j0 * a->v_stride[2];
    int64_t ldv = a->v_stride[2];
    if (copyV) {
      for (int64_t j = 0; j < keys; ++j)
        for (int64_t e = 0; e < dvp; ++e)
          vb[j * dvp + e] = e < dv ? vrows[j * ldv + e] : 0.0f;
      vrows = vb;
      ldv = dvp;
    }
    for (int64_t r0 = i0; r0 < i1; r0 += RB) {
      const float *q[RB];
      for (int r = 0; r < RB; ++r)
        q[r] = qbase + (r0 + r < i1 ? r0 + r : i1 - 1) * a->q_stride[2];
      float s[RB][NK] __attribute__((aligned(64)));
      scores(q, kt, d, s);
      float p[RB][NK] __attribute__((aligned(64)));
      for (int r = 0; r < RB; ++r) {
        int64_t i = r0 + r;
        float *mi = &m[i - i0], *li = &l[i - i0];
        float mnew = -__builtin_inff();
        if (i < i1) {
          finish_scores(a, s[r], b, h, i, j0, keys);
          kv mx = kv_load(s[r]);
          for (int c = 1; c < NKV; ++c)
            mx = kv_max(mx, kv_load(s[r] + c * KILN_VL));
          mnew = kv_hmax(mx);
          if (mnew < *mi)
            mnew = *mi;
        }
        if (mnew == -__builtin_inff()) {
          for (int64_t j = 0; j < NK; ++j)
            p[r][j] = 0.0f;
          continue;
        }
        kv sum = kv_splat(0.0f), mv = kv_splat(mnew);
        for (int c = 0; c < NKV; ++c) {
          kv e = kv_exp(kv_load(s[r] + c * KILN_VL) - mv);
          kv_store(&p[r][c * KILN_VL], e);
          sum += e;
        }
        float alpha = kv_exp(kv_splat(*mi - mnew))[0];
        *li = *li * alpha + kv_hsum(sum);
        *mi = mnew;
        if (alpha != 1.0f)
          for (int64_t e = 0; e < dvp; e += KILN_VL)
            kv_store(o + (i - i0) * dvp + e, kv_load(o + (i - i0) * dvp + e) * kv_splat(alpha));
      }
      accumulate(o + (r0 - i0) * dvp, p, vrows, ldv, dvp, keys);
    }
  }
  float *obase = a->o + b * a->o_stride[0] + h * a->o_stride[1];
  for (int64_t i = i0; i < i1; ++i) {
    float *out = obase + i * a->o_stride[2];
    float li = l[i - i0];
    float inv = li > 0.0f ? 1.0f / li : 0.0f;
    for (int64_t e = 0; e < dv; ++e)
      out[e] = o[(i - i0) * dvp + e] * inv;
  }
}

static void attention_task(void *arg, int64_t begin, int64_t end) {
  for (int64_t u = begin; u < end; ++u)
    run_unit((const unit_ctx *)arg, u);
}

static void attention(const kiln_exec *ex, const kiln_attention_args *a);

void KILN_KERNEL(attention_f32)(const kiln_exec *ex, const kiln_attention_args *a) {
  uint64_t t0 = kiln_profile_begin(ex);
  attention(ex, a);
  kiln_profile_end(ex, t0, KILN_PROFILE_ATTENTION,
                   2.0 * a->batch * a->q_heads * a->s * a->t * (a->d + a->dv));
}

static void attention(const kiln_exec *ex, const kiln_attention_args *a) {
  if (a->batch <= 0 || a->q_heads <= 0 || a->s <= 0 || a->dv <= 0)
    return;
  ex = kiln_exec_for(ex, 2.0 * a->batch * a->q_heads * a->s * a->t * (a->d + a->dv));
  /* The largest block of queries (a multiple of RB, at most QB_MAX) that
     still gives every thread four tasks, when the heads allow it. */
  int64_t heads = a->batch * a->q_heads, want = 4 * kiln_threads(ex);
  /* Causal tasks skip the key blocks past their last query: keep them to one
     key block of queries. */
  int64_t qb = a->causal ? NK : QB_MAX;
  while (qb > 16 && heads * ((a->s + qb - 1) / qb) < want)
    qb /= 2;
  if (qb > (a->s + RB - 1) / RB * RB)
    qb = (a->s + RB - 1) / RB * RB;
  unit_ctx u = {a, qb, (a->s + qb - 1) / qb};
  kiln_parallel(ex, attention_task, &u, heads * u.qblocks);
}
