/*===- weights.c - embedded weights or a mapped NAME.weights file ----------===
 *
 * File layout: 64-byte header, then the weights at the offsets the compiled
 * code uses. Header: "KILNWTS1", u32 version (1), u32 header size (64),
 * u64 weights size, u64 weights id, zero padding.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include "weights.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static kiln_status fail(char *msg, size_t n, kiln_status s, const char *fmt, ...) {
  if (msg && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
  }
  return s;
}

static uint64_t read_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

static uint32_t read_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

kiln_status kiln_weights_open(const kiln_model *model, const char *path,
                              kiln_weights *out, char *msg, size_t n) {
  memset(out, 0, sizeof *out);
  if (!path) {
    if (model->weights_size > 0 && !model->embedded_weights)
      return fail(msg, n, KILN_ERROR_INVALID_ARGUMENT,
                  "model '%s' was compiled with --weights=file; pass the path of "
                  "%s.weights in kiln_options.weights_path",
                  model->name, model->name);
    out->data = model->embedded_weights;
    return KILN_OK;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(msg, n, KILN_ERROR_IO, "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(msg, n, KILN_ERROR_IO, "%s: not a regular file", path);
  }
  size_t size = (size_t)st.st_size;
  if (size < KILN_WEIGHTS_HEADER_SIZE) {
    close(fd);
    return fail(msg, n, KILN_ERROR_WEIGHTS_MISMATCH,
                "%s: %zu bytes is too short for a Kiln weights file", path, size);
  }
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return fail(msg, n, KILN_ERROR_IO, "%s: cannot map: %s", path, strerror(errno));
  const unsigned char *h = (const unsigned char *)map;
  kiln_status s = KILN_OK;
  if (memcmp(h, KILN_WEIGHTS_MAGIC, 8) != 0)
    s = fail(msg, n, KILN_ERROR_WEIGHTS_MISMATCH, "%s: not a Kiln weights file", path);
  else if (read_u32(h + 8) != 1 || read_u32(h + 12) != KILN_WEIGHTS_HEADER_SIZE)
    s = fail(msg, n, KILN_ERROR_WEIGHTS_MISMATCH, "%s: unsupported weights file version",
             path);
  else if (read_u64(h + 24) != model->weights_id)
    s = fail(msg, n, KILN_ERROR_WEIGHTS_MISMATCH,
             "%s: these weights belong to another model or build (id %016llx, "
             "model '%s' expects %016llx)",
             path, (unsigned long long)read_u64(h + 24), model->name,
             (unsigned long long)model->weights_id);
  else if (read_u64(h + 16) != model->weights_size ||
           size - KILN_WEIGHTS_HEADER_SIZE < model->weights_size)
    s = fail(msg, n, KILN_ERROR_WEIGHTS_MISMATCH,
             "%s: holds %llu bytes of weights; model '%s' needs %llu", path,
             (unsigned long long)(size - KILN_WEIGHTS_HEADER_SIZE), model->name,
             (unsigned long long)model->weights_size);
  if (s != KILN_OK) {
    munmap(map, size);
    return s;
  }
  out->mapping = map;
  out->mapping_size = size;
  out->data = h + KILN_WEIGHTS_HEADER_SIZE;
  return KILN_OK;
}

void kiln_weights_close(kiln_weights *w) {
  if (w->mapping)
    munmap(w->mapping, w->mapping_size);
  memset(w, 0, sizeof *w);
}
