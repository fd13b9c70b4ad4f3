/* Runtime misuse gives an error code and a message, never a crash.
 * Linked with: wf (gpt2, --weights=file), emb (gpt2, embedded weights).
 * argv: wf.weights other_model.weights truncated.weights not_weights_file */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "kiln_rt.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const kiln_model wf_model;
extern const kiln_model emb_model;

static void report(const char *what, kiln_status s, const char *msg) {
  printf("%s: %s: %s\n", what, kiln_status_string(s), msg);
}

typedef struct {
  const kiln_model *m;
  int64_t ids[16];
  float logits[16 * 500];
  kiln_status status;
} job;

/* A caller's own "pool": runs the ranges back to front, one index each. */
static int backwards_calls;
static void backwards_for(void *pool, kiln_task_fn fn, void *arg, int64_t count) {
  (void)pool;
  ++backwards_calls;
  for (int64_t i = count; i-- > 0;)
    fn(arg, i, i + 1);
}

/* Logits of one run of `m` created with `o`, on the caller's pool when
   `own` is set; reports the context's thread count and weights placement. */
static kiln_status run_once(const kiln_model *m, const kiln_options *o, int own,
                            const int64_t *ids, float *logits, int32_t *threads,
                            int32_t *placement) {
  kiln_context *ctx;
  kiln_status s = kiln_context_create(m, o, &ctx, NULL);
  if (s != KILN_OK)
    return s;
  if (own)
    kiln_context_set_parallel_for(ctx, backwards_for, NULL, 4);
  *threads = kiln_context_num_threads(ctx);
  *placement = kiln_context_weights_placement(ctx);
  const void *in[1] = {ids};
  void *out[1] = {logits};
  s = kiln_run(ctx, in, 1, out, 1);
  kiln_context_destroy(ctx);
  return s;
}

/* Logits of one run with `threads` threads, or the caller's pool when
   `own` is set. */
static kiln_status run_with(int32_t threads, int own, const int64_t *ids, float *logits,
                            int32_t *used) {
  kiln_options o = {0};
  o.num_threads = threads;
  o.min_parallel_mflops = -1; /* split even this tiny model's kernels */
  int32_t placement;
  return run_once(&emb_model, &o, own, ids, logits, used, &placement);
}

/* Logits of one run of `m` with its weights placed as asked; 1 when the
   context reports the placement `expect`. */
static int run_placed_as(const kiln_model *m, const char *weights_path, int32_t placement,
                         int32_t expect, const int64_t *ids, float *logits) {
  kiln_options o = {0};
  o.weights_path = weights_path;
  o.weights_placement = placement;
  int32_t threads, placed;
  return run_once(m, &o, 0, ids, logits, &threads, &placed) == KILN_OK && placed == expect;
}
static int run_placed(const kiln_model *m, const char *weights_path, int32_t placement,
                      const int64_t *ids, float *logits) {
  return run_placed_as(m, weights_path, placement, placement, ids, logits);
}

/* The call log of a profile with room for `room` calls, over two runs:
   every kind's call count is twice the calls a run made, the logged calls
   carry their kinds and times, and entries past the room stay untouched. */
static int profile_log_ok(const int64_t *ids, uint32_t room) {
  kiln_context *ctx;
  if (kiln_context_create(&emb_model, NULL, &ctx, NULL) != KILN_OK)
    return 0;
  kiln_profile prof = {0};
  kiln_profile_call log[64];
  memset(log, 0, sizeof log);
  prof.call_log = log;
  prof.call_capacity = room;
  kiln_context_set_profile(ctx, &prof);
  static float logits[16 * 500];
  const void *in[1] = {ids};
  void *out[1] = {logits};
  int ok = kiln_run(ctx, in, 1, out, 1) == KILN_OK && kiln_run(ctx, in, 1, out, 1) == KILN_OK;
  kiln_context_destroy(ctx);
  uint64_t calls = 0;
  for (int k = 0; k < KILN_PROFILE_KINDS; ++k)
    calls += prof.calls[k];
  ok = ok && prof.runs == 2 && prof.call_count > 0 && calls == 2 * prof.call_count;
  for (uint32_t i = 0; ok && i < 64; ++i) {
    if (i < room && i < prof.call_count)
      ok = log[i].kind >= 0 && log[i].kind < KILN_PROFILE_KINDS && log[i].ns > 0 &&
           log[i].shape[0] > 0;
    else
      ok = log[i].ns == 0 && log[i].kind == 0;
  }
  return ok;
}

static void *run_job(void *arg) {
  job *j = (job *)arg;
  kiln_context *ctx;
  kiln_error err;
  j->status = kiln_context_create(j->m, NULL, &ctx, &err);
  if (j->status != KILN_OK)
    return NULL;
  const void *in[1] = {j->ids};
  void *out[1] = {j->logits};
  for (int r = 0; r < 20 && j->status == KILN_OK; ++r)
    j->status = kiln_run(ctx, in, 1, out, 1);
  kiln_context_destroy(ctx);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 5)
    return 2;
  kiln_error err;
  kiln_context *ctx = NULL;
  kiln_status s;

  s = kiln_context_create(NULL, NULL, &ctx, &err);
  report("null model", s, err.message);
  s = kiln_context_create(&emb_model, NULL, NULL, &err);
  report("null out", s, err.message);
  s = kiln_context_create(&wf_model, NULL, &ctx, &err);
  report("file weights without a path", s, err.message);

  kiln_options o = {0};
  o.weights_path = "/nonexistent/wf.weights";
  s = kiln_context_create(&wf_model, &o, &ctx, &err);
  report("missing weights file", s, err.message);
  o.weights_path = argv[2];
  s = kiln_context_create(&wf_model, &o, &ctx, &err);
  report("another model's weights", s, err.message);
  o.weights_path = argv[3];
  s = kiln_context_create(&wf_model, &o, &ctx, &err);
  report("truncated weights", s, err.message);
  o.weights_path = argv[4];
  s = kiln_context_create(&wf_model, &o, &ctx, &err);
  report("not a weights file", s, err.message);

  kiln_model wrong_abi = emb_model;
  wrong_abi.abi_version = 99;
  s = kiln_context_create(&wrong_abi, NULL, &ctx, &err);
  report("abi", s, err.message);

  kiln_options negative = {0};
  negative.num_threads = -2;
  s = kiln_context_create(&emb_model, &negative, &ctx, &err);
  report("negative threads", s, err.message);

  kiln_options placement = {0};
  placement.weights_placement = 7;
  s = kiln_context_create(&emb_model, &placement, &ctx, &err);
  report("weights placement 7", s, err.message);

  kiln_options small = {0};
  static _Alignas(64) unsigned char tiny[64];
  small.arena = tiny;
  small.arena_size = sizeof tiny;
  s = kiln_context_create(&emb_model, &small, &ctx, &err);
  report("small arena", s, err.message);

  o.weights_path = argv[1];
  s = kiln_context_create(&wf_model, &o, &ctx, &err);
  report("right weights", s, err.message);
  static int64_t ids[16];
  static float logits[16 * 500];
  const void *in[2] = {ids, ids};
  void *out[1] = {logits};
  s = kiln_run(ctx, in, 2, out, 1);
  report("two inputs", s, kiln_context_error(ctx));
  s = kiln_run(ctx, in, 1, out, 0);
  report("no outputs", s, kiln_context_error(ctx));
  const void *null_in[1] = {NULL};
  s = kiln_run(ctx, null_in, 1, out, 1);
  report("null input", s, kiln_context_error(ctx));
  s = kiln_run(ctx, NULL, 1, out, 1);
  report("null input array", s, kiln_context_error(ctx));
  s = kiln_run(ctx, in, 1, out, 1);
  report("good run", s, kiln_context_error(ctx));
  kiln_context_destroy(ctx);
  s = kiln_run(NULL, in, 1, out, 1);
  report("null context", s, kiln_context_error(NULL));
  kiln_context_destroy(NULL);

  /* Two contexts of one model, on two threads at once, agree with a third. */
  job a = {&emb_model}, b = {&emb_model}, c = {&emb_model};
  for (int i = 0; i < 16; ++i)
    a.ids[i] = b.ids[i] = c.ids[i] = (i * 31) % 500;
  pthread_t ta, tb;
  pthread_create(&ta, NULL, run_job, &a);
  pthread_create(&tb, NULL, run_job, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  run_job(&c);
  int same = a.status == KILN_OK && b.status == KILN_OK && c.status == KILN_OK &&
             !memcmp(a.logits, c.logits, sizeof a.logits) &&
             !memcmp(b.logits, c.logits, sizeof b.logits) && isfinite(c.logits[0]);
  printf("two threads: %s\n", same ? "identical results" : "MISMATCH");

  /* For a given thread count every output element is computed in one order,
     whichever thread runs which part: the context's own 4 threads and the
     caller's pool of 4 (run back to front) give the same bits. GEMMs that
     split K over threads sum their partial products in an order the thread
     count sets, so 1 and 3 threads agree to rounding. */
  static float one[16 * 500], three[16 * 500], four[16 * 500], own[16 * 500];
  int32_t n1 = 0, n3 = 0, n4 = 0, nown = 0;
  int ok = run_with(1, 0, c.ids, one, &n1) == KILN_OK &&
           run_with(3, 0, c.ids, three, &n3) == KILN_OK &&
           run_with(4, 0, c.ids, four, &n4) == KILN_OK &&
           run_with(1, 1, c.ids, own, &nown) == KILN_OK;
  float worst = 0.0f, largest = 0.0f;
  for (int i = 0; ok && i < 16 * 500; ++i) {
    worst = fmaxf(worst, fabsf(one[i] - three[i]));
    largest = fmaxf(largest, fabsf(one[i]));
  }
  int pools = ok && !memcmp(four, own, sizeof four) && !memcmp(one, c.logits, sizeof one) &&
              largest > 0.0f && worst <= 1e-5f * largest;
  printf("threads 1 and %d agree, %d threads and the caller's pool (%d threads, %s) are "
         "identical: %s\n",
         n3, n4, nown, backwards_calls > 0 ? "used" : "unused", pools ? "yes" : "MISMATCH");

  /* Weights copied into huge pages compute the same bits as weights read in
     place, for embedded weights and a weights file; and once a copy has
     marked the embedded weights cold, a context that reads them in place
     still gets them. */
  static float huge_emb[16 * 500], huge_wf[16 * 500], in_place_after[16 * 500];
  int placed = run_placed(&emb_model, NULL, KILN_WEIGHTS_HUGE_PAGES, c.ids, huge_emb) &&
               run_placed(&wf_model, argv[1], KILN_WEIGHTS_HUGE_PAGES, c.ids, huge_wf) &&
               run_placed(&emb_model, NULL, KILN_WEIGHTS_IN_PLACE, c.ids, in_place_after);
  int copies = placed && !memcmp(huge_emb, c.logits, sizeof huge_emb) &&
               !memcmp(huge_wf, c.logits, sizeof huge_wf) &&
               !memcmp(in_place_after, c.logits, sizeof in_place_after);
  printf("weights in huge pages, embedded and from a file, then in place: %s\n",
         copies ? "identical results" : "MISMATCH");

  /* Auto leaves a model this small in place, unless the environment asks. */
  static float auto_small[16 * 500], auto_env[16 * 500];
  int autos = run_placed_as(&emb_model, NULL, KILN_WEIGHTS_AUTO, KILN_WEIGHTS_IN_PLACE, c.ids,
                            auto_small);
  setenv("KILN_WEIGHTS_PLACEMENT", "huge-pages", 1);
  autos = autos && run_placed_as(&emb_model, NULL, KILN_WEIGHTS_AUTO, KILN_WEIGHTS_HUGE_PAGES,
                                 c.ids, auto_env);
  unsetenv("KILN_WEIGHTS_PLACEMENT");
  autos = autos && !memcmp(auto_small, c.logits, sizeof auto_small) &&
          !memcmp(auto_env, c.logits, sizeof auto_env);
  printf("auto placement of a small model: %s\n",
         autos ? "in place, huge pages when KILN_WEIGHTS_PLACEMENT says so" : "WRONG");

  int logs = profile_log_ok(c.ids, 64) && profile_log_ok(c.ids, 3);
  printf("profile call log, with room for all calls and for 3: %s\n", logs ? "ok" : "WRONG");
  return same && pools && copies && autos && logs ? 0 : 1;
}
