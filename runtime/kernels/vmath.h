/*===- vmath.h - vector exp, erf, tanh and GELU ----------------------------===
 *
 * Branch-free approximations good to a few float ulps (tested against libm in
 * double, test/unit/KernelsTest.cpp: below 1e-6 relative):
 *   exp   Cody-Waite reduction by ln 2, degree-7 Taylor on |r| <= ln2/2
 *         (truncation 5.5e-9), scaled by 2^n built in the exponent bits;
 *         0 below ln(FLT_MIN) (no denormals; exp(-inf) of masked scores
 *         is exactly 0), +inf above ln(FLT_MAX).
 *   exp_weights  exp for softmax weights, whose arguments are at most a few
 *         units above 0: the same reduction, degree-6 Taylor (truncation
 *         1.2e-7), 2^n added to the exponent bits once; 0 below -87 and
 *         for -inf (masked scores); no overflow handling (x <= 88).
 *   erf   x P(x^2) / Q(x^2) on |x| <= 4 (erf(4) rounds to 1 in float), a
 *         rational fit minimising relative error (3.8e-7 in float).
 *   tanh  the same form on |x| <= 9 (4.1e-7).
 *   gelu, gelu_tanh  0.5 x + x R(x), R = 0.5 erf or 0.5 tanh of the scaled
 *         argument, the scales folded into the rationals' coefficients
 *         (within 1e-6 |x|).
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_VMATH_H
#define KILN_VMATH_H

#include "simd.h"

/* e^x = 2^n e^r with n = round(x / ln2), |r| <= ln2/2 (Cody-Waite: ln2 in
   two parts, the first exact); r^k/k! summed to k = `degree` (6 or 7). */
KILN_INLINE kv kv_exp_reduced(kv x, kv *n, const int degree) {
  *n = kv_floor(kv_fma(x, kv_splat(1.44269504088896341f), kv_splat(0.5f)));
  kv r = kv_fma(*n, kv_splat(-0.693359375f), x);
  r = kv_fma(*n, kv_splat(2.12194440e-4f), r);
  kv p = kv_splat(degree == 7 ? 1.0f / 5040.0f : 1.0f / 720.0f);
  if (degree == 7)
    p = kv_fma(p, r, kv_splat(1.0f / 720.0f));
  p = kv_fma(p, r, kv_splat(1.0f / 120.0f));
  p = kv_fma(p, r, kv_splat(1.0f / 24.0f));
  p = kv_fma(p, r, kv_splat(1.0f / 6.0f));
  p = kv_fma(p, r, kv_splat(0.5f));
  p = kv_fma(p, r, kv_splat(1.0f));
  return kv_fma(p, r, kv_splat(1.0f));
}

KILN_INLINE kv kv_exp(kv x) {
  const kv lo = kv_splat(-87.33654f), hi = kv_splat(88.72283f);
  kvi underflow = x < lo, overflow = x > hi;
  kv n, p = kv_exp_reduced(kv_min(kv_max(x, lo), hi), &n, 7);
  /* 2^n as 2^(n/2) 2^(n - n/2): n spans [-126, 128], past one exponent. */
  kvi ni = __builtin_convertvector(n, kvi), n1 = ni >> 1;
  kv y = p * (kv)((n1 + 127) << 23) * (kv)((ni - n1 + 127) << 23);
  y = kv_select(overflow, kv_splat(__builtin_inff()), y);
  return kv_select(underflow, kv_splat(0.0f), y);
}

KILN_INLINE kv kv_exp_weights(kv x) {
  const kv lo = kv_splat(-87.0f);
  kvi underflow = x < lo;
  kv n, p = kv_exp_reduced(kv_max(x, lo), &n, 6);
  /* p is in [0.7, 1.42] and n >= -125: the sum of exponents stays normal. */
  kv y = (kv)((kvi)p + (__builtin_convertvector(n, kvi) << 23));
  return kv_select(underflow, kv_splat(0.0f), y);
}

/* x P(x^2) / Q(x^2) with both polynomials of `n` coefficients. */
#define KILN_RATIONAL(x, z, P, Q, n)                                           \
  ({                                                                           \
    kv p_ = kv_splat(P[n - 1]), q_ = kv_splat(Q[n - 1]);                       \
    KILN_UNROLL                                                                \
    for (int i_ = n - 2; i_ >= 0; --i_) {                                      \
      p_ = kv_fma(p_, z, kv_splat(P[i_]));                                     \
      q_ = kv_fma(q_, z, kv_splat(Q[i_]));                                     \
    }                                                                          \
    (x) * p_ / q_;                                                             \
  })

/* erf's rational: the coefficients of z^0..z^5 (z = x^2) of P and Q, in
   double, so that the gelu below rescales them before rounding to float. */
#define KILN_ERF_P(F, S)                                                       \
  {F(1.128379107e+00, 0, S), F(1.916707158e-01, 1, S), F(5.285231769e-02, 2, S),  \
   F(3.803327912e-03, 3, S), F(2.828320721e-04, 4, S), F(2.001506573e-06, 5, S)}
#define KILN_ERF_Q(F, S)                                                       \
  {F(1.0, 0, S), F(5.031966567e-01, 1, S), F(1.145740226e-01, 2, S),              \
   F(1.504596323e-02, 3, S), F(1.166353817e-03, 4, S), F(3.748328891e-05, 5, S)}
/* Coefficient c of z^i as float: as it is, times s, or times s / 2^i (for
   the same polynomial evaluated at z / 2). */
#define KILN_COEF(c, i, s) ((float)(c))
#define KILN_COEF_TIMES(c, i, s) ((float)((c) * (s)))
#define KILN_COEF_HALVED(c, i, s) ((float)((c) * (s) / (1 << (i))))

KILN_INLINE kv kv_erf(kv x) {
  static const float P[6] = KILN_ERF_P(KILN_COEF, 1.0), Q[6] = KILN_ERF_Q(KILN_COEF, 1.0);
  x = kv_min(kv_max(x, kv_splat(-4.0f)), kv_splat(4.0f));
  kv z = x * x;
  return KILN_RATIONAL(x, z, P, Q, 6);
}

/* tanh's rational: the coefficients of z^0..z^4 (z = x^2) of P and Q. */
#define KILN_TANH_P(F, S)                                                      \
  {F(1.0, 0, S), F(1.338501722e-01, 1, S), F(3.500197316e-03, 2, S),             \
   F(2.067958667e-05, 3, S), F(1.344229794e-08, 4, S)}
#define KILN_TANH_Q(F, S)                                                      \
  {F(1.0, 0, S), F(4.671833813e-01, 1, S), F(2.589485981e-02, 2, S),             \
   F(3.292942711e-04, 3, S), F(7.814552418e-07, 4, S)}

KILN_INLINE kv kv_tanh(kv x) {
  static const float P[5] = KILN_TANH_P(KILN_COEF, 1.0), Q[5] = KILN_TANH_Q(KILN_COEF, 1.0);
  x = kv_min(kv_max(x, kv_splat(-9.0f)), kv_splat(9.0f));
  kv z = x * x;
  return KILN_RATIONAL(x, z, P, Q, 5);
}

/* 0.5 x (1 + erf(x / sqrt 2)), as PyTorch and ONNX compute it, written as
   0.5 x + x R(x) with R(x) = 0.5 erf(x / sqrt 2) = x P(x^2 / 2) / (2 sqrt 2
   Q(x^2 / 2)): erf's rational with the 1 / sqrt 2 and the halves folded
   into its coefficients (coefficient i of P times 2^-i / (2 sqrt 2), of Q
   times 2^-i). Two operations fewer per vector in the FFN's GEMM
   epilogue. Past the clamp (erf(4) is 1 in float) R is +-0.5 and the
   result exactly x or 0. */
KILN_INLINE kv kv_gelu(kv x) {
  static const float P[6] = KILN_ERF_P(KILN_COEF_HALVED, 0.35355339059327376),
                     Q[6] = KILN_ERF_Q(KILN_COEF_HALVED, 1.0);
  const kv edge = kv_splat(5.65685424949238f); /* 4 sqrt 2 */
  kv xc = kv_min(kv_max(x, -edge), edge);
  kv z = xc * xc;
  return kv_fma(x, KILN_RATIONAL(xc, z, P, Q, 6), kv_splat(0.5f) * x);
}

/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as 0.5 x + x R with
   R = 0.5 tanh(u), u = x (sqrt(2/pi) + sqrt(2/pi) 0.044715 x^2): the
   constants folded in double, the 0.5 into tanh's P. */
KILN_INLINE kv kv_gelu_tanh(kv x) {
  static const float P[5] = KILN_TANH_P(KILN_COEF_TIMES, 0.5);
  static const float Q[5] = KILN_TANH_Q(KILN_COEF, 1.0);
  const double c = 0.79788456080286536; /* sqrt(2/pi) */
  kv u = x * kv_fma(x * x, kv_splat((float)(c * 0.044715)), kv_splat((float)c));
  kv uc = kv_min(kv_max(u, kv_splat(-9.0f)), kv_splat(9.0f));
  kv z = uc * uc;
  return kv_fma(x, KILN_RATIONAL(uc, z, P, Q, 5), kv_splat(0.5f) * x);
}

KILN_INLINE kv kv_activate(kv x, int32_t activation) {
  switch (activation) {
  case KILN_ACT_RELU:
    return kv_max(x, kv_splat(0.0f));
  case KILN_ACT_GELU:
    return kv_gelu(x);
  case KILN_ACT_GELU_TANH:
    return kv_gelu_tanh(x);
  default:
    return x;
  }
}

#endif /* KILN_VMATH_H */
