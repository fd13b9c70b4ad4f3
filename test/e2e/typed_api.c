/* Uses a model only through its generated header's typed wrappers. */
#include "gpt2.h"

#include <math.h>
#include <stdio.h>

int main(void) {
  static int64_t ids[GPT2_INPUT_INPUT_IDS_ELEMENTS];
  static float logits[GPT2_OUTPUT_LOGITS_ELEMENTS];
  for (int i = 0; i < (int)GPT2_INPUT_INPUT_IDS_ELEMENTS; ++i)
    ids[i] = (i * 37) % 500;
  kiln_context *ctx = 0;
  kiln_error err;
  if (gpt2_create(&ctx, &err) != KILN_OK) {
    printf("gpt2_create: %s\n", err.message);
    return 1;
  }
  kiln_status s = gpt2_run(ctx, ids, logits);
  printf("gpt2_run: %s, logits[0] %s\n", kiln_status_string(s),
         isfinite(logits[0]) ? "finite" : "not finite");
  kiln_context_destroy(ctx);
  return s != KILN_OK;
}
