/*===- weights.c - embedded weights or a mapped NAME.weights file ----------===
 *
 * File layout: 64-byte header, then the weights at the offsets the compiled
 * code uses. Header: "KILNWTS1", u32 version (1), u32 header size (64),
 * u64 weights size, u64 weights id, zero padding.
 *
 * Either kind may then move into a copy in huge pages (kiln_weights_place),
 * one per distinct weights id in the process.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include "weights.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Models smaller than this stay in place under KILN_WEIGHTS_AUTO: their
   weights mostly stay in cache, and a copy would only cost memory. */
#define AUTO_COPY_MIN_BYTES (64ull << 20)
#define HUGE_PAGE (2ull << 20)

/* Whether madvise(MADV_HUGEPAGE) gets anonymous memory huge pages. */
static int huge_pages_on_request(void) {
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f)
    return 0;
  char line[128] = {0};
  int ok = fgets(line, sizeof line, f) &&
           (strstr(line, "[always]") || strstr(line, "[madvise]"));
  fclose(f);
  return ok;
}

/* A huge-page copy, shared by the contexts whose weights have one id: a
   process that runs one model on several contexts holds it once. */
struct kiln_weights_copy {
  uint64_t id, size;
  void *pages;
  size_t bytes; /* whole huge pages */
  int users;
  struct kiln_weights_copy *next;
};
static pthread_mutex_t copies_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kiln_weights_copy *copies;

/* `size` bytes of `src` in read-only anonymous memory, huge pages asked
   for; NULL when out of memory. */
static struct kiln_weights_copy *make_copy(const void *src, uint64_t id, uint64_t size) {
  struct kiln_weights_copy *c = (struct kiln_weights_copy *)calloc(1, sizeof *c);
  if (!c)
    return NULL;
  /* Whole huge pages, from a huge-page boundary. */
  size_t bytes = (size_t)((size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
  size_t reserved = bytes + HUGE_PAGE;
  void *raw = mmap(NULL, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    free(c);
    return NULL;
  }
  uintptr_t start = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  /* Give back the slack on both sides, so munmap(pages, bytes) is all. */
  if (start > (uintptr_t)raw)
    munmap(raw, start - (uintptr_t)raw);
  if ((uintptr_t)raw + reserved > start + bytes)
    munmap((void *)(start + bytes), (uintptr_t)raw + reserved - (start + bytes));
  c->pages = (void *)start;
  madvise(c->pages, bytes, MADV_HUGEPAGE); /* a hint: without it, still a copy */
  memcpy(c->pages, src, size);
  mprotect(c->pages, bytes, PROT_READ);
  c->id = id;
  c->size = size;
  c->bytes = bytes;
  return c;
}

kiln_status kiln_weights_place(kiln_weights *w, uint64_t id, uint64_t size, int32_t placement,
                               char *msg, size_t n) {
  if (placement == KILN_WEIGHTS_IN_PLACE || size == 0 || !w->data)
    return KILN_OK;
  if (placement == KILN_WEIGHTS_AUTO &&
      (size < AUTO_COPY_MIN_BYTES || !huge_pages_on_request()))
    return KILN_OK;
  pthread_mutex_lock(&copies_lock);
  struct kiln_weights_copy *c = copies;
  while (c && (c->id != id || c->size != size))
    c = c->next;
  if (!c) {
    c = make_copy(w->data, id, size);
    if (c) {
      c->next = copies;
      copies = c;
    }
  }
  if (c)
    c->users++;
  pthread_mutex_unlock(&copies_lock);
  if (!c) {
    if (placement == KILN_WEIGHTS_AUTO)
      return KILN_OK;
    return fail(msg, n, KILN_ERROR_OUT_OF_MEMORY,
                "cannot allocate %llu bytes for the weights' huge-page copy",
                (unsigned long long)size);
  }
  /* The source is not read again: a weights file is unmapped; embedded
     weights are marked cold, so the kernel reclaims them first. Not
     MADV_DONTNEED: where the program's read-only data is anonymous memory
     (a packed executable, say) that would zero the weights under any
     other context that reads them in place. */
  if (w->mapping) {
    munmap(w->mapping, w->mapping_size);
    w->mapping = NULL;
    w->mapping_size = 0;
  } else {
#ifdef MADV_COLD
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)w->data + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t to = ((uintptr_t)w->data + size) & ~(uintptr_t)(page - 1);
    if (to > from)
      madvise((void *)from, to - from, MADV_COLD);
#endif
  }
  w->copy = c;
  w->data = c->pages;
  return KILN_OK;
}

void kiln_weights_close(kiln_weights *w) {
  if (w->copy) {
    pthread_mutex_lock(&copies_lock);
    struct kiln_weights_copy *c = w->copy, **at = &copies;
    if (--c->users == 0) {
      while (*at != c)
        at = &(*at)->next;
      *at = c->next;
      munmap(c->pages, c->bytes);
      free(c);
    }
    pthread_mutex_unlock(&copies_lock);
  }
  if (w->mapping)
    munmap(w->mapping, w->mapping_size);
  memset(w, 0, sizeof *w);
}
