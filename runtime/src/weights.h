/*===- weights.h - where a context finds its weights -----------------------===*/
#ifndef KILN_RT_WEIGHTS_H
#define KILN_RT_WEIGHTS_H

#include "kiln_rt.h"

typedef struct kiln_weights {
  const void *data;  /* start of the weights proper */
  void *mapping;     /* mmap'ed file, or NULL for embedded weights */
  size_t mapping_size;
  struct kiln_weights_copy *copy; /* the shared copy `data` points into, or NULL */
} kiln_weights;

/* Embedded weights when `path` is NULL, else maps and checks the file. On
   failure writes a message into `msg` (when not NULL). */
kiln_status kiln_weights_open(const kiln_model *model, const char *path,
                              kiln_weights *out, char *msg, size_t msg_size);
/* Moves open weights of `size` bytes into a copy backed by huge pages when
   `placement` (kiln_weights_placement) asks for it; see kiln_rt.h. Contexts
   whose weights have the same `id` and size share one copy. Fails only when
   KILN_WEIGHTS_HUGE_PAGES was asked for and no memory is left. */
kiln_status kiln_weights_place(kiln_weights *w, uint64_t id, uint64_t size, int32_t placement,
                               char *msg, size_t msg_size);
void kiln_weights_close(kiln_weights *w);

#endif
