/*===- kiln_rt.h - the Kiln runtime: run compiled models -------------------===
 *
 * A model compiled by kilnc exports one `const kiln_model NAME_model`
 * descriptor; its generated NAME.h adds typed wrappers. Everything here is C,
 * has no global mutable state, and is safe to use from several threads as
 * long as each thread runs its own context.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RT_H
#define KILN_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the layout of kiln_model, kiln_exec or kiln_profile
   changes (the model's kernels read the exec and write the profile); kilnc
   and the runtime must agree. */
#define KILN_ABI_VERSION 4u

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum kiln_dtype {
  KILN_FLOAT32 = 1,
  KILN_UINT8 = 2,
  KILN_INT8 = 3,
  KILN_UINT16 = 4,
  KILN_INT16 = 5,
  KILN_INT32 = 6,
  KILN_INT64 = 7,
  KILN_BOOL = 9,
  KILN_FLOAT16 = 10,
  KILN_FLOAT64 = 11,
  KILN_UINT32 = 12,
  KILN_UINT64 = 13,
  KILN_BFLOAT16 = 16
} kiln_dtype;

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_INVALID_ARGUMENT = 1, /* null pointer, wrong count, bad option */
  KILN_ERROR_OUT_OF_MEMORY = 2,
  KILN_ERROR_IO = 3,               /* weights file missing or unreadable */
  KILN_ERROR_WEIGHTS_MISMATCH = 4, /* weights file of another model/build */
  KILN_ERROR_ABI = 5               /* model built for another runtime ABI */
} kiln_status;

/* One input or output, as the model was compiled. */
typedef struct kiln_tensor_info {
  const char *name;
  int32_t dtype; /* kiln_dtype */
  int32_t rank;
  const int64_t *dims;
  int64_t num_elements;
  int64_t byte_size;
} kiln_tensor_info;

/* Parallel-for: runs fn(arg, begin, end) over disjoint ranges that cover
   [0, count), possibly on several threads, and returns when all are done. */
typedef void (*kiln_task_fn)(void *arg, int64_t begin, int64_t end);
typedef void (*kiln_parallel_for_fn)(void *pool, kiln_task_fn fn, void *arg,
                                     int64_t count);

/* Where a run's time goes: the model's kernels by kind, and the whole run.
   Filled while set on a context (kiln_context_set_profile); the time outside
   the kernels is the model's own loops (elementwise ops, copies, gathers). */
enum kiln_profile_kind {
  KILN_PROFILE_GEMM = 0,
  KILN_PROFILE_ATTENTION = 1,
  KILN_PROFILE_NORM = 2,
  KILN_PROFILE_SOFTMAX = 3,
  KILN_PROFILE_KINDS = 4
};
/* One kernel call of a run, by its place in the run's order: the model makes
   the same calls in the same order every run, so entry i sums the time of
   the i-th call over all runs. */
typedef struct kiln_profile_call {
  int32_t kind;     /* kiln_profile_kind */
  int32_t epilogue; /* GEMM: KILN_PROFILE_BIAS | KILN_PROFILE_RESIDUAL |
                       KILN_PROFILE_NORM_EPILOGUE |
                       activation << KILN_PROFILE_ACTIVATION_SHIFT */
  /* GEMM: batch, M, N, K; attention: batch x heads, queries, keys, head
     dim; norm and softmax: rows, columns, 0, 0. */
  int64_t shape[4];
  double flops; /* of one call */
  uint64_t ns;  /* summed over runs */
} kiln_profile_call;
enum {
  KILN_PROFILE_BIAS = 1,
  KILN_PROFILE_RESIDUAL = 2,
  KILN_PROFILE_ACTIVATION_SHIFT = 2, /* activations take bits 2..7 */
  KILN_PROFILE_NORM_EPILOGUE = 256
};

typedef struct kiln_profile {
  uint64_t runs;   /* kiln_run calls */
  uint64_t run_ns; /* their wall time */
  uint64_t calls[KILN_PROFILE_KINDS];
  uint64_t ns[KILN_PROFILE_KINDS];  /* wall time inside the kernels */
  double flops[KILN_PROFILE_KINDS]; /* multiply-adds count 2 */
  /* Optional, set by the caller: room for the first `call_capacity` kernel
     calls of a run (NULL: per-kind totals only). `call_count` is how many
     calls a run made; `next_call` is the runtime's. */
  kiln_profile_call *call_log;
  uint32_t call_capacity;
  uint32_t call_count;
  uint32_t next_call;
  uint32_t reserved;
  /* The context's own thread pool (not a caller's parallel_for): the
     parallel jobs the kernels ran, and the time their threads waited in
     them, summed over the threads: each worker from the job's start to its
     first unit, and every thread from its last unit to the job's end. */
  uint64_t jobs;
  uint64_t wait_ns;
} kiln_profile;

/* What the compiled code's kernels split their work over. */
typedef struct kiln_exec {
  kiln_parallel_for_fn parallel_for;
  void *pool;
  int32_t num_threads; /* how many threads parallel_for uses (>= 1) */
  /* Kernels smaller than this many million flops run on the calling thread;
     0: the kernel library's default, negative: split everything (tests). */
  int32_t min_parallel_mflops;
  kiln_profile *profile; /* NULL: no profiling */
  /* Memory one kernel call may use while it runs, 64-byte aligned: the
     partial products of GEMMs that split K over threads. A kernel that
     finds too little splits less (or not at all). */
  void *scratch;
  uint64_t scratch_bytes;
} kiln_exec;

/* Runs the compiled code. `buffers` holds the inputs, then the outputs, then
   the weights base, then the arena, then a `const kiln_exec *`. Called by
   kiln_run; not by users. */
typedef void (*kiln_entry_fn)(void *const *buffers);

/* The descriptor every compiled model exports as `NAME_model`. */
typedef struct kiln_model {
  uint32_t abi_version;
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t reserved;
  const char *name;
  const kiln_tensor_info *inputs;
  const kiln_tensor_info *outputs;
  uint64_t arena_size;
  uint64_t weights_size;
  /* The weights in .rodata, or NULL when kilnc wrote NAME.weights. */
  const void *embedded_weights;
  /* Identifies the weights; a weights file must carry the same value. */
  uint64_t weights_id;
  kiln_entry_fn entry;
  /* Kernel scratch (kiln_exec.scratch) each thread beyond the first needs:
     the largest partial product of a GEMM that splits K over threads. */
  uint64_t scratch_per_thread;
} kiln_model;

typedef struct kiln_context kiln_context;

/* Why a context could not be created (kiln_context_create's `error`). */
typedef struct kiln_error {
  char message[256];
} kiln_error;

typedef struct kiln_options {
  /* Path of NAME.weights for models compiled with --weights=file. NULL: use
     the embedded weights. */
  const char *weights_path;
  /* Caller-owned arena of at least model->arena_size bytes, aligned to 64
     bytes. NULL: the context allocates its own. */
  void *arena;
  size_t arena_size;
  /* Threads the model's kernels run on, the calling thread included: 0 uses
     every CPU this process may run on (or KILN_NUM_THREADS from the
     environment when set); 1 runs everything on the calling thread. The
     context owns the worker threads. */
  int32_t num_threads;
  /* Kernels with fewer than this many million flops stay on the calling
     thread (splitting them costs more than it saves; a GEMM counts its
     packed weights at 10 flops a byte if that is more): 0 uses the kernel
     library's default (4), a negative value splits every kernel. */
  int32_t min_parallel_mflops;
  /* Where the kernels read the weights (kiln_weights_placement); with
     KILN_WEIGHTS_AUTO, KILN_WEIGHTS_PLACEMENT from the environment
     ("auto", "in-place", "huge-pages") decides when set. */
  int32_t weights_placement;
} kiln_options;

/* Every run streams a model's weights from memory once. Reading them from
   memory mapped with 2 MiB pages instead of 4 KiB ones saves the TLB misses
   (1-3% on BERT-base and GPT-2 small), at the price of one copy, shared by
   the contexts of one model in the process; the copy is read-only, a
   weights file is unmapped after it, and embedded weights are marked cold
   (the kernel reclaims them first). */
typedef enum kiln_weights_placement {
  /* The copy when the model has at least 64 MiB of weights and the OS
     grants huge pages on request (Linux transparent huge pages "always" or
     "madvise"), else in place. */
  KILN_WEIGHTS_AUTO = 0,
  /* Where they are: the model's read-only data or the mapped NAME.weights. */
  KILN_WEIGHTS_IN_PLACE = 1,
  /* Always the copy (in huge pages when the OS grants them). */
  KILN_WEIGHTS_HUGE_PAGES = 2
} kiln_weights_placement;

/* Creates a context (a reusable arena plus the weights) for one model.
   `options` and `error` may be NULL. */
kiln_status kiln_context_create(const kiln_model *model,
                                const kiln_options *options,
                                kiln_context **out, kiln_error *error);
void kiln_context_destroy(kiln_context *ctx);

/* Runs the model: `inputs[i]` points to input i's data and `outputs[i]` to
   room for output i, laid out densely in row-major order as the
   kiln_tensor_info describe. */
kiln_status kiln_run(kiln_context *ctx, const void *const *inputs,
                     size_t num_inputs, void *const *outputs,
                     size_t num_outputs);

/* The message of the last failed call on this context ("" if none). */
const char *kiln_context_error(const kiln_context *ctx);
const kiln_model *kiln_context_model(const kiln_context *ctx);

const char *kiln_status_string(kiln_status status);
const char *kiln_dtype_name(int32_t dtype);
size_t kiln_dtype_size(int32_t dtype);

/* Threads the context's kernels use. */
int32_t kiln_context_num_threads(const kiln_context *ctx);

/* Where the context's weights are: KILN_WEIGHTS_IN_PLACE or
   KILN_WEIGHTS_HUGE_PAGES (the copy). */
int32_t kiln_context_weights_placement(const kiln_context *ctx);

/* Accumulates the time of every following run into `profile` (zero it
   first); NULL stops. Costs two clock reads per kernel call. */
void kiln_context_set_profile(kiln_context *ctx, kiln_profile *profile);

/* Runs the kernels through the caller's own pool instead of the context's
   (which is then stopped): `fn` splits the work over `num_threads` threads.
   fn == NULL returns to the context's own threads. */
void kiln_context_set_parallel_for(kiln_context *ctx, kiln_parallel_for_fn fn,
                                   void *pool, int32_t num_threads);

/* Weights files written by kilnc --weights=file start with this header. */
#define KILN_WEIGHTS_MAGIC "KILNWTS1"
#define KILN_WEIGHTS_HEADER_SIZE 64u

#ifdef __cplusplus
}
#endif

#endif /* KILN_RT_H */
