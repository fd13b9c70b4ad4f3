/* Greedy decoding with a compiled stories260K model (see scripts/demo.sh).
 *
 *   kilnc --name=stories --input-shape input_ids=1x32 stories260K_nopast.onnx -o stories.so
 *   cc -I runtime/include -I . examples/generate.c stories.so libkiln_rt.a -o generate
 *
 * The model is causal, so the logits at position t depend only on tokens
 * 0..t: one fixed-length model decodes by filling the window left to right.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "stories.h"

#include <stdio.h>
#include <time.h>

#define SEQ 32
#define VOCAB 512

int main(void) {
  kiln_context *ctx;
  kiln_error err;
  if (stories_create(&ctx, &err) != KILN_OK) {
    fprintf(stderr, "generate: %s\n", err.message);
    return 1;
  }
  static int64_t ids[SEQ];
  static float logits[SEQ * VOCAB];
  ids[0] = 1; /* BOS */
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t + 1 < SEQ; ++t) {
    if (stories_run(ctx, ids, logits) != KILN_OK) {
      fprintf(stderr, "generate: %s\n", kiln_context_error(ctx));
      return 1;
    }
    const float *row = logits + t * VOCAB;
    int best = 0;
    for (int v = 1; v < VOCAB; ++v)
      if (row[v] > row[best])
        best = v;
    ids[t + 1] = best;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("token ids:");
  for (int t = 0; t < SEQ; ++t)
    printf(" %lld", (long long)ids[t]);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("\n%d forward passes in %.1f ms\n", SEQ - 1, ms);
  kiln_context_destroy(ctx);
  return 0;
}
