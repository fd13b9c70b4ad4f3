/*===- harness.c - run statically linked Kiln models on .npy files ---------===
 *
 * Built with -DKILN_MODEL_LIST='M(a) M(b)' against the objects kilnc wrote with
 * --name=a, --name=b. Usage:
 *
 *   harness NAME [--atol A] in0.npy in1.npy ... -- expected0.npy ...
 *
 * Prints the max abs error per output and exits 1 on a mismatch. Plain C so
 * it cross-compiles for AArch64 and runs under qemu.
 *
 *===----------------------------------------------------------------------===*/
#include "kiln_rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M(name) extern const kiln_model name##_model;
KILN_MODEL_LIST
#undef M

static const struct {
  const char *name;
  const kiln_model *model;
} models[] = {
#define M(name) {#name, &name##_model},
    KILN_MODEL_LIST
#undef M
};

/* Reads a little-endian .npy file's payload of exactly `bytes` bytes. */
static void *read_npy(const char *path, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "harness: cannot open %s\n", path);
    exit(2);
  }
  unsigned char head[10];
  if (fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY", 6) != 0) {
    fprintf(stderr, "harness: %s is not a .npy file\n", path);
    exit(2);
  }
  size_t hlen = head[8] | (size_t)head[9] << 8;
  fseek(f, (long)(10 + hlen), SEEK_SET);
  void *data = malloc(bytes ? bytes : 1);
  if (fread(data, 1, bytes, f) != bytes) {
    fprintf(stderr, "harness: %s holds fewer than %zu data bytes\n", path, bytes);
    exit(2);
  }
  fclose(f);
  return data;
}

static double value(const void *p, int dtype, int64_t i) {
  switch (dtype) {
  case KILN_FLOAT32: return ((const float *)p)[i];
  case KILN_INT64: return (double)((const int64_t *)p)[i];
  case KILN_INT32: return ((const int32_t *)p)[i];
  case KILN_BOOL: case KILN_UINT8: return ((const uint8_t *)p)[i];
  case KILN_INT8: return ((const int8_t *)p)[i];
  default: return NAN;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: harness NAME [--atol A] inputs... -- expected...\n");
    return 2;
  }
  const kiln_model *m = NULL;
  for (size_t i = 0; i < sizeof models / sizeof models[0]; ++i)
    if (!strcmp(models[i].name, argv[1]))
      m = models[i].model;
  if (!m) {
    fprintf(stderr, "harness: no model '%s' linked in\n", argv[1]);
    return 2;
  }
  int a = 2;
  double atol = 1e-4;
  if (a + 1 < argc && !strcmp(argv[a], "--atol")) {
    atol = atof(argv[a + 1]);
    a += 2;
  }
  const void *in[16];
  void *out[16];
  uint32_t ni = 0;
  for (; a < argc && strcmp(argv[a], "--"); ++a, ++ni)
    in[ni] = read_npy(argv[a], (size_t)m->inputs[ni].byte_size);
  if (ni != m->num_inputs) {
    fprintf(stderr, "harness: %s takes %u inputs, got %u\n", m->name, m->num_inputs, ni);
    return 2;
  }
  for (uint32_t i = 0; i < m->num_outputs; ++i)
    out[i] = malloc((size_t)m->outputs[i].byte_size);
  kiln_context *ctx;
  kiln_error err;
  kiln_status s = kiln_context_create(m, NULL, &ctx, &err);
  if (s != KILN_OK) {
    fprintf(stderr, "harness: %s\n", err.message);
    return 2;
  }
  /* Twice: a context is reusable and the second run must agree. */
  for (int r = 0; r < 2; ++r)
    if ((s = kiln_run(ctx, in, ni, out, m->num_outputs)) != KILN_OK) {
      fprintf(stderr, "harness: %s\n", kiln_context_error(ctx));
      return 2;
    }
  int status = 0;
  uint32_t no = 0;
  for (++a; a < argc; ++a, ++no) {
    const kiln_tensor_info *t = &m->outputs[no];
    void *want = read_npy(argv[a], (size_t)t->byte_size);
    double max_err = 0;
    for (int64_t k = 0; k < t->num_elements; ++k) {
      double d = fabs(value(out[no], t->dtype, k) - value(want, t->dtype, k));
      if (!(d <= max_err))
        max_err = isnan(d) ? INFINITY : d;
    }
    printf("%s output %u '%s': max abs err %.3g %s\n", m->name, no, t->name, max_err,
           max_err <= atol ? "ok" : "FAIL");
    status |= !(max_err <= atol);
    free(want);
  }
  kiln_context_destroy(ctx);
  return status;
}
