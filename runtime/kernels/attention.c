/*===- attention.c - flash-style fused attention ---------------------------===
 *
 * One task per (batch, query head, block of up to 128 queries). Keys are visited in
 * blocks of NK: the block of K is transposed and the block of V copied into
 * padded scratch (both stay in L1), scores for RB query rows at a time are
 * computed in registers, masked, and folded into a running (max, sum,
 * output) per row: the online softmax. The S x T score matrix never exists.
 * A row's running maximum only moves when a block's exceeds it by more than
 * RESCALE_SLACK, so the output is rarely rescaled; weights stay below
 * e^RESCALE_SLACK, far from overflow, and the final division by the sum
 * cancels whichever maximum was subtracted.
 *
 * Where a block is whole and needs no softcap, the scale, the additive
 * mask, causality and the row maximum are applied to the scores while they
 * are still in registers (block_scores); other blocks go through
 * finish_scores.
 *
 * Short key ranges (up to a few hundred keys, as BERT and GPT-2 at sequence
 * 128 have) take a direct path instead: the task's whole K^T fits in L1/L2,
 * so a block of RB query rows gets its scores against every key at once (RB
 * rows of scores, a few KiB), one exact softmax per row, and one pass over
 * V with the output rows in registers: no running maximum, and no
 * rescaling of the output block by block.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "parallel.h"
#include "vmath.h"

#define NK 64     /* keys per block */
#define QB_MAX 128 /* queries per task, at most: one K^T block serves them all */
/* Query rows per register block: RB x CV score accumulators (AVX2: 6 x 2,
   12 of its 16 registers). */
#if KILN_VL >= 8
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
/* The direct path's limits: K^T of the task and the RB rows of scores. */
#define DIRECT_KT_BYTES (64 << 10)
#define DIRECT_KEYS_MAX 512
/* How far (in logits) a row's maximum may rise before the online softmax
   rescales its output: the weights stay below e^8. */
#define RESCALE_SLACK 8.0f

_Static_assert(NKV % CV == 0 && (CV == 2 || CV == 4), "score chunks tile the key block");

static int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

typedef struct unit_ctx {
  const kiln_attention_args *a;
  int64_t qb, qblocks; /* queries per task, tasks per head */
} unit_ctx;

/* kt[x * ldkt + 0..NK) = keys [0, keys) of k (rows ldk apart), dims [0, d):
   the key block transposed, zero past `keys`. Whole VL x VL tiles go
   through registers; the ragged edges element by element. */
static void transpose_keys(const float *k, int64_t ldk, int64_t keys, int64_t d, float *kt,
                           int64_t ldkt) {
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
          kv_store(kt + (x + i) * ldkt + j0, r[i]);
      }
    }
    for (; x < d; ++x)
      for (int64_t j = j0; j < j0 + KILN_VL; ++j)
        kt[x * ldkt + j] = j < keys ? k[j * ldk + x] : 0.0f;
  }
}

/* One chunk of scores() (see there): the cw vectors of keys from j0. */
KILN_INLINE void score_chunk(const float *const q[RB], const float *kt, int64_t ldkt, int64_t d,
                             kv sv, const float *const *mask, const float *const mrow[RB],
                             const int32_t *visible, float *s, int64_t lds, int64_t j0,
                             const int cw, kv m[RB]) {
  kvi lane;
  for (int l = 0; l < KILN_VL; ++l)
    lane[l] = l;
  kv acc[RB][CV];
  KILN_UNROLL
  for (int r = 0; r < RB; ++r)
    KILN_UNROLL
    for (int c = 0; c < cw; ++c)
      acc[r][c] = kv_splat(0.0f);
  for (int64_t x = 0; x < d; ++x) {
    kv kb[CV];
    KILN_UNROLL
    for (int c = 0; c < cw; ++c)
      kb[c] = kv_load(kt + x * ldkt + j0 + c * KILN_VL);
    KILN_UNROLL
    for (int r = 0; r < RB; ++r) {
      kv qv = kv_splat(q[r][x]);
      KILN_UNROLL
      for (int c = 0; c < cw; ++c)
        acc[r][c] = kv_fma(qv, kb[c], acc[r][c]);
    }
  }
  KILN_UNROLL
  for (int r = 0; r < RB; ++r)
    KILN_UNROLL
    for (int c = 0; c < cw; ++c) {
      int64_t col = j0 + c * KILN_VL;
      kv x;
      if (visible) {
        /* Lanes from the row's limit on are -inf, and its mask is not read
           there: past a ragged block's last key it may not exist. */
        int32_t lim = visible[r] - (int32_t)col;
        x = mask ? kv_fma(acc[r][c], sv, kv_load_partial(mrow[r] + col, lim, 0.0f))
                 : acc[r][c] * sv;
        x = kv_select(lane < lim, x, kv_splat(-__builtin_inff()));
      } else {
        x = mask ? kv_fma(acc[r][c], sv, kv_load(mrow[r] + col)) : acc[r][c] * sv;
      }
      kv_store(s + r * lds + col, x);
      m[r] = kv_max(m[r], x);
    }
}

/* Scores of rows q[0..RB) against the first nvec vectors of keys of Kt
   [d][ldkt] (at most NK keys), times `scale`, plus mask[r][..] for each row
   when `mask` is not NULL, and -inf from key visible[r] on when `visible`
   is not NULL (causality, the end of a ragged block), into rows of s that
   are lds apart; mx[r] gets row r's lane-wise maximum. Inlined with nvec =
   NKV for whole blocks, out of line (scores_narrow) for ragged ones, so the
   whole blocks' loop has no tail to handle. */
KILN_INLINE void scores(const float *const q[RB], const float *kt, int64_t ldkt, int64_t d,
                        float scale, const float *const *mask, const int32_t *visible,
                        float *s, int64_t lds, int nvec, kv mx[RB]) {
  /* The maxima and mask rows in locals: through the pointers, every store
     to s could alias them, and the maxima would make a round trip through
     memory at every vector. */
  kv m[RB];
  const float *mrow[RB];
  for (int r = 0; r < RB; ++r) {
    m[r] = kv_splat(-__builtin_inff());
    mrow[r] = mask ? mask[r] : 0;
  }
  kv sv = kv_splat(scale);
  /* Chunks of CV vectors, then one of the vectors left. */
  int64_t j0 = 0;
  for (; j0 + CV * KILN_VL <= nvec * KILN_VL; j0 += CV * KILN_VL)
    score_chunk(q, kt, ldkt, d, sv, mask, mrow, visible, s, lds, j0, CV, m);
  switch (nvec % CV) {
  case 1:
    score_chunk(q, kt, ldkt, d, sv, mask, mrow, visible, s, lds, j0, 1, m);
    break;
#if CV == 4
  case 2:
    score_chunk(q, kt, ldkt, d, sv, mask, mrow, visible, s, lds, j0, 2, m);
    break;
  case 3:
    score_chunk(q, kt, ldkt, d, sv, mask, mrow, visible, s, lds, j0, 3, m);
    break;
#endif
  }
  for (int r = 0; r < RB; ++r)
    mx[r] = m[r];
}

__attribute__((noinline)) static void scores_narrow(const float *const q[RB], const float *kt,
                                                    int64_t ldkt, int64_t d, float scale,
                                                    const float *const *mask,
                                                    const int32_t *visible, float *s,
                                                    int64_t lds, int nvec, kv mx[RB]) {
  scores(q, kt, ldkt, d, scale, mask, visible, s, lds, nvec, mx);
}

/* o[r][:dvp] += p[r][j] * vb[j][:dvp] over `keys` keys; rows of o are dvp
   apart, of p ldp, of vb ldv. */
static void accumulate(float *o, const float *p, int64_t ldp, const float *vb, int64_t ldv,
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
        kv pv = kv_splat(p[r * ldp + j]);
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
   block's keys past `keys` (up to the end of its last vector) and past the
   causal limit are -inf. Returns the lane-wise maximum of the block. */
static kv finish_scores(const kiln_attention_args *a, float *sr, int64_t b, int64_t h,
                        int64_t i, int64_t j0, int64_t keys) {
  kv mx = kv_splat(-__builtin_inff());
  kv scale = kv_splat(a->scale);
  int64_t limit = keys;
  if (a->causal) {
    int64_t visible = i + a->causal_offset - j0 + 1; /* keys j0.. j0 + visible - 1 */
    if (visible < limit)
      limit = visible < 0 ? 0 : visible;
  }
  const int64_t *ms = a->mask_stride;
  int64_t row = b * ms[0] + h * ms[1] + i * ms[2] + j0 * ms[3];
  for (int64_t j = 0; j < keys; j += KILN_VL) {
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
    mx = kv_max(mx, x);
  }
  return mx;
}

/* Scores of query rows q (rows [r0, rlast] of the task; the rest repeat the
   last) against the key block [j0, j0 + keys) of Kt [d][ldkt], scaled,
   soft-capped and masked, into rows of s that are lds apart (up to the end
   of the vector that holds the last key); bm[r] gets each row's lane-wise
   maximum. A block with no softcap and a float mask (or none) read with
   unit stride is finished in registers, causality and a ragged end included
   (the fast path); others by finish_scores. */
static void block_scores(const kiln_attention_args *a, int64_t b, int64_t h, int64_t r0,
                         int64_t rlast, int64_t j0, int64_t keys, const float *const q[RB],
                         const float *kt, int64_t ldkt, float *s, int64_t lds, kv bm[RB]) {
  const int64_t *ms = a->mask_stride;
  int nvec = (int)((keys + KILN_VL - 1) / KILN_VL);
  if (a->softcap > 0.0f || a->mask_kind == 2 || (a->mask_kind == 1 && ms[3] != 1)) {
    scores_narrow(q, kt, ldkt, a->d, 1.0f, 0, 0, s, lds, nvec, bm);
    for (int r = 0; r < RB && r0 + r <= rlast; ++r)
      bm[r] = finish_scores(a, s + r * lds, b, h, r0 + r, j0, keys);
    return;
  }
  const float *rows[RB];
  int32_t visible[RB];
  for (int r = 0; r < RB; ++r) {
    int64_t i = r0 + r <= rlast ? r0 + r : rlast;
    rows[r] = (const float *)a->mask + b * ms[0] + h * ms[1] + i * ms[2] + j0;
    int64_t v = a->causal ? i + a->causal_offset - j0 + 1 : keys; /* keys row i sees */
    visible[r] = v < 0 ? 0 : v > keys ? (int32_t)keys : (int32_t)v;
  }
  /* Row r0 sees the fewest keys: when it sees them all, so do the others,
     and only a ragged last vector needs its lanes cut. */
  int cut = visible[0] < keys || keys % KILN_VL != 0;
  const float *const *mask = a->mask_kind == 1 ? rows : 0;
  if (nvec == NKV)
    scores(q, kt, ldkt, a->d, a->scale, mask, cut ? visible : 0, s, lds, NKV, bm);
  else
    scores_narrow(q, kt, ldkt, a->d, a->scale, mask, cut ? visible : 0, s, lds, nvec, bm);
}

/* The RB query rows from r0, the last of [r0, i1) repeated past the end (its
   results there are dropped). */
static void query_rows(const float *qbase, int64_t ldq, int64_t r0, int64_t i1,
                       const float *q[RB]) {
  for (int r = 0; r < RB; ++r)
    q[r] = qbase + (r0 + r < i1 ? r0 + r : i1 - 1) * ldq;
}

/* p[0..n) = exp(s[0..n) - max), n whole vectors (p may be s); returns the
   lane-wise sum. */
static kv exp_weights(const float *s, float *p, int64_t n, float max) {
  kv sum = kv_splat(0.0f), mv = kv_splat(max);
  for (int64_t j = 0; j < n; j += KILN_VL) {
    kv e = kv_exp_weights(kv_load(s + j) - mv);
    kv_store(p + j, e);
    sum += e;
  }
  return sum;
}

/* Whether keys [0, tend) take the direct path: V rows are read in place (whole
   vectors) and the scratch stays small. */
static int direct_fits(const kiln_attention_args *a, int64_t tend) {
  int64_t tpad = round_up(tend, NK);
  return a->dv % KILN_VL == 0 && tpad <= DIRECT_KEYS_MAX &&
         a->d * tpad * (int64_t)sizeof(float) <= DIRECT_KT_BYTES;
}

/* Queries [i0, i1) of head (b, h) against keys [0, tend), all at once. */
static void run_direct(const kiln_attention_args *a, int64_t b, int64_t h, int64_t i0,
                       int64_t i1, const float *qbase, const float *kbase, const float *vbase,
                       int64_t tend) {
  int64_t d = a->d, dv = a->dv, tpad = round_up(tend, NK), ldk = a->k_stride[2];
  /* (+1: no zero-length arrays when no key is visible.) */
  float kt[d * tpad + 1] __attribute__((aligned(64)));
  for (int64_t j0 = 0; j0 < tend; j0 += NK)
    transpose_keys(kbase + j0 * ldk, ldk, tend - j0 < NK ? tend - j0 : NK, d, kt + j0, tpad);
  float s[RB * tpad + 1] __attribute__((aligned(64)));
  float o[RB * dv] __attribute__((aligned(64)));
  float *obase = a->o + b * a->o_stride[0] + h * a->o_stride[1];
  for (int64_t r0 = i0; r0 < i1; r0 += RB) {
    int64_t rlast = r0 + RB - 1 < i1 - 1 ? r0 + RB - 1 : i1 - 1;
    /* Keys the block's last row sees; earlier rows are masked inside. */
    int64_t tr = tend;
    if (a->causal) {
      int64_t visible = rlast + a->causal_offset + 1;
      if (visible < tr)
        tr = visible < 0 ? 0 : visible;
    }
    int64_t trpad = round_up(tr, KILN_VL); /* the scores' last vector */
    const float *q[RB];
    query_rows(qbase, a->q_stride[2], r0, i1, q);
    kv mx[RB];
    for (int r = 0; r < RB; ++r)
      mx[r] = kv_splat(-__builtin_inff());
    /* A block counts its keys up to tend, not tr: causality hides the rest
       from these rows, and a whole block takes the fast path. */
    for (int64_t j0 = 0; j0 < tr; j0 += NK) {
      kv bm[RB];
      block_scores(a, b, h, r0, rlast, j0, tend - j0 < NK ? tend - j0 : NK, q, kt + j0, tpad,
                   s + j0, tpad, bm);
      for (int r = 0; r < RB; ++r)
        mx[r] = kv_max(mx[r], bm[r]);
    }
    float l[RB];
    for (int r = 0; r < RB; ++r) {
      float *sr = s + r * tpad;
      float m = r0 + r <= rlast ? kv_hmax(mx[r]) : -__builtin_inff();
      l[r] = 0.0f;
      if (m == -__builtin_inff()) {
        /* A row past the block's end, or one that sees no key: no weights. */
        for (int64_t j = 0; j < trpad; j += KILN_VL)
          kv_store(sr + j, kv_splat(0.0f));
        continue;
      }
      l[r] = kv_hsum(exp_weights(sr, sr, trpad, m));
    }
    for (int64_t e = 0; e < RB * dv; ++e)
      o[e] = 0.0f;
    accumulate(o, s, tpad, vbase, a->v_stride[2], dv, tr);
    for (int64_t i = r0; i <= rlast; ++i) {
      float *out = obase + i * a->o_stride[2];
      kv inv = kv_splat(l[i - r0] > 0.0f ? 1.0f / l[i - r0] : 0.0f);
      for (int64_t e = 0; e < dv; e += KILN_VL)
        kv_store(out + e, kv_load(o + (i - r0) * dv + e) * inv);
    }
  }
}

static void run_unit(const unit_ctx *u, int64_t unit) {
  const kiln_attention_args *a = u->a;
  int64_t qb = unit % u->qblocks, h = unit / u->qblocks % a->q_heads,
          b = unit / u->qblocks / a->q_heads, QB = u->qb;
  int64_t group = a->q_heads / a->kv_heads, hk = h / group;
  int64_t i0 = qb * QB, i1 = i0 + QB < a->s ? i0 + QB : a->s;
  int64_t d = a->d, dv = a->dv, dvp = round_up(dv, KILN_VL), offset = a->causal_offset;
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
  /* Causal: the last query of the block sees keys up to i1 - 1 + offset. */
  int64_t tend = a->causal && i1 + offset < a->t ? i1 + offset : a->t;
  if (tend < 0)
    tend = 0;
  if (direct_fits(a, tend)) {
    run_direct(a, b, h, i0, i1, qbase, kbase, vbase, tend);
    return;
  }

  /* Scratch sized by the head dims (at most DMAX): K^T of one key block, V
     of it when its rows need padding, and the running output of every query
     row of the task (whole register blocks, so rows past the end are
     computed and dropped). */
  int copyV = dv % KILN_VL != 0;
  float kt[d * NK] __attribute__((aligned(64)));
  float vb[copyV ? NK * dvp : 1] __attribute__((aligned(64)));
  float o[(QB + RB) * dvp] __attribute__((aligned(64)));
  /* Each row's running maximum and its lane-wise sum of weights. */
  float m[QB_MAX + RB];
  kv l[QB_MAX + RB];
  for (int64_t i = 0; i < QB + RB; ++i) {
    m[i] = -__builtin_inff();
    l[i] = kv_splat(0.0f);
  }
  for (int64_t e = 0; e < (QB + RB) * dvp; ++e)
    o[e] = 0.0f;
  for (int64_t j0 = 0; j0 < tend; j0 += NK) {
    int64_t keys = tend - j0 < NK ? tend - j0 : NK;
    transpose_keys(kbase + j0 * a->k_stride[2], a->k_stride[2], keys, d, kt, NK);
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
      int64_t rlast = r0 + RB - 1 < i1 - 1 ? r0 + RB - 1 : i1 - 1;
      const float *q[RB];
      query_rows(qbase, a->q_stride[2], r0, i1, q);
      float s[RB][NK] __attribute__((aligned(64)));
      float p[RB][NK] __attribute__((aligned(64)));
      kv bm[RB];
      block_scores(a, b, h, r0, rlast, j0, keys, q, kt, NK, &s[0][0], NK, bm);
      for (int r = 0; r < RB; ++r) {
        int64_t i = r0 + r;
        float *mi = &m[i - i0];
        float top = i <= rlast ? kv_hmax(bm[r]) : -__builtin_inff();
        /* (Always true for the first finite maximum: -inf + slack is -inf.) */
        if (top > *mi + RESCALE_SLACK) {
          if (*mi != -__builtin_inff()) {
            kv alpha = kv_exp(kv_splat(*mi - top));
            l[i - i0] *= alpha;
            for (int64_t e = 0; e < dvp; e += KILN_VL)
              kv_store(o + (i - i0) * dvp + e, kv_load(o + (i - i0) * dvp + e) * alpha);
          }
          *mi = top;
        }
        if (*mi == -__builtin_inff()) {
          for (int64_t j = 0; j < NK; ++j)
            p[r][j] = 0.0f;
          continue;
        }
        l[i - i0] += exp_weights(s[r], p[r], round_up(keys, KILN_VL), *mi);
      }
      accumulate(o + (r0 - i0) * dvp, &p[0][0], NK, vrows, ldv, dvp, keys);
    }
  }
  float *obase = a->o + b * a->o_stride[0] + h * a->o_stride[1];
  for (int64_t i = i0; i < i1; ++i) {
    float *out = obase + i * a->o_stride[2];
    float li = kv_hsum(l[i - i0]);
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
                   2.0 * a->batch * a->q_heads * a->s * a->t * (a->d + a->dv),
                   a->batch * a->q_heads, a->s, a->t, a->d, 0);
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
  /* The same number of tasks, evened out (132 queries: 66 + 66, not 128 +
     4), in whole register blocks. */
  int64_t blocks = (a->s + qb - 1) / qb, even = round_up((a->s + blocks - 1) / blocks, RB);
  if (even < qb)
    qb = even;
  unit_ctx u = {a, qb, (a->s + qb - 1) / qb};
  kiln_parallel(ex, attention_task, &u, heads * u.qblocks);
}
