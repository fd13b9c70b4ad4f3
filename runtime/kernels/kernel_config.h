/*===- kernel_config.h - tile shapes shared by kilnc and the kernels -------===
 *
 * kilnc packs constant GEMM weights at compile time into the panel layout the
 * GEMM micro-kernel of the chosen ISA reads; both sides read the panel width
 * from here. Plain C, no includes: C++ (kilnc) and C (kernels) share it.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_KERNEL_CONFIG_H
#define KILN_KERNEL_CONFIG_H

/* Bumped whenever a kernel's arguments, the packed layout (NR) or a kernel's
   meaning changes: kilnc calls kiln_k_<kernel>_<isa>_v<KILN_KERNEL_ABI>, so
   objects from different kernel ABIs never bind to each other's kernels. */
#define KILN_KERNEL_ABI 4

/* The kernel library variants, one precompiled object each. */
enum kiln_isa {
  KILN_ISA_GENERIC = 0, /* 128-bit vectors: SSE2 on x86-64 */
  KILN_ISA_AVX2 = 1,    /* AVX2 + FMA, 256-bit */
  KILN_ISA_AVX512 = 2,  /* AVX-512F, 512-bit */
  KILN_ISA_NEON = 3     /* AArch64 Advanced SIMD, 128-bit */
};

/* GEMM register tile: MR rows of A times NR = NV vectors of B columns. The
   accumulators (MR * NV vectors) plus NV B vectors and one broadcast must fit
   in the register file (16 vectors on AVX2/SSE2, 32 on AVX-512/NEON). */
#define KILN_GEMM_MR_GENERIC 4
#define KILN_GEMM_NR_GENERIC 8
#define KILN_GEMM_MR_AVX2 6
#define KILN_GEMM_NR_AVX2 16
#define KILN_GEMM_MR_AVX512 8
#define KILN_GEMM_NR_AVX512 48
#define KILN_GEMM_MR_NEON 8
#define KILN_GEMM_NR_NEON 12

/* kiln_k_attention_f32 keeps a block of K^T, of V and the running output
   on the stack, sized by the head dims; larger heads stay on the generic
   lowering. */
#define KILN_ATTENTION_MAX_HEAD_DIM 256

/* How kiln_k_gemm_f32 reads B. */
enum kiln_b_layout {
  /* Packed: ceil(N/NR) panels, each K rows of NR columns (zero padded). */
  KILN_B_PACKED = 0,
  /* Row-major [K, N] with row stride ldb. */
  KILN_B_ROW_MAJOR = 1,
  /* Transposed: row-major [N, K] with row stride ldb. */
  KILN_B_TRANSPOSED = 2
};

/* Epilogue activation, numbered as the kiln dialect's Activation enum. */
enum kiln_activation {
  KILN_ACT_NONE = 0,
  KILN_ACT_RELU = 1,
  KILN_ACT_GELU = 2,     /* 0.5 x (1 + erf(x / sqrt 2)) */
  KILN_ACT_GELU_TANH = 3 /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
};
/* Their names, indexed by value, as kiln-gemm-bench --shape and kiln-run
   --profile spell them. */
#define KILN_ACTIVATION_NAMES {"none", "relu", "gelu", "gelu_tanh"}

#endif /* KILN_KERNEL_CONFIG_H */
