/*===- context.c - contexts: arena, weights and running a model ------------===*/
#include "kiln_rt.h"
#include "thread_pool.h"
#include "weights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kiln_context {
  const kiln_model *model;
  void *arena;
  int owns_arena;
  kiln_weights weights;
  /* The kernels' threads: the context's own pool, or the caller's. */
  int32_t num_threads;
  int32_t min_parallel_mflops;
  kiln_pool *own_pool;
  kiln_parallel_for_fn parallel_for;
  void *pool;
  kiln_profile *profile;
  /* Kernel scratch for num_threads threads (kiln_exec.scratch). */
  void *scratch;
  uint64_t scratch_bytes;
  char error[256];
};

static void format(char *dst, size_t n, const char *fmt, va_list ap) {
  vsnprintf(dst, n, fmt, ap);
}

static kiln_status fail_create(kiln_error *error, kiln_status s, const char *fmt, ...) {
  if (error) {
    va_list ap;
    va_start(ap, fmt);
    format(error->message, sizeof error->message, fmt, ap);
    va_end(ap);
  }
  return s;
}

static kiln_status fail_ctx(kiln_context *ctx, kiln_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  format(ctx->error, sizeof ctx->error, fmt, ap);
  va_end(ap);
  return s;
}

static void run_inline(void *pool, kiln_task_fn fn, void *arg, int64_t count) {
  (void)pool;
  fn(arg, 0, count);
}

/* 0: KILN_NUM_THREADS if set, else every CPU we may run on. */
static int32_t resolve_threads(int32_t requested) {
  if (requested > 0)
    return requested;
  const char *env = getenv("KILN_NUM_THREADS");
  if (env && *env) {
    long n = strtol(env, NULL, 10);
    if (n > 0 && n <= 4096)
      return (int32_t)n;
  }
  return kiln_available_cpus();
}

/* KILN_WEIGHTS_AUTO: KILN_WEIGHTS_PLACEMENT ("in-place", "huge-pages",
   "auto") if set, else auto. Unknown values leave auto. */
static int32_t resolve_placement(int32_t requested) {
  if (requested != KILN_WEIGHTS_AUTO)
    return requested;
  const char *env = getenv("KILN_WEIGHTS_PLACEMENT");
  if (env && !strcmp(env, "in-place"))
    return KILN_WEIGHTS_IN_PLACE;
  if (env && !strcmp(env, "huge-pages"))
    return KILN_WEIGHTS_HUGE_PAGES;
  return KILN_WEIGHTS_AUTO;
}

/* Scratch for the kernels of `threads` threads. Without it (no memory) the
   kernels split less, so a failed allocation only costs speed. */
static void size_scratch(kiln_context *ctx, int32_t threads) {
  uint64_t want = ctx->model->scratch_per_thread * (uint64_t)(threads > 1 ? threads - 1 : 0);
  if (want == ctx->scratch_bytes)
    return;
  free(ctx->scratch);
  ctx->scratch = want ? aligned_alloc(64, (size_t)((want + 63u) & ~(uint64_t)63u)) : NULL;
  ctx->scratch_bytes = ctx->scratch ? want : 0;
}

/* Starts the context's own workers; falls back to one thread. */
static void use_own_pool(kiln_context *ctx, int32_t threads) {
  ctx->own_pool = threads > 1 ? kiln_pool_create(threads) : NULL;
  ctx->num_threads = ctx->own_pool ? threads : 1;
  ctx->parallel_for = ctx->own_pool ? kiln_pool_parallel_for : run_inline;
  ctx->pool = ctx->own_pool;
  size_scratch(ctx, ctx->num_threads);
}

kiln_status kiln_context_create(const kiln_model *model, const kiln_options *options,
                                kiln_context **out, kiln_error *error) {
  if (error)
    error->message[0] = '\0';
  if (!out)
    return fail_create(error, KILN_ERROR_INVALID_ARGUMENT, "out is NULL");
  *out = NULL;
  if (!model)
    return fail_create(error, KILN_ERROR_INVALID_ARGUMENT, "model is NULL");
  if (model->abi_version != KILN_ABI_VERSION)
    return fail_create(error, KILN_ERROR_ABI,
                       "model '%s' uses runtime ABI %u; this runtime has %u",
                       model->name ? model->name : "?", model->abi_version,
                       KILN_ABI_VERSION);
  kiln_context *ctx = (kiln_context *)calloc(1, sizeof *ctx);
  if (!ctx)
    return fail_create(error, KILN_ERROR_OUT_OF_MEMORY, "cannot allocate a context");
  ctx->model = model;
  if (options && options->num_threads < 0) {
    free(ctx);
    return fail_create(error, KILN_ERROR_INVALID_ARGUMENT,
                       "num_threads is %d; expected 0 (all CPUs) or more",
                       (int)options->num_threads);
  }

  int32_t placement = options ? options->weights_placement : KILN_WEIGHTS_AUTO;
  if (placement < KILN_WEIGHTS_AUTO || placement > KILN_WEIGHTS_HUGE_PAGES) {
    free(ctx);
    return fail_create(error, KILN_ERROR_INVALID_ARGUMENT,
                       "weights_placement is %d; expected 0 (auto), 1 (in place) or 2 "
                       "(huge pages)",
                       (int)placement);
  }

  const char *weights_path = options ? options->weights_path : NULL;
  kiln_status s = kiln_weights_open(model, weights_path, &ctx->weights,
                                    error ? error->message : NULL,
                                    error ? sizeof error->message : 0);
  if (s == KILN_OK)
    s = kiln_weights_place(&ctx->weights, model->weights_id, model->weights_size,
                           resolve_placement(placement), error ? error->message : NULL,
                           error ? sizeof error->message : 0);
  if (s != KILN_OK) {
    kiln_weights_close(&ctx->weights);
    free(ctx);
    return s;
  }

  if (options && options->arena) {
    if (options->arena_size < model->arena_size ||
        ((uintptr_t)options->arena & 63u) != 0) {
      kiln_weights_close(&ctx->weights);
      free(ctx);
      return fail_create(error, KILN_ERROR_INVALID_ARGUMENT,
                         "the arena must hold %llu bytes aligned to 64; got %zu bytes at %p",
                         (unsigned long long)model->arena_size, options->arena_size,
                         options->arena);
    }
    ctx->arena = options->arena;
  } else if (model->arena_size > 0) {
    size_t size = (size_t)((model->arena_size + 63u) & ~(uint64_t)63u);
    ctx->arena = aligned_alloc(64, size);
    if (!ctx->arena) {
      kiln_weights_close(&ctx->weights);
      free(ctx);
      return fail_create(error, KILN_ERROR_OUT_OF_MEMORY,
                         "cannot allocate the %llu-byte arena",
                         (unsigned long long)model->arena_size);
    }
    ctx->owns_arena = 1;
  }
  use_own_pool(ctx, resolve_threads(options ? options->num_threads : 0));
  ctx->min_parallel_mflops = options ? options->min_parallel_mflops : 0;
  *out = ctx;
  return KILN_OK;
}

void kiln_context_destroy(kiln_context *ctx) {
  if (!ctx)
    return;
  kiln_pool_destroy(ctx->own_pool);
  if (ctx->owns_arena)
    free(ctx->arena);
  free(ctx->scratch);
  kiln_weights_close(&ctx->weights);
  free(ctx);
}

kiln_status kiln_run(kiln_context *ctx, const void *const *inputs, size_t num_inputs,
                     void *const *outputs, size_t num_outputs) {
  if (!ctx)
    return KILN_ERROR_INVALID_ARGUMENT;
  const kiln_model *m = ctx->model;
  ctx->error[0] = '\0';
  if (num_inputs != m->num_inputs)
    return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT,
                    "model '%s' takes %u inputs, got %zu", m->name, m->num_inputs,
                    num_inputs);
  if (num_outputs != m->num_outputs)
    return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT,
                    "model '%s' has %u outputs, got room for %zu", m->name,
                    m->num_outputs, num_outputs);
  if (m->num_inputs && !inputs)
    return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT, "inputs is NULL");
  if (m->num_outputs && !outputs)
    return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT, "outputs is NULL");
  /* Small fixed frames cover real models; larger ones go to the heap. */
  void *frame[64];
  size_t count = (size_t)m->num_inputs + m->num_outputs + 3;
  void **buffers = count <= 64 ? frame : (void **)malloc(count * sizeof(void *));
  if (!buffers)
    return fail_ctx(ctx, KILN_ERROR_OUT_OF_MEMORY, "cannot allocate the argument list");
  size_t k = 0;
  for (uint32_t i = 0; i < m->num_inputs; ++i) {
    if (!inputs[i] && m->inputs[i].byte_size > 0) {
      if (buffers != frame)
        free(buffers);
      return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT, "input %u ('%s') is NULL", i,
                      m->inputs[i].name);
    }
    buffers[k++] = (void *)(uintptr_t)inputs[i]; /* read only by the model */
  }
  for (uint32_t i = 0; i < m->num_outputs; ++i) {
    if (!outputs[i] && m->outputs[i].byte_size > 0) {
      if (buffers != frame)
        free(buffers);
      return fail_ctx(ctx, KILN_ERROR_INVALID_ARGUMENT, "output %u ('%s') is NULL", i,
                      m->outputs[i].name);
    }
    buffers[k++] = outputs[i];
  }
  kiln_exec exec = {ctx->parallel_for, ctx->pool, ctx->num_threads, ctx->min_parallel_mflops,
                    ctx->profile, ctx->scratch, ctx->scratch_bytes};
  buffers[k++] = (void *)(uintptr_t)ctx->weights.data;
  buffers[k++] = ctx->arena;
  buffers[k++] = &exec;
  uint64_t t0 = 0;
  /* The pool's wait accounting, when the kernels run on the context's own. */
  kiln_pool *timed = ctx->profile && ctx->pool == ctx->own_pool ? ctx->own_pool : NULL;
  if (ctx->profile) {
    ctx->profile->next_call = 0;
    kiln_pool_set_timing(timed, 1);
    t0 = kiln_now_ns();
  }
  m->entry(buffers);
  if (ctx->profile) {
    ctx->profile->runs++;
    ctx->profile->run_ns += kiln_now_ns() - t0;
    ctx->profile->call_count = ctx->profile->next_call;
    uint64_t jobs, wait_ns;
    kiln_pool_set_timing(timed, 0);
    kiln_pool_take_timing(timed, &jobs, &wait_ns);
    ctx->profile->jobs += jobs;
    ctx->profile->wait_ns += wait_ns;
  }
  if (buffers != frame)
    free(buffers);
  return KILN_OK;
}

const char *kiln_context_error(const kiln_context *ctx) {
  return ctx ? ctx->error : "context is NULL";
}

const kiln_model *kiln_context_model(const kiln_context *ctx) {
  return ctx ? ctx->model : NULL;
}

void kiln_context_set_profile(kiln_context *ctx, kiln_profile *profile) {
  if (ctx)
    ctx->profile = profile;
}

int32_t kiln_context_weights_placement(const kiln_context *ctx) {
  return ctx && ctx->weights.copy ? KILN_WEIGHTS_HUGE_PAGES : KILN_WEIGHTS_IN_PLACE;
}

int32_t kiln_context_num_threads(const kiln_context *ctx) {
  return ctx ? ctx->num_threads : 0;
}

void kiln_context_set_parallel_for(kiln_context *ctx, kiln_parallel_for_fn fn, void *pool,
                                   int32_t num_threads) {
  if (!ctx)
    return;
  kiln_pool_destroy(ctx->own_pool);
  ctx->own_pool = NULL;
  if (!fn) {
    use_own_pool(ctx, resolve_threads(num_threads));
    return;
  }
  ctx->parallel_for = fn;
  ctx->pool = pool;
  ctx->num_threads = num_threads > 0 ? num_threads : 1;
  size_scratch(ctx, ctx->num_threads);
}

const char *kiln_status_string(kiln_status s) {
  switch (s) {
  case KILN_OK: return "ok";
  case KILN_ERROR_INVALID_ARGUMENT: return "invalid argument";
  case KILN_ERROR_OUT_OF_MEMORY: return "out of memory";
  case KILN_ERROR_IO: return "i/o error";
  case KILN_ERROR_WEIGHTS_MISMATCH: return "weights do not match the model";
  case KILN_ERROR_ABI: return "runtime ABI mismatch";
  }
  return "unknown status";
}

const char *kiln_dtype_name(int32_t dtype) {
  switch (dtype) {
  case KILN_FLOAT32: return "float32";
  case KILN_UINT8: return "uint8";
  case KILN_INT8: return "int8";
  case KILN_UINT16: return "uint16";
  case KILN_INT16: return "int16";
  case KILN_INT32: return "int32";
  case KILN_INT64: return "int64";
  case KILN_BOOL: return "bool";
  case KILN_FLOAT16: return "float16";
  case KILN_FLOAT64: return "float64";
  case KILN_UINT32: return "uint32";
  case KILN_UINT64: return "uint64";
  case KILN_BFLOAT16: return "bfloat16";
  }
  return "unknown";
}

size_t kiln_dtype_size(int32_t dtype) {
  switch (dtype) {
  case KILN_UINT8: case KILN_INT8: case KILN_BOOL: return 1;
  case KILN_UINT16: case KILN_INT16: case KILN_FLOAT16: case KILN_BFLOAT16: return 2;
  case KILN_FLOAT32: case KILN_INT32: case KILN_UINT32: return 4;
  case KILN_INT64: case KILN_UINT64: case KILN_FLOAT64: return 8;
  }
  return 0;
}
