/*===- kiln_kernels.h - the kernels compiled models call -------------------===
 *
 * kilnc lowers GEMMs, attention, normalisations and softmax to calls of these
 * functions and links the kernel library of the target ISA (bitcode built
 * from runtime/kernels/) into the model's object, so a model needs nothing
 * from here at link time. Strides are in elements; the innermost dimension
 * of every operand is contiguous.
 *
 * `ex` splits the work over the caller's thread pool; NULL runs it on the
 * calling thread.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_KERNELS_H
#define KILN_KERNELS_H

#include "kernel_config.h"
#include "kiln_rt.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel symbols carry a suffix naming the variant: the objects kilnc links
   into models define kiln_k_<kernel>_<isa>_v<ABI> (weak and hidden, so that
   two models in one program share one copy and a shared library exports
   none), and the unit tests link several variants side by side. */
#ifdef KILN_KERNEL_SUFFIX
#define KILN_KERNEL_CAT2(a, b) a##b
#define KILN_KERNEL_CAT(a, b) KILN_KERNEL_CAT2(a, b)
#define KILN_KERNEL(name) KILN_KERNEL_CAT(kiln_k_##name, KILN_KERNEL_SUFFIX)
#else
#define KILN_KERNEL(name) kiln_k_##name
#endif
#ifdef KILN_KERNEL_MODEL_OBJECT
#define KILN_KERNEL_API __attribute__((weak, visibility("hidden")))
#else
#define KILN_KERNEL_API
#endif

/* Every kernel takes its operands in one struct, which kilnc's generated
   code builds on the stack: field order and types are ABI. */

/* C[b] = act(A[b] B[b] + bias) + R[b] for b < batch: A is [m, k] (rows lda
   apart), B as `b_layout` says (KILN_B_PACKED panels were written by kilnc
   for this ISA's NR), bias [n] or NULL, R [m, n] (rows ldr apart) or NULL,
   C [m, n]. A batch stride of 0 broadcasts that operand. C overlaps no
   other operand (C receives partial sums before R is read).
   With `norm_gamma`, each finished row of C is then normalised into Y
   (rows ldy apart, batches y_batch apart) as kiln_norm_f32 normalises x:
   a norm whose input is this GEMM's result, done while the row is in cache
   (in the K-split GEMM's summing pass, by the thread that summed it). Y is
   either C itself (same strides: normalised in place) or overlaps no other
   operand. */
typedef struct kiln_gemm_args {
  int64_t batch, m, n, k;
  const float *a;
  int64_t a_batch, lda;
  const float *b;
  int64_t b_batch, ldb;
  const float *bias;
  const float *r;
  int64_t r_batch, ldr;
  float *c;
  int64_t c_batch, ldc;
  int32_t b_layout;   /* enum kiln_b_layout */
  int32_t activation; /* enum kiln_activation */
  /* > 0: A's columns were written by threads in contiguous shares of this
     many columns each (the producer's units); K splits over threads at the
     same bounds when the exec has scratch for the partial products. */
  int64_t k_split;
  /* The norm epilogue; norm_gamma NULL: none. */
  const float *norm_gamma;
  const float *norm_beta; /* may be NULL */
  float *y;
  int64_t y_batch, ldy;
  float norm_epsilon;
  int32_t norm_rms;
  /* Nonzero: only GEMMs read C, as their A; the kernel may write a large C
     with non-temporal stores. */
  int32_t stream_c;
} kiln_gemm_args;

KILN_KERNEL_API void KILN_KERNEL(gemm_f32)(const kiln_exec *ex, const kiln_gemm_args *args);

/* Packs row-major B [k, n] (or [n, k] when transposed) into the panel
   layout of this ISA: ceil(n / NR) * k * NR floats at `out`. */
KILN_KERNEL_API void KILN_KERNEL(pack_b_f32)(int64_t n, int64_t k, const float *b, int64_t ldb,
                             int32_t transposed, float *out);

/* Scaled dot-product attention per (batch, query head):
   O = softmax(softcap(scale Q K^T) + mask) V, computed one block of keys at a
   time with an online softmax, so the scores never reach memory.
   Q [B, Hq, S, D], K [B, Hkv, T, D], V [B, Hkv, T, Dv], O [B, Hq, S, Dv]; each
   has strides for its first three dims. Query head h reads key/value head
   h / (Hq / Hkv). The mask (mask_kind: 0 none, 1 additive float, 2 bytes that
   keep a key when non-zero) has four strides (0 broadcasts). `causal` hides
   key j from query i when j > i + causal_offset (the number of past keys
   before the first query). Rows whose keys are all hidden give zeros. */
typedef struct kiln_attention_args {
  int64_t batch, q_heads, kv_heads, s, t, d, dv;
  const float *q;
  int64_t q_stride[3];
  const float *k;
  int64_t k_stride[3];
  const float *v;
  int64_t v_stride[3];
  float *o;
  int64_t o_stride[3];
  const void *mask;
  int64_t mask_stride[4];
  int64_t causal_offset;
  int32_t mask_kind;
  int32_t causal;
  float scale;
  float softcap; /* 0: none */
} kiln_attention_args;

KILN_KERNEL_API void KILN_KERNEL(attention_f32)(const kiln_exec *ex, const kiln_attention_args *args);

/* Row normalisation of `rows` rows of `cols`: with `skip`, x + skip is
   normalised and also written to `sum` (when not NULL). LayerNorm:
   (x - mean) / sqrt(var + eps) * gamma + beta (beta may be NULL); with `rms`,
   x / sqrt(mean(x^2) + eps) * gamma. */
typedef struct kiln_norm_args {
  int64_t rows, cols;
  const float *x;
  int64_t ldx;
  const float *skip;
  int64_t ldskip;
  const float *gamma;
  const float *beta;
  float *y;
  int64_t ldy;
  float *sum;
  int64_t ldsum;
  float epsilon;
  int32_t rms;
} kiln_norm_args;

KILN_KERNEL_API void KILN_KERNEL(norm_f32)(const kiln_exec *ex, const kiln_norm_args *args);

/* Softmax (or log-softmax) over each of `rows` rows of `cols`. */
typedef struct kiln_softmax_args {
  int64_t rows, cols;
  const float *x;
  int64_t ldx;
  float *y;
  int64_t ldy;
  int32_t log;
  int32_t reserved;
} kiln_softmax_args;

KILN_KERNEL_API void KILN_KERNEL(softmax_f32)(const kiln_exec *ex, const kiln_softmax_args *args);

/* Elementwise over n floats, for tests of the vector math: y = f(x) with
   f 0 exp, 1 erf, 2 tanh, 3 gelu, 4 gelu_tanh, 5 exp of softmax weights
   (arguments up to 88). */
KILN_KERNEL_API void KILN_KERNEL(vmath_f32)(int32_t f, int64_t n, const float *x, float *y);

#ifdef __cplusplus
}
#endif

#endif /* KILN_KERNELS_H */
