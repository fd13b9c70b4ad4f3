/*===- vmath.c - the vector math, callable for tests -----------------------===*/
#include "kiln_kernels.h"
#include "vmath.h"

void KILN_KERNEL(vmath_f32)(int32_t f, int64_t n, const float *x, float *y) {
  for (int64_t i = 0; i < n; i += KILN_VL) {
    int64_t c = n - i < KILN_VL ? n - i : KILN_VL;
    kv v = kv_load_partial(x + i, c, 0.0f), r;
    switch (f) {
    case 0: r = kv_exp(v); break;
    case 1: r = kv_erf(v); break;
    case 2: r = kv_tanh(v); break;
    case 3: r = kv_gelu(v); break;
    case 5: r = kv_exp_weights(v); break;
    case 4: r = kv_gelu_tanh(v); break;
    default: r = v; break;
    }
    kv_store_partial(y + i, r, c);
  }
}
