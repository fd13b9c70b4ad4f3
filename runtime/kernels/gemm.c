/*===- gemm.c - register-blocked fp32 GEMM with fused epilogues ------------===
 *
 * C = act(A B + bias) + R. B is read as panels of NR columns, K rows each
 * (kilnc packs constant weights so at compile time; other operands are
 * packed here, one KC_RUNTIME x NR block at a time). The micro-kernel keeps an
 * MR x NR tile of C in registers for a block of K, broadcasting one element
 * of A against NV vectors of B per step; the epilogue (bias, activation,
 * residual) runs on the tile while it is still in registers.
 *
 * Work splits over (batch, panel) and, when that leaves threads idle, over
 * row blocks too. Within one unit the K blocks run outermost, so the B block
 * stays in L1/L2 while every row tile of A streams past it, and each tile
 * prefetches a slice of the next block, which comes from memory. A GEMM
 * told how the threads wrote its A (k_split) splits K over them instead and
 * sums the partial products after (gemm_split_k).
 *
 * A norm epilogue (norm_gamma) normalises whole rows of C, so it runs after
 * the tiles: in the K-split GEMM's summing pass, row by row as each is
 * summed, else as a pass of its own over the rows.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_kernels.h"
#include "norm_row.h"
#include "parallel.h"

#define MR KILN_GEMM_MR
#define NR KILN_GEMM_NR
#define NV (NR / KILN_VL)
/* K blocks. B packed at compile time is read in place: up to KC_PACKED
   rows of a panel (192 KiB at NR = 48) stay in L2 next to the MR-row slices
   of A they meet, and longer K splits evenly. B packed here goes through a
   KC_RUNTIME x NR block on the stack (48 KiB at NR = 48), which stays in L1. */
#define KC_PACKED 1024
#define KC_RUNTIME 256

_Static_assert(NR % KILN_VL == 0, "a panel is whole vectors");

typedef struct epilogue {
  const float *bias; /* at the tile's first column, or NULL */
  const float *r;    /* at the tile's first element, or NULL */
  int64_t ldr;
  int32_t activation;
  int32_t stream; /* whole tiles go to C with non-temporal stores */
} epilogue;

/* C of at least this many bytes is written with non-temporal stores (see
   streams_c). */
#define STREAM_C_BYTES (1 << 20)

/* While a tile computes, it pulls `pf_lines` lines of the next B block
   from `pf` toward L2: one every PF_STRIDE steps of K, so the prefetches
   trickle among the FMAs. */
#define PF_STRIDE 4

/* Weights are read once per run, so they are best prefetched
   non-temporally, which keeps hundreds of MB passing through from pushing
   the activations out of the last-level cache (BERT-base: 2% at 1 and 2
   threads on AMD Zen 5). That needs a CPU whose non-temporal prefetch fills
   L2, as AMD's Zen cores do (and skip L3 on eviction). Intel's fill L1 only,
   where a panel of lookahead would not survive, so elsewhere the prefetch
   keeps the usual L2 hint. */
static int nt_prefetch_fills_l2(void) {
#if defined(__x86_64__)
  static int known = -1;
  int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (v < 0) {
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    int amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* AuthenticAMD */
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    unsigned family = (a >> 8) & 0xf;
    if (family == 0xf)
      family += (a >> 20) & 0xff;
    v = amd && family >= 0x17; /* Zen and later */
    __atomic_store_n(&known, v, __ATOMIC_RELAXED);
  }
  return v;
#else
  return 0;
#endif
}

/* One step of K: acc[i] += a[i * lda] times the NR values at b. */
KILN_INLINE void tile_step(const int rows, const float *restrict a, int64_t lda,
                           const float *restrict b, kv acc[MR][NV]) {
  kv bv[NV];
  KILN_UNROLL
  for (int j = 0; j < NV; ++j)
    bv[j] = kv_load(b + j * KILN_VL);
  KILN_UNROLL
  for (int i = 0; i < MR; ++i) {
    if (i >= rows)
      continue;
    kv av = kv_splat(a[i * lda]);
    KILN_UNROLL
    for (int j = 0; j < NV; ++j)
      acc[i][j] = kv_fma(av, bv[j], acc[i][j]);
  }
}

/* One MR x NR tile (`rows` <= MR valid rows, `cols` <= NR valid columns)
   over kc steps: a[i * lda + k] times b[k * NR + j]. Inlined into one
   function per row count, so `rows` is a constant there. */
KILN_INLINE void tile(const int rows, int64_t kc, const float *restrict a, int64_t lda,
                      const float *restrict b, float *restrict c, int64_t ldc, int64_t cols,
                      int accumulate, const epilogue *e, const char *pf, int64_t pf_lines,
                      const int nt) {
  kv acc[MR][NV];
  const int full = cols == NR, stream = e && e->stream && full;
  KILN_UNROLL
  for (int i = 0; i < MR; ++i) {
    if (i >= rows)
      continue;
    KILN_UNROLL
    for (int j = 0; j < NV; ++j) {
      if (!accumulate)
        acc[i][j] = kv_splat(0.0f);
      else if (full)
        acc[i][j] = kv_load(c + i * ldc + j * KILN_VL);
      else
        acc[i][j] = kv_load_partial(c + i * ldc + j * KILN_VL,
                                    cols - j * KILN_VL, 0.0f);
    }
  }
  /* K in groups of PF_STRIDE steps, each group issuing one prefetch while
     lines remain, then the last steps one by one. */
  int64_t pfk = pf_lines * PF_STRIDE < kc ? pf_lines * PF_STRIDE : kc - kc % PF_STRIDE;
  int64_t k = 0;
  for (; k + PF_STRIDE <= kc; k += PF_STRIDE) {
    if (k < pfk) {
      if (nt)
        __builtin_prefetch(pf + k / PF_STRIDE * 64, 0, 0);
      else
        __builtin_prefetch(pf + k / PF_STRIDE * 64, 0, 2);
    }
    KILN_UNROLL
    for (int u = 0; u < PF_STRIDE; ++u)
      tile_step(rows, a + k + u, lda, b + (k + u) * NR, acc);
  }
  for (; k < kc; ++k)
    tile_step(rows, a + k, lda, b + k * NR, acc);
  if (e) {
    if (e->bias) {
      KILN_UNROLL
      for (int j = 0; j < NV; ++j) {
        kv bias = full ? kv_load(e->bias + j * KILN_VL)
                       : kv_load_partial(e->bias + j * KILN_VL, cols - j * KILN_VL, 0.0f);
        KILN_UNROLL
        for (int i = 0; i < MR; ++i)
          if (i < rows)
            acc[i][j] += bias;
      }
    }
    if (e->activation != KILN_ACT_NONE) {
      KILN_UNROLL
      for (int i = 0; i < MR; ++i)
        if (i < rows)
          KILN_UNROLL
          for (int j = 0; j < NV; ++j)
            acc[i][j] = kv_activate(acc[i][j], e->activation);
    }
    if (e->r) {
      KILN_UNROLL
      for (int i = 0; i < MR; ++i)
        if (i < rows)
          KILN_UNROLL
          for (int j = 0; j < NV; ++j)
            acc[i][j] += full ? kv_load(e->r + i * e->ldr + j * KILN_VL)
                              : kv_load_partial(e->r + i * e->ldr + j * KILN_VL,
                                                cols - j * KILN_VL, 0.0f);
    }
  }
  KILN_UNROLL
  for (int i = 0; i < MR; ++i) {
    if (i >= rows)
      continue;
    KILN_UNROLL
    for (int j = 0; j < NV; ++j) {
      if (stream)
        kv_store_stream(c + i * ldc + j * KILN_VL, acc[i][j]);
      else if (full)
        kv_store(c + i * ldc + j * KILN_VL, acc[i][j]);
      else if (cols > j * KILN_VL)
        kv_store_partial(c + i * ldc + j * KILN_VL, acc[i][j], cols - j * KILN_VL);
    }
  }
}

typedef void (*tile_fn)(int64_t, const float *, int64_t, const float *, float *, int64_t,
                        int64_t, int, const epilogue *, const char *, int64_t);

#define KILN_TILE_ROWS(R, NT, NAME)                                            \
  static __attribute__((noinline)) void NAME(                                \
      int64_t kc, const float *a, int64_t lda, const float *b, float *c,       \
      int64_t ldc, int64_t cols, int accumulate, const epilogue *e, const char *pf, \
      int64_t pf_lines) {                                                      \
    tile(R, kc, a, lda, b, c, ldc, cols, accumulate, e, pf, pf_lines, NT);     \
  }
#define KILN_TILES(R) KILN_TILE_ROWS(R, 0, tile_##R) KILN_TILE_ROWS(R, 1, tile_nt_##R)
KILN_TILES(1)
KILN_TILES(2)
KILN_TILES(3)
KILN_TILES(4)
#if MR > 4
KILN_TILES(5)
KILN_TILES(6)
#endif
#if MR > 6
KILN_TILES(7)
KILN_TILES(8)
#endif

/* kTiles[nt][rows]: nt prefetches the weights non-temporally. */
static const tile_fn kTiles[2][MR + 1] = {
    {0, tile_1, tile_2, tile_3, tile_4,
#if MR > 4
     tile_5, tile_6,
#endif
#if MR > 6
     tile_7, tile_8,
#endif
    },
    {0, tile_nt_1, tile_nt_2, tile_nt_3, tile_nt_4,
#if MR > 4
     tile_nt_5, tile_nt_6,
#endif
#if MR > 6
     tile_nt_7, tile_nt_8,
#endif
    }};
_Static_assert(MR <= 8, "tile functions exist for up to 8 rows");

/* Copies columns [j0, j0 + cols) of rows [k0, k0 + kc) of B into one
   kc x NR block, zero padded. */
static void pack_block(const float *b, int64_t ldb, int transposed, int64_t j0,
                       int64_t cols, int64_t k0, int64_t kc, float *out) {
  for (int64_t k = 0; k < kc; ++k) {
    float *row = out + k * NR;
    for (int64_t j = 0; j < NR; ++j) {
      if (j >= cols)
        row[j] = 0.0f;
      else if (transposed)
        row[j] = b[(j0 + j) * ldb + k0 + k];
      else
        row[j] = b[(k0 + k) * ldb + j0 + j];
    }
  }
}

void KILN_KERNEL(pack_b_f32)(int64_t n, int64_t k, const float *b, int64_t ldb,
                             int32_t transposed, float *out) {
  for (int64_t p = 0; p * NR < n; ++p) {
    int64_t cols = n - p * NR < NR ? n - p * NR : NR;
    pack_block(b, ldb, transposed, p * NR, cols, 0, k, out + p * k * NR);
  }
}

/* Whether whole tiles go to C with non-temporal stores: when the compiler
   says only GEMMs read C (stream_c; BERT's FFN up-projection) and C is a
   MiB or more. Such an output outgrows a core's L2 while it is written:
   ordinary stores would first read every line of it, and push the tiles'
   own operands (the rows of A, the weight panel being prefetched) out of
   L2. A GEMM reading it takes it in long rows, from memory as fast as from
   L3; attention's strided reads of a QKV projection would not (they slow
   down more than the QKV GEMM gains). Not with a norm epilogue, whose pass
   reads C right back; the stores need C's rows 64-byte aligned (kilnc's
   buffers are). */
static int streams_c(const kiln_gemm_args *g) {
  uintptr_t align = (uintptr_t)g->c | (uintptr_t)(g->ldc * 4) | (uintptr_t)(g->c_batch * 4);
  return g->stream_c && !g->norm_gamma &&
         g->batch * g->m * g->n * (int64_t)sizeof(float) >= STREAM_C_BYTES && (align & 63) == 0;
}

typedef struct gemm_plan {
  const kiln_gemm_args *g;
  int64_t panels;  /* ceil(n / NR) */
  int64_t mblocks; /* row blocks per (batch, panel) unit */
  int64_t mblock;  /* rows per block, a multiple of MR */
  int64_t kblock;  /* K per block */
  int32_t stream_c; /* epilogue.stream: streams_c */
  const tile_fn *tiles; /* by row count */
} gemm_plan;

/* Computes unit `unit` (batch, panel, row block) over K columns [k_begin,
   k_end) into `c` (rows ldc apart, batches c_batch apart), the epilogue
   applied when `e_on` (the product is whole). */
static void run_unit_range(const gemm_plan *p, int64_t unit, int64_t k_begin, int64_t k_end,
                           float *c_base, int64_t c_batch, int64_t ldc, int e_on) {
  const kiln_gemm_args *g = p->g;
  int64_t mb = unit % p->mblocks;
  int64_t panel = unit / p->mblocks % p->panels;
  int64_t bt = unit / p->mblocks / p->panels;
  int64_t j0 = panel * NR;
  int64_t cols = g->n - j0 < NR ? g->n - j0 : NR;
  int64_t m0 = mb * p->mblock;
  int64_t m1 = m0 + p->mblock < g->m ? m0 + p->mblock : g->m;
  const float *a = g->a + bt * g->a_batch;
  const float *b = g->b + bt * g->b_batch;
  float *c = c_base + bt * c_batch + j0;
  const float *r = g->r ? g->r + bt * g->r_batch + j0 : 0;
  float block[KC_RUNTIME * NR] __attribute__((aligned(64)));
  int64_t kb = p->kblock;
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kb) {
    int64_t kc = k_end - k0 < kb ? k_end - k0 : kb;
    const float *bp;
    if (g->b_layout == KILN_B_PACKED) {
      bp = b + panel * g->k * NR + k0 * NR;
    } else {
      pack_block(b, g->ldb, g->b_layout == KILN_B_TRANSPOSED, j0, cols, k0, kc, block);
      bp = block;
    }
    int last = k0 + kc >= k_end;
    /* Packed weights come from memory once per model run: while the row
       tiles work on this block, they pull the next one (the next K block,
       else the next panel's first) toward L2, a slice each (non-temporally
       where that fills L2: nt_prefetch_fills_l2). */
    const char *next = 0;
    int64_t nextLines = 0;
    if (g->b_layout == KILN_B_PACKED) {
      int64_t nk0 = last ? k_begin : k0 + kc, npanel = last ? panel + 1 : panel;
      if (npanel < p->panels) {
        int64_t nkc = k_end - nk0 < kb ? k_end - nk0 : kb;
        next = (const char *)(b + npanel * g->k * NR + nk0 * NR);
        nextLines = nkc * NR * (int64_t)sizeof(float) / 64;
      }
    }
    int64_t tiles = (m1 - m0 + MR - 1) / MR, perTile = (nextLines + tiles - 1) / tiles;
    for (int64_t i = m0, t = 0; i < m1; i += MR, ++t) {
      int rows = m1 - i < MR ? (int)(m1 - i) : MR;
      epilogue e = {g->bias ? g->bias + j0 : 0, r ? r + i * g->ldr : 0, g->ldr,
                    g->activation, p->stream_c};
      int64_t from = t * perTile, count = nextLines - from < perTile ? nextLines - from : perTile;
      p->tiles[rows](kc, a + i * g->lda + k0, g->lda, bp, c + i * ldc, ldc, cols,
                     k0 > k_begin, last && e_on ? &e : 0, next ? next + from * 64 : 0,
                     count > 0 ? count : 0);
    }
  }
}

static void run_unit(const gemm_plan *p, int64_t unit) {
  run_unit_range(p, unit, 0, p->g->k, p->g->c, p->g->c_batch, p->g->ldc, 1);
}

static void gemm_task(void *arg, int64_t begin, int64_t end) {
  const gemm_plan *p = (const gemm_plan *)arg;
  for (int64_t u = begin; u < end; ++u)
    run_unit(p, u);
#if defined(__x86_64__)
  /* Streamed stores are weakly ordered: make them visible before the job
     ends and another thread reads C. */
  if (p->stream_c)
    __builtin_ia32_sfence();
#endif
}

static norm_params norm_of(const kiln_gemm_args *g) {
  return (norm_params){g->n, g->norm_gamma, g->norm_beta, g->norm_epsilon, g->norm_rms};
}

/* The norm epilogue as a pass of its own, over tasks of NORM_ROWS rows of
   one batch, shared out as the norm kernel shares its rows. */
#define NORM_ROWS 8

typedef struct norm_pass {
  const kiln_gemm_args *g;
  norm_params p;
} norm_pass;

static void norm_task(void *arg, int64_t begin, int64_t end) {
  const norm_pass *np = (const norm_pass *)arg;
  const kiln_gemm_args *g = np->g;
  int64_t groups = (g->m + NORM_ROWS - 1) / NORM_ROWS;
  for (int64_t t = begin; t < end; ++t) {
    int64_t bt = t / groups, i0 = t % groups * NORM_ROWS;
    int64_t i1 = i0 + NORM_ROWS < g->m ? i0 + NORM_ROWS : g->m;
    for (int64_t i = i0; i < i1; ++i)
      norm_row(&np->p, g->c + bt * g->c_batch + i * g->ldc, 0, 0,
               g->y + bt * g->y_batch + i * g->ldy);
  }
}

static void run_norm_pass(const kiln_exec *ex, const kiln_gemm_args *g) {
  norm_pass np = {g, norm_of(g)};
  kiln_parallel_shares(ex, norm_task, &np, g->batch * ((g->m + NORM_ROWS - 1) / NORM_ROWS));
}

/* K split over threads. When A's columns were written by a kernel whose
   threads each wrote a contiguous share of them (a GEMM's panels, say), the
   GEMM that reads A splits K at the same bounds: each thread multiplies the
   columns it wrote itself, into its own partial product, and a second pass
   sums the partials row by row and applies the epilogue. A then never moves
   between cores. Moving it costs more than the sum when the cores sit far
   apart (another CCD): the reads themselves, and the writer's next stores
   to lines the reader still holds. */
typedef struct split_plan {
  gemm_plan p;     /* units of one slice */
  int64_t units;   /* per slice */
  int64_t slices;  /* one per thread */
  int64_t chunks;  /* ceil(k / k_split): how the producer counted A's columns */
  float *partial;  /* slices - 1 products, batch * m * n each, rows n apart */
  norm_params norm; /* the norm epilogue's, when g->norm_gamma */
} split_plan;

/* Slices split the producer's chunks as the pool splits a job's units: share
   i of `count` is [count * i / threads, count * (i + 1) / threads). */
static int64_t slice_k(const split_plan *s, int64_t slice) {
  int64_t k = s->chunks * slice / s->slices * s->p.g->k_split;
  return k < s->p.g->k ? k : s->p.g->k;
}

static void split_task(void *arg, int64_t begin, int64_t end) {
  const split_plan *s = (const split_plan *)arg;
  const kiln_gemm_args *g = s->p.g;
  for (int64_t u = begin; u < end; ++u) {
    int64_t slice = u / s->units;
    if (slice == 0)
      run_unit_range(&s->p, u % s->units, 0, slice_k(s, 1), g->c, g->c_batch, g->ldc, 0);
    else
      run_unit_range(&s->p, u % s->units, slice_k(s, slice), slice_k(s, slice + 1),
                     s->partial + (slice - 1) * g->batch * g->m * g->n, g->m * g->n, g->n, 0);
  }
}

/* Rows per task of the summing pass, shared out as the norms share theirs
   (kiln_parallel_shares), so that a norm after this GEMM reads rows its
   thread summed. */
#define SUM_ROWS 8

static void sum_task(void *arg, int64_t begin, int64_t end) {
  const split_plan *s = (const split_plan *)arg;
  const kiln_gemm_args *g = s->p.g;
  int64_t groups = (g->m + SUM_ROWS - 1) / SUM_ROWS, nv = g->n / KILN_VL * KILN_VL;
  int64_t plane = g->batch * g->m * g->n;
  for (int64_t t = begin; t < end; ++t) {
    int64_t bt = t / groups, i0 = t % groups * SUM_ROWS;
    int64_t i1 = i0 + SUM_ROWS < g->m ? i0 + SUM_ROWS : g->m;
    for (int64_t i = i0; i < i1; ++i) {
      float *c = g->c + bt * g->c_batch + i * g->ldc;
      const float *part = s->partial + (bt * g->m + i) * g->n;
      const float *r = g->r ? g->r + bt * g->r_batch + i * g->ldr : 0;
      for (int64_t j = 0; j < g->n; j += KILN_VL) {
        int64_t n = j < nv ? KILN_VL : g->n - j;
        kv x = kv_load_partial(c + j, n, 0.0f);
        for (int64_t sl = 1; sl < s->slices; ++sl)
          x += kv_load_partial(part + (sl - 1) * plane + j, n, 0.0f);
        if (g->bias)
          x += kv_load_partial(g->bias + j, n, 0.0f);
        if (g->activation != KILN_ACT_NONE)
          x = kv_activate(x, g->activation);
        if (r)
          x += kv_load_partial(r + j, n, 0.0f);
        kv_store_partial(c + j, x, n);
      }
      if (g->norm_gamma)
        norm_row(&s->norm, c, 0, 0, g->y + bt * g->y_batch + i * g->ldy);
    }
  }
}

/* Runs the GEMM split over K when A says how it was written and the
   context's scratch holds the partial products; 0 if not. */
static int gemm_split_k(const kiln_exec *ex, const gemm_plan *base) {
  const kiln_gemm_args *g = base->g;
  int64_t threads = kiln_threads(ex);
  if (g->k_split <= 0 || threads < 2 || !ex->scratch)
    return 0;
  int64_t chunks = (g->k + g->k_split - 1) / g->k_split;
  int64_t plane = g->batch * g->m * g->n, bytes = plane * (int64_t)sizeof(float);
  int64_t slices = threads < chunks ? threads : chunks;
  if (bytes > 0 && (int64_t)(ex->scratch_bytes / (uint64_t)bytes) + 1 < slices)
    slices = (int64_t)(ex->scratch_bytes / (uint64_t)bytes) + 1;
  if (slices < 2)
    return 0;
  split_plan s = {*base, base->g->batch * base->panels, slices, chunks, (float *)ex->scratch,
                  norm_of(g)};
  /* K blocks sized for the longest slice. */
  if (g->b_layout == KILN_B_PACKED) {
    int64_t longest = 0;
    for (int64_t i = 0; i < slices; ++i) {
      int64_t len = slice_k(&s, i + 1) - slice_k(&s, i);
      longest = len > longest ? len : longest;
    }
    int64_t blocks = (longest + KC_PACKED - 1) / KC_PACKED;
    s.p.kblock = blocks > 0 ? (longest + blocks - 1) / blocks : KC_PACKED;
  }
  /* Rows split too when a slice has too few panels for its thread to
     share with a thread that finished early. */
  if (s.units < 4 && g->m > MR) {
    int64_t tiles = (g->m + MR - 1) / MR, want = (4 + s.units - 1) / s.units;
    s.p.mblock = (tiles + want - 1) / want * MR;
    s.p.mblocks = (g->m + s.p.mblock - 1) / s.p.mblock;
    s.units *= s.p.mblocks;
  }
  kiln_parallel(ex, split_task, &s, slices * s.units);
  kiln_parallel_shares(ex, sum_task, &s, g->batch * ((g->m + SUM_ROWS - 1) / SUM_ROWS));
  return 1;
}

static void gemm(const kiln_exec *ex, const kiln_gemm_args *g);

void KILN_KERNEL(gemm_f32)(const kiln_exec *ex, const kiln_gemm_args *g) {
  uint64_t t0 = kiln_profile_begin(ex);
  gemm(ex, g);
  kiln_profile_end(ex, t0, KILN_PROFILE_GEMM, 2.0 * g->batch * g->m * g->n * g->k, g->batch,
                   g->m, g->n, g->k,
                   (g->bias ? KILN_PROFILE_BIAS : 0) | (g->r ? KILN_PROFILE_RESIDUAL : 0) |
                       (g->norm_gamma ? KILN_PROFILE_NORM_EPILOGUE : 0) |
                       g->activation << KILN_PROFILE_ACTIVATION_SHIFT);
}

static int gemm_products(const kiln_exec *ex, const kiln_gemm_args *g);

static void gemm(const kiln_exec *ex, const kiln_gemm_args *g) {
  if (g->batch <= 0 || g->m <= 0 || g->n <= 0)
    return;
  /* A GEMM over few rows (M = 1: a decoder step, BERT's pooler) is as slow
     as streaming its weights from memory, which two cores do about twice as
     fast: it counts as the flops one core does in that time (10 a byte). */
  double flops = 2.0 * g->batch * g->m * g->n * g->k;
  double weights = g->b_layout == KILN_B_PACKED ? 4.0 * g->n * g->k : 0.0;
  ex = kiln_exec_for(ex, flops > 10.0 * weights ? flops : 10.0 * weights);
  if (!gemm_products(ex, g) && g->norm_gamma)
    run_norm_pass(ex, g);
}

/* C, and the norm epilogue when the K-split summing pass applied it:
   returns whether it did. */
static int gemm_products(const kiln_exec *ex, const kiln_gemm_args *g) {
  if (g->k == 0) {
    /* No products: the epilogue of zero. */
    static const float zero[NR * 1];
    for (int64_t bt = 0; bt < g->batch; ++bt)
      for (int64_t i = 0; i < g->m; ++i)
        for (int64_t j0 = 0; j0 < g->n; j0 += NR) {
          int64_t cols = g->n - j0 < NR ? g->n - j0 : NR;
          const float *r = g->r ? g->r + bt * g->r_batch + i * g->ldr + j0 : 0;
          epilogue e = {g->bias ? g->bias + j0 : 0, r, 0, g->activation, 0};
          kTiles[0][1](0, zero, 0, zero, g->c + bt * g->c_batch + i * g->ldc + j0, 0, cols, 0,
                       &e, 0, 0);
        }
    return 0;
  }
  gemm_plan p = {g, (g->n + NR - 1) / NR, 1, g->m, KC_RUNTIME, 0, kTiles[0]};
  if (g->b_layout == KILN_B_PACKED) {
    int64_t blocks = (g->k + KC_PACKED - 1) / KC_PACKED;
    p.kblock = (g->k + blocks - 1) / blocks;
    p.tiles = kTiles[nt_prefetch_fills_l2()];
  }
  if (gemm_split_k(ex, &p))
    return 1;
  p.stream_c = streams_c(g);
  /* Split rows too when (batch, panel) units are too few to keep every
     thread busy; blocks stay whole tiles. */
  int64_t threads = kiln_threads(ex), units = g->batch * p.panels;
  if (units < 4 * threads && g->m > MR) {
    int64_t want = (4 * threads + units - 1) / units;
    int64_t tiles = (g->m + MR - 1) / MR;
    int64_t per = (tiles + want - 1) / want;
    p.mblock = per * MR;
    p.mblocks = (g->m + p.mblock - 1) / p.mblock;
  }
  kiln_parallel(ex, gemm_task, &p, units * p.mblocks);
  return 0;
}
