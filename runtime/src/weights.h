/*===- weights.h - where a context finds its weights -----------------------===*/
#ifndef KILN_RT_WEIGHTS_H
#define KILN_RT_WEIGHTS_H

#include "kiln_rt.h"

typedef struct kiln_weights {
  const void *data;  /* start of the weights proper */
  void *mapping;     /* mmap'ed file, or NULL for embedded weights */
  size_t mapping_size;
} kiln_weights;

/* Embedded weights when `path` is NULL, else maps and checks the file. On
   failure writes a message into `msg` (when not NULL). */
kiln_status kiln_weights_open(const kiln_model *model, const char *path,
                              kiln_weights *out, char *msg, size_t msg_size);
void kiln_weights_close(kiln_weights *w);

#endif
