//===- KernelsTest.cpp - the kernel library against naive references --------===//
//
// Every x86 variant of runtime/kernels the host can run (generic, AVX2,
// AVX-512), built natively with suffixed symbols, is checked against plain
// double-precision loops on odd shapes: sizes that are not multiples of the
// tiles (including 1 and 0), every B layout, epilogues, strided operands,
// broadcast batches, masks, causal offsets and grouped heads; single-threaded
// and split over a real thread pool.
//
//===----------------------------------------------------------------------===//
#include "passes/Kernels/WeightPacking.h"
#include "runtime/kernels/kiln_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#define KILN_DECLARE_VARIANT(sfx)                                                          \
  extern "C" {                                                                             \
  void kiln_k_gemm_f32_##sfx(const kiln_exec *, const kiln_gemm_args *);                   \
  void kiln_k_pack_b_f32_##sfx(int64_t, int64_t, const float *, int64_t, int32_t, float *); \
  void kiln_k_attention_f32_##sfx(const kiln_exec *, const kiln_attention_args *);         \
  void kiln_k_norm_f32_##sfx(const kiln_exec *, const kiln_norm_args *);                   \
  void kiln_k_softmax_f32_##sfx(const kiln_exec *, const kiln_softmax_args *);             \
  void kiln_k_vmath_f32_##sfx(int32_t, int64_t, const float *, float *);                   \
  }
KILN_DECLARE_VARIANT(generic)
KILN_DECLARE_VARIANT(avx2)
KILN_DECLARE_VARIANT(avx512)

namespace {

struct Variant {
  const char *name;
  int64_t nr;
  bool (*runs)();
  decltype(&kiln_k_gemm_f32_generic) gemm;
  decltype(&kiln_k_pack_b_f32_generic) pack;
  decltype(&kiln_k_attention_f32_generic) attention;
  decltype(&kiln_k_norm_f32_generic) norm;
  decltype(&kiln_k_softmax_f32_generic) softmax;
  decltype(&kiln_k_vmath_f32_generic) vmath;
};

#define KILN_VARIANT(sfx, NR, check)                                                       \
  Variant {                                                                                \
    #sfx, NR, check, kiln_k_gemm_f32_##sfx, kiln_k_pack_b_f32_##sfx,                      \
        kiln_k_attention_f32_##sfx, kiln_k_norm_f32_##sfx, kiln_k_softmax_f32_##sfx,      \
        kiln_k_vmath_f32_##sfx                                                             \
  }

const Variant kVariants[] = {
    KILN_VARIANT(generic, KILN_GEMM_NR_GENERIC, [] { return true; }),
    KILN_VARIANT(avx2, KILN_GEMM_NR_AVX2,
                 [] { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }),
    KILN_VARIANT(avx512, KILN_GEMM_NR_AVX512,
                 [] { return (bool)__builtin_cpu_supports("avx512f"); }),
};

/// A parallel_for over real threads: each call splits [0, count) into
/// interleaved single-index tasks over 3 threads, for work of any size.
void threadedFor(void *, kiln_task_fn fn, void *arg, int64_t count) {
  std::vector<std::thread> ts;
  for (int t = 0; t < 3; ++t)
    ts.emplace_back([=] {
      for (int64_t i = t; i < count; i += 3)
        fn(arg, i, i + 1);
    });
  for (auto &t : ts)
    t.join();
}
const kiln_exec kThreaded = {threadedFor, nullptr, 3, -1, nullptr, nullptr, 0};

std::vector<float> randomVector(size_t n, std::mt19937 &rng, float lo = -1, float hi = 1) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}

class Kernels : public ::testing::TestWithParam<Variant> {
protected:
  void SetUp() override {
    if (!GetParam().runs())
      GTEST_SKIP() << "this CPU cannot run the " << GetParam().name << " kernels";
  }
};

double geluRef(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double geluTanhRef(double x) {
  return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

TEST_P(Kernels, VectorMathIsAccurateToOneMillionth) {
  const Variant &v = GetParam();
  struct Case {
    int32_t f;
    double lo, hi;
    std::function<double(double)> ref;
  } cases[] = {
      {0, -87.0, 88.7, [](double x) { return std::exp(x); }},
      {1, -6.0, 6.0, [](double x) { return std::erf(x); }},
      {2, -12.0, 12.0, [](double x) { return std::tanh(x); }},
      // Softmax weights: arguments from the masked-out tail to a row
      // maximum RESCALE_SLACK above the one subtracted, and past it.
      {5, -87.0, 88.0, [](double x) { return std::exp(x); }},
  };
  for (const Case &c : cases) {
    std::vector<float> x, y;
    for (int i = 0; i <= 200000; ++i)
      x.push_back((float)(c.lo + (c.hi - c.lo) * i / 200000.0));
    x.push_back(1e-6f), x.push_back(-3e-5f);
    y.resize(x.size());
    v.vmath(c.f, (int64_t)x.size(), x.data(), y.data());
    double worst = 0, at = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      double want = c.ref(x[i]);
      if (want != 0 && std::fabs(y[i] - want) / std::fabs(want) > worst)
        worst = std::fabs(y[i] - want) / std::fabs(want), at = x[i];
    }
    EXPECT_LT(worst, 1e-6) << "function " << c.f << " at " << at;
  }
  // GELU: within 1e-6 of |x| (the erf/tanh error scaled by 0.5 x).
  for (int32_t f : {3, 4}) {
    std::vector<float> x, y;
    for (int i = 0; i <= 100000; ++i)
      x.push_back((float)(-10.0 + 20.0 * i / 100000.0));
    y.resize(x.size());
    v.vmath(f, (int64_t)x.size(), x.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      double want = f == 3 ? geluRef(x[i]) : geluTanhRef(x[i]);
      ASSERT_NEAR(y[i], want, 1e-6 * std::max(1.0, std::fabs((double)x[i])))
          << "gelu " << f << " at " << x[i];
    }
  }
  // Edges: exp of -inf is 0 (masked scores), exp overflows to inf.
  float edge[] = {-INFINITY, -1000.0f, 89.0f, 0.0f}, out[4];
  v.vmath(0, 4, edge, out);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_TRUE(std::isinf(out[2]) && out[2] > 0);
  EXPECT_EQ(out[3], 1.0f);
  // The weights' exp: masked scores and the far tail weigh exactly 0.
  float wedge[] = {-INFINITY, -87.5f, -1000.0f, 0.0f}, wout[4];
  v.vmath(5, 4, wedge, wout);
  EXPECT_EQ(wout[0], 0.0f);
  EXPECT_EQ(wout[1], 0.0f);
  EXPECT_EQ(wout[2], 0.0f);
  EXPECT_EQ(wout[3], 1.0f);
}

struct GemmCase {
  int64_t batch, m, n, k;
  int32_t layout; // kiln_b_layout
  bool bias, residual, broadcastB;
  int32_t act;
  int64_t pad;        // extra row stride on A, C and R
  int64_t kSplit = 0; // kiln_gemm_args.k_split
  int32_t norm = 0;   // epilogue: 0 none, 1 LayerNorm, 2 RMSNorm, 3 LayerNorm without beta
  bool streamC = false; // kiln_gemm_args.stream_c
};

float *alignTo64(float *p) {
  return reinterpret_cast<float *>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

void runGemm(const Variant &v, const GemmCase &g, const kiln_exec *ex, std::mt19937 &rng) {
  int64_t lda = g.k + g.pad, ldc = g.n + g.pad, ldr = g.n + g.pad;
  bool tb = g.layout == KILN_B_TRANSPOSED;
  int64_t bRows = tb ? g.n : g.k, bCols = tb ? g.k : g.n, ldb = bCols + g.pad;
  int64_t bBatches = g.broadcastB ? 1 : g.batch;
  auto a = randomVector(g.batch * g.m * lda + 1, rng);
  auto b = randomVector(bBatches * bRows * ldb + 1, rng);
  auto bias = randomVector(g.n, rng), r = randomVector(g.batch * g.m * ldr + 1, rng);
  // C starts 64-byte aligned, as kilnc's buffers do: large outputs with
  // aligned rows are written with streaming stores.
  std::vector<float> cStore(g.batch * g.m * ldc + 1 + 16, NAN);
  float *c = alignTo64(cStore.data());
  std::vector<float> packed;
  const float *bp = b.data();
  int64_t bBatch = g.broadcastB ? 0 : bRows * ldb;
  if (g.layout == KILN_B_PACKED) {
    // Packed B is [ceil(N/NR), K, NR] for one batch (weights are 2-D).
    ASSERT_TRUE(g.broadcastB);
    packed.resize(((g.n + v.nr - 1) / v.nr) * v.nr * g.k + 1);
    std::vector<float> dense(g.k * g.n);
    for (int64_t kk = 0; kk < g.k; ++kk)
      for (int64_t j = 0; j < g.n; ++j)
        dense[kk * g.n + j] = b[kk * ldb + j];
    v.pack(g.n, g.k, dense.data(), g.n, 0, packed.data());
    bp = packed.data();
    bBatch = 0;
  }
  // The norm epilogue writes y, its rows a stride of their own apart.
  int64_t ldy = g.n + 2 * g.pad + 1;
  auto gamma = randomVector(g.n, rng), beta = randomVector(g.n, rng);
  std::vector<float> y(g.norm ? g.batch * g.m * ldy : 0, NAN);
  kiln_gemm_args args = {g.batch, g.m, g.n, g.k, a.data(), g.m * lda, lda, bp, bBatch, ldb,
                         g.bias ? bias.data() : nullptr, g.residual ? r.data() : nullptr,
                         g.m * ldr, ldr, c, g.m * ldc, ldc, g.layout, g.act, g.kSplit,
                         nullptr, nullptr, nullptr, 0, 0, 0.0f, 0, g.streamC};
  if (g.norm) {
    args.norm_gamma = gamma.data();
    args.norm_beta = g.norm == 1 ? beta.data() : nullptr;
    args.y = y.data();
    args.y_batch = g.m * ldy;
    args.ldy = ldy;
    args.norm_epsilon = 1e-5f;
    args.norm_rms = g.norm == 2;
  }
  v.gemm(ex, &args);
  for (int64_t bt = 0; bt < g.batch; ++bt)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        double s = 0, mag = 0;
        const float *bb = b.data() + (g.broadcastB ? 0 : bt * bRows * ldb);
        for (int64_t kk = 0; kk < g.k; ++kk) {
          double x = a[bt * g.m * lda + i * lda + kk];
          double y = tb ? bb[j * ldb + kk] : bb[kk * ldb + j];
          s += x * y;
          mag += std::fabs(x * y);
        }
        if (g.bias)
          s += bias[j];
        if (g.act == KILN_ACT_RELU)
          s = std::max(s, 0.0);
        else if (g.act == KILN_ACT_GELU)
          s = geluRef(s);
        else if (g.act == KILN_ACT_GELU_TANH)
          s = geluTanhRef(s);
        if (g.residual)
          s += r[bt * g.m * ldr + i * ldr + j];
        double got = c[bt * g.m * ldc + i * ldc + j];
        ASSERT_NEAR(got, s, 1e-5 * (mag + 2) + 1e-6)
            << "batch " << bt << " row " << i << " col " << j << " of " << g.m << "x" << g.n
            << "x" << g.k << " layout " << g.layout;
      }
  // Padding between rows is never written.
  if (g.pad)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = g.n; j < ldc; ++j)
        ASSERT_TRUE(std::isnan(c[i * ldc + j])) << "wrote past the row end";
  if (!g.norm)
    return;
  // y is the norm of C's rows: near a double-precision norm of them, and
  // bit for bit what the norm kernel makes of them.
  std::vector<float> yNorm(g.batch * g.m * ldy, NAN);
  for (int64_t bt = 0; bt < g.batch; ++bt) {
    kiln_norm_args na = {g.m, g.n, c + bt * g.m * ldc, ldc, nullptr, 0,
                         args.norm_gamma, args.norm_beta, yNorm.data() + bt * g.m * ldy, ldy,
                         nullptr, 0, args.norm_epsilon, args.norm_rms};
    v.norm(nullptr, &na);
  }
  for (int64_t bt = 0; bt < g.batch; ++bt)
    for (int64_t i = 0; i < g.m; ++i) {
      const float *row = c + bt * g.m * ldc + i * ldc;
      double mean = 0, var = 0;
      for (int64_t j = 0; j < g.n; ++j)
        mean += (double)row[j] / g.n;
      if (g.norm == 2)
        mean = 0;
      for (int64_t j = 0; j < g.n; ++j)
        var += (row[j] - mean) * (row[j] - mean) / g.n;
      for (int64_t j = 0; j < g.n; ++j) {
        int64_t at = bt * g.m * ldy + i * ldy + j;
        double want = (row[j] - mean) / std::sqrt(var + 1e-5) * gamma[j] +
                      (g.norm == 1 ? beta[j] : 0);
        ASSERT_NEAR(y[at], want, 2e-5 * (1 + std::fabs(want)))
            << "norm " << g.norm << ", batch " << bt << " row " << i << " col " << j << " of "
            << g.m << "x" << g.n << "x" << g.k;
        ASSERT_EQ(y[at], yNorm[at]) << "differs from the norm kernel at batch " << bt << " row "
                                    << i << " col " << j;
      }
    }
  // Nothing between y's rows is written.
  for (int64_t bt = 0; bt < g.batch; ++bt)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = g.n; j < ldy; ++j)
        ASSERT_TRUE(std::isnan(y[bt * g.m * ldy + i * ldy + j])) << "wrote past y's row end";
  // In place (y is C): the same bits, over C.
  std::vector<float> c2(cStore.size(), NAN);
  args.c = args.y = c2.data();
  args.y_batch = args.c_batch;
  args.ldy = args.ldc;
  v.gemm(ex, &args);
  for (int64_t bt = 0; bt < g.batch; ++bt)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < ldc; ++j) {
        float got = c2[bt * g.m * ldc + i * ldc + j];
        if (j >= g.n)
          ASSERT_TRUE(std::isnan(got)) << "in place: wrote past the row end";
        else
          ASSERT_EQ(got, y[bt * g.m * ldy + i * ldy + j])
              << "in place, batch " << bt << " row " << i << " col " << j;
      }
}

TEST_P(Kernels, GemmMatchesNaiveOnOddShapes) {
  std::mt19937 rng(1);
  const int64_t ms[] = {1, 2, 5, 7, 8, 9, 17, 33};
  const int64_t ns[] = {1, 7, 16, 17, 47, 48, 49, 97};
  const int64_t ks[] = {1, 2, 17, 256, 257, 800};
  int i = 0;
  for (int64_t m : ms)
    for (int64_t n : ns)
      for (int64_t k : ks) {
        int32_t layout = i % 3;
        GemmCase g{1, m, n, k, layout, i % 2 == 0, i % 5 == 0, true, (i / 3) % 4, 0};
        runGemm(GetParam(), g, nullptr, rng);
        if (HasFatalFailure())
          return;
        ++i;
      }
}

TEST_P(Kernels, GemmEpiloguesBatchesAndStrides) {
  std::mt19937 rng(2);
  for (int32_t layout : {KILN_B_PACKED, KILN_B_ROW_MAJOR, KILN_B_TRANSPOSED})
    for (int32_t act : {KILN_ACT_NONE, KILN_ACT_RELU, KILN_ACT_GELU, KILN_ACT_GELU_TANH}) {
      bool packed = layout == KILN_B_PACKED;
      runGemm(GetParam(), {3, 13, 50, 70, layout, true, true, packed, act, 5}, nullptr, rng);
      runGemm(GetParam(), {2, 1, 3, 4, layout, act % 2 == 0, true, true, act, 0}, nullptr, rng);
      if (HasFatalFailure())
        return;
    }
  // K = 0: only the epilogue of zeros.
  runGemm(GetParam(), {1, 3, 5, 0, KILN_B_ROW_MAJOR, true, true, true, KILN_ACT_GELU, 0},
          nullptr, rng);
}

TEST_P(Kernels, GemmOnThreadsMatchesOneThread) {
  std::mt19937 rng(3);
  const int64_t nr = GetParam().nr;
  for (int32_t layout : {KILN_B_PACKED, KILN_B_ROW_MAJOR})
    for (GemmCase g : {GemmCase{1, 128, 200, 96, layout, true, true, true, KILN_ACT_GELU, 0},
                       // Panels enough to split over whole panels only (14
                       // over 3 threads), the last one ragged.
                       GemmCase{1, 21, 13 * nr + 7, 50, layout, true, true, true, 0, 0},
                       GemmCase{4, 3, 9, 30, layout, false, false, layout == KILN_B_PACKED, 0, 2},
                       GemmCase{1, 1, 1000, 64, layout, true, false, true, 0, 0},
                       // Several K blocks, more rows than threads x tiles.
                       GemmCase{1, 75, 60, 3600, layout, true, true, true, KILN_ACT_GELU, 0},
                       GemmCase{1, 130, 33, 6000, layout, true, false, true, 0, 0}}) {
      runGemm(GetParam(), g, &kThreaded, rng);
      if (HasFatalFailure())
        return;
    }
}

/// A two-thread exec at the default split threshold that runs each job on
/// the calling thread and counts the jobs.
int gJobs = 0;
void countingFor(void *, kiln_task_fn fn, void *arg, int64_t count) {
  ++gJobs;
  fn(arg, 0, count);
}
const kiln_exec kCounting = {countingFor, nullptr, 2, 0, nullptr, nullptr, 0};

TEST_P(Kernels, GemmStreamsLargeOutputs) {
  std::mt19937 rng(10);
  // Outputs of a MiB and more marked stream_c: rows 64-byte aligned
  // (written with streaming stores, the ragged last panel with ordinary
  // ones) and not aligned (all ordinary), on one thread and on three.
  for (int32_t layout : {KILN_B_PACKED, KILN_B_ROW_MAJOR})
    for (int64_t pad : {0, 1}) {
      GemmCase g{1, 40, 7024, 33, layout, true, true, true, KILN_ACT_GELU, pad};
      g.streamC = true;
      runGemm(GetParam(), g, nullptr, rng);
      runGemm(GetParam(), g, &kThreaded, rng);
      if (HasFatalFailure())
        return;
    }
}

TEST_P(Kernels, GemmSplitsWhenStreamingItsWeightsTakesLonger) {
  std::mt19937 rng(8);
  struct {
    GemmCase g;
    bool splits;
  } cases[] = {
      // 1.2 MFLOP, but 2.3 MB of weights to stream: a decoder step's GEMV.
      {{1, 1, 768, 768, KILN_B_PACKED, true, false, true, 0, 0}, true},
      // The same flops over an activation (not weights), and tiny weights.
      {{1, 1, 768, 768, KILN_B_ROW_MAJOR, true, false, true, 0, 0}, false},
      {{1, 1, 64, 64, KILN_B_PACKED, true, false, true, 0, 0}, false},
      {{1, 128, 64, 64, KILN_B_PACKED, true, false, true, 0, 0}, false},
      // Enough flops on their own.
      {{1, 128, 256, 256, KILN_B_ROW_MAJOR, true, false, true, 0, 0}, true},
  };
  for (const auto &c : cases) {
    gJobs = 0;
    runGemm(GetParam(), c.g, &kCounting, rng);
    if (HasFatalFailure())
      return;
    EXPECT_EQ(gJobs > 0, c.splits) << c.g.m << "x" << c.g.n << "x" << c.g.k << " layout "
                                   << c.g.layout;
  }
}

/// kThreaded with room for `slices` - 1 partial products of `plane` floats.
struct ScratchExec {
  std::vector<float> room;
  kiln_exec ex;
  ScratchExec(int64_t slices, int64_t plane)
      : room((size_t)std::max<int64_t>((slices - 1) * plane, 1), NAN), ex(kThreaded) {
    ex.scratch = room.data();
    ex.scratch_bytes = (uint64_t)((slices - 1) * plane) * sizeof(float);
  }
};

TEST_P(Kernels, GemmSplitOverKMatchesNaive) {
  std::mt19937 rng(5);
  const int64_t nr = GetParam().nr;
  for (int32_t layout : {KILN_B_PACKED, KILN_B_ROW_MAJOR}) {
    bool packed = layout == KILN_B_PACKED;
    for (GemmCase g : {
             // Chunks of the producer's panel width; K not a multiple of it.
             GemmCase{1, 37, 50, 7 * nr + 5, layout, true, true, true, KILN_ACT_GELU, 0, nr},
             // Fewer chunks than threads: two slices.
             GemmCase{1, 9, 20, 2 * nr, layout, true, false, true, KILN_ACT_RELU, 3, nr},
             // One row, one column; chunks of one column.
             GemmCase{1, 1, 1, 300, layout, false, true, true, 0, 0, 1},
             GemmCase{1, 5, 1, 11, layout, true, false, true, KILN_ACT_GELU_TANH, 0, 1},
             // Batches, strides, long slices (several K blocks each).
             GemmCase{3, 13, 70, 5000, layout, true, true, packed, KILN_ACT_GELU, 4, 64},
             // One chunk: nothing to split.
             GemmCase{1, 8, 16, 40, layout, true, true, true, 0, 0, 64},
         }) {
      int64_t plane = g.batch * g.m * g.n;
      // Room for every thread's slice, for two slices only, and for none.
      for (int64_t slices : {3, 2, 1}) {
        ScratchExec s(slices, plane);
        runGemm(GetParam(), g, &s.ex, rng);
        if (HasFatalFailure())
          return;
      }
    }
  }
}

TEST_P(Kernels, GemmNormEpilogueNormalisesTheResultRows) {
  std::mt19937 rng(9);
  const int64_t nr = GetParam().nr;
  for (int32_t norm : {1, 2, 3})
    for (int32_t layout : {KILN_B_PACKED, KILN_B_ROW_MAJOR}) {
      bool packed = layout == KILN_B_PACKED;
      // BERT's FFN-out shape scaled down, odd widths (vector tails), batches
      // with strides, one row, and K = 0 (the norm of bias + residual).
      const GemmCase cases[] = {
          {1, 37, 96, 3 * nr + 5, layout, true, true, true, 0, 0, nr, norm},
          {1, 9, 50, 70, layout, true, false, true, KILN_ACT_GELU, 3, 0, norm},
          {3, 13, 7, 40, layout, false, true, packed, 0, 4, 16, norm},
          {1, 1, 33, 300, layout, true, true, true, 0, 0, 1, norm},
          {1, 3, 17, 0, KILN_B_ROW_MAJOR, true, true, true, 0, 0, 0, norm},
      };
      for (const GemmCase &g : cases) {
        int64_t plane = g.batch * g.m * g.n;
        // One thread; threads without scratch (a pass of its own); threads
        // splitting K (in the summing pass), over three and two slices.
        runGemm(GetParam(), g, nullptr, rng);
        runGemm(GetParam(), g, &kThreaded, rng);
        for (int64_t slices : {3, 2}) {
          ScratchExec s(slices, plane);
          runGemm(GetParam(), g, &s.ex, rng);
        }
        if (HasFatalFailure())
          return;
      }
    }
}

TEST_P(Kernels, CompileTimePackingMatchesTheKernels) {
  std::mt19937 rng(4);
  const Variant &v = GetParam();
  for (bool transposed : {false, true})
    for (auto [k, n] : {std::pair<int64_t, int64_t>{5, 7}, {64, 96}, {33, 100}}) {
      auto w = randomVector(k * n, rng);
      size_t size = ((n + v.nr - 1) / v.nr) * v.nr * k;
      std::vector<float> a(size, -1), b(size, -2);
      kiln::packPanels(w.data(), k, n, transposed, v.nr, a.data());
      v.pack(n, k, w.data(), transposed ? k : n, transposed, b.data());
      EXPECT_EQ(a, b) << k << "x" << n << (transposed ? " transposed" : "");
    }
}

struct AttnCase {
  int64_t batch, hq, hkv, s, t, d, dv;
  // 0 none, 1 additive [B,1,S,T], 2 bool [1,1,1,T], 3 additive [1,1,1,T] with
  // -inf rows, 4 additive [1,1,1,T] that lifts the later keys' scores by 40
  int mask;
  bool causal;
  float softcap;
  bool seqMajor;  // q and o stored [B, S, H, D]
  int64_t offset; // causal: past keys before the first query
};

void runAttention(const Variant &v, const AttnCase &c, const kiln_exec *ex, std::mt19937 &rng) {
  auto q = randomVector(c.batch * c.hq * c.s * c.d, rng);
  auto k = randomVector(c.batch * c.hkv * c.t * c.d, rng);
  auto vv = randomVector(c.batch * c.hkv * c.t * c.dv, rng);
  std::vector<float> o(c.batch * c.hq * c.s * c.dv, NAN);
  std::vector<float> fmask;
  std::vector<unsigned char> bmask;
  kiln_attention_args a = {};
  a.batch = c.batch, a.q_heads = c.hq, a.kv_heads = c.hkv, a.s = c.s, a.t = c.t, a.d = c.d,
  a.dv = c.dv;
  // [B, H, S, D] strides, or [B, S, H, D] for q and o.
  auto strides = [&](int64_t h, int64_t s, int64_t d, bool seq, int64_t *out) {
    out[0] = h * s * d;
    out[1] = seq ? d : s * d;
    out[2] = seq ? h * d : d;
  };
  a.q = q.data(), a.k = k.data(), a.v = vv.data(), a.o = o.data();
  strides(c.hq, c.s, c.d, c.seqMajor, a.q_stride);
  strides(c.hkv, c.t, c.d, false, a.k_stride);
  strides(c.hkv, c.t, c.dv, false, a.v_stride);
  strides(c.hq, c.s, c.dv, c.seqMajor, a.o_stride);
  if (c.mask == 1) {
    fmask = randomVector(c.batch * c.s * c.t, rng, -3, 0);
    a.mask = fmask.data(), a.mask_kind = 1;
    int64_t ms[4] = {c.s * c.t, 0, c.t, 1};
    std::copy(ms, ms + 4, a.mask_stride);
  } else if (c.mask == 2) {
    for (int64_t j = 0; j < c.t; ++j)
      bmask.push_back(j % 3 != 1);
    a.mask = bmask.data(), a.mask_kind = 2;
    a.mask_stride[3] = 1;
  } else if (c.mask == 3) {
    // Padding: keys past t/2 hidden with -inf; with causal, early rows see none.
    for (int64_t j = 0; j < c.t; ++j)
      fmask.push_back(j < c.t / 2 ? 0.0f : -INFINITY);
    a.mask = fmask.data(), a.mask_kind = 1;
    a.mask_stride[3] = 1;
  } else if (c.mask == 4) {
    // Each row's maximum rises far past the first key block's: the online
    // softmax must rescale what it summed.
    for (int64_t j = 0; j < c.t; ++j)
      fmask.push_back(j < c.t / 3 ? -40.0f : 0.0f);
    a.mask = fmask.data(), a.mask_kind = 1;
    a.mask_stride[3] = 1;
  }
  a.causal = c.causal, a.scale = 1.0f / std::sqrt((float)c.d), a.softcap = c.softcap;
  a.causal_offset = c.offset;
  v.attention(ex, &a);
  int64_t group = c.hq / c.hkv, offset = c.offset;
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.hq; ++h)
      for (int64_t i = 0; i < c.s; ++i) {
        std::vector<double> sc(c.t);
        double mx = -INFINITY;
        for (int64_t j = 0; j < c.t; ++j) {
          double s = 0;
          for (int64_t x = 0; x < c.d; ++x)
            s += (double)q[b * a.q_stride[0] + h * a.q_stride[1] + i * a.q_stride[2] + x] *
                 k[b * a.k_stride[0] + (h / group) * a.k_stride[1] + j * a.k_stride[2] + x];
          s *= a.scale;
          if (c.softcap > 0)
            s = c.softcap * std::tanh(s / c.softcap);
          if (c.mask == 1)
            s += fmask[b * c.s * c.t + i * c.t + j];
          else if (c.mask == 2 && !bmask[j])
            s = -INFINITY;
          else if (c.mask == 3 || c.mask == 4)
            s += fmask[j];
          if (c.causal && j > i + offset)
            s = -INFINITY;
          sc[j] = s;
          mx = std::max(mx, s);
        }
        double sum = 0;
        for (double &s : sc)
          sum += (s = mx == -INFINITY ? 0 : std::exp(s - mx));
        for (int64_t e = 0; e < c.dv; ++e) {
          double want = 0;
          for (int64_t j = 0; j < c.t; ++j)
            want += sc[j] * vv[b * a.v_stride[0] + (h / group) * a.v_stride[1] +
                               j * a.v_stride[2] + e];
          want = sum > 0 ? want / sum : 0;
          double got = o[b * a.o_stride[0] + h * a.o_stride[1] + i * a.o_stride[2] + e];
          ASSERT_NEAR(got, want, 2e-6)
              << "b" << b << " h" << h << " q" << i << " e" << e << " s=" << c.s
              << " t=" << c.t << " d=" << c.d << " mask " << c.mask;
        }
      }
}

TEST_P(Kernels, AttentionMatchesNaiveSoftmax) {
  std::mt19937 rng(5);
  const AttnCase cases[] = {
      {1, 2, 2, 1, 1, 8, 8, 0, false, 0, false, 0},
      {2, 4, 2, 5, 5, 8, 8, 1, false, 0, false, 0},
      {1, 4, 1, 33, 65, 64, 64, 2, true, 0, true, 32}, // GQA 4:1, causal after 32 past keys
      {1, 2, 2, 70, 70, 72, 40, 0, true, 0, false, 0},
      {2, 3, 3, 4, 6, 24, 24, 0, true, 0, false, 0},   // causal from the top-left: T > S
      {2, 2, 1, 7, 130, 16, 24, 3, false, 30.0f, true, 0},
      {1, 3, 3, 40, 40, 8, 8, 3, true, 0, false, 0},  // rows with no visible key give 0
      {1, 1, 1, 128, 128, 64, 64, 1, false, 0, true, 0},
      // Head sizes in whole vectors: short key ranges take the direct path,
      // long ones (and wide heads) the online softmax.
      {1, 2, 2, 40, 40, 16, 16, 3, true, 0, false, 0},
      {2, 2, 2, 9, 100, 32, 32, 2, false, 0, false, 0},
      {1, 2, 1, 13, 77, 48, 64, 0, false, 20.0f, true, 0},
      {1, 2, 1, 20, 600, 64, 64, 1, true, 0, false, 580},
      {1, 1, 1, 5, 300, 256, 128, 0, false, 0, false, 0},
      {1, 2, 2, 3, 5, 16, 16, 0, true, 0, false, -4}, // causal offset hides every key
      {1, 2, 2, 70, 300, 64, 64, 4, false, 0, false, 0}, // online, maxima rise by 40
      {1, 2, 2, 70, 200, 64, 64, 4, true, 0, false, 130}, // direct, causal, the same mask
      {1, 2, 2, 128, 128, 64, 64, 0, true, 0, true, 0},   // GPT-2's: causal diagonal blocks
      // Narrow last key blocks: whole vectors (nothing cut), whole vectors
      // under causality, and a per-query mask that ends mid-vector at the
      // end of its buffer.
      {1, 2, 2, 17, 80, 32, 32, 1, false, 0, false, 0},
      {1, 2, 2, 17, 96, 32, 32, 1, true, 0, false, 10},
      {1, 3, 3, 13, 71, 64, 64, 1, false, 0, true, 0},
      {1, 2, 2, 132, 132, 64, 64, 3, false, 0, true, 0}, // two even query tasks per head
  };
  for (const AttnCase &c : cases) {
    runAttention(GetParam(), c, nullptr, rng);
    if (HasFatalFailure())
      return;
    runAttention(GetParam(), c, &kThreaded, rng);
    if (HasFatalFailure())
      return;
  }
}

TEST_P(Kernels, NormsMatchReference) {
  std::mt19937 rng(6);
  const Variant &v = GetParam();
  // On kThreaded (3 threads, every kernel split) rows go out in shares of
  // whole 8-row tasks: more tasks than threads (45 rows), as many (17), and
  // fewer (9, 11). The wide rows would split at the default bound too.
  for (auto [rows, cols] : std::initializer_list<std::pair<int64_t, int64_t>>{
           {11, 1}, {11, 7}, {11, 16}, {11, 33}, {11, 83}, {45, 768}, {17, 2048}, {9, 4096}})
    for (int variant = 0; variant < 6; ++variant) {
      bool rms = variant & 1, skip = variant >= 2, beta = !rms && variant != 4,
           keepSum = variant == 3 || variant == 5;
      int64_t ld = cols + 3;
      auto x = randomVector(rows * ld, rng, -2, 3), s = randomVector(rows * ld, rng);
      auto gamma = randomVector(cols, rng), b = randomVector(cols, rng);
      std::vector<float> y(rows * ld, NAN), sum(rows * ld, NAN);
      kiln_norm_args a = {rows, cols, x.data(), ld, skip ? s.data() : nullptr, ld,
                          gamma.data(), beta ? b.data() : nullptr, y.data(), ld,
                          keepSum ? sum.data() : nullptr, ld, 1e-5f, rms};
      v.norm(variant % 2 ? &kThreaded : nullptr, &a);
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<double> row(cols);
        double mean = 0, var = 0;
        for (int64_t j = 0; j < cols; ++j) {
          row[j] = (double)x[r * ld + j] + (skip ? s[r * ld + j] : 0);
          mean += row[j] / cols;
        }
        if (rms)
          mean = 0;
        for (double e : row)
          var += (e - mean) * (e - mean) / cols;
        for (int64_t j = 0; j < cols; ++j) {
          double want = (row[j] - mean) / std::sqrt(var + 1e-5) * gamma[j] + (beta ? b[j] : 0);
          ASSERT_NEAR(y[r * ld + j], want, 2e-5) << "cols " << cols << " variant " << variant;
          if (keepSum)
            ASSERT_NEAR(sum[r * ld + j], row[j], 1e-6);
        }
      }
    }
}

TEST_P(Kernels, SoftmaxMatchesReference) {
  std::mt19937 rng(7);
  const Variant &v = GetParam();
  for (int64_t cols : {1, 5, 16, 100})
    for (int log = 0; log < 2; ++log) {
      int64_t rows = 6;
      auto x = randomVector(rows * cols, rng, -20, 20);
      x[cols] = -INFINITY; // a hidden entry in row 1
      for (int64_t j = 0; j < cols; ++j)
        x[2 * cols + j] = -INFINITY; // row 2 entirely -inf: NaN, as exp(-inf + inf)
      std::vector<float> y(rows * cols);
      kiln_softmax_args a = {rows, cols, x.data(), cols, y.data(), cols, log, 0};
      v.softmax(&kThreaded, &a);
      for (int64_t r = 0; r < rows; ++r) {
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < cols; ++j)
          mx = std::max(mx, (double)x[r * cols + j]);
        for (int64_t j = 0; j < cols; ++j)
          sum += std::exp(x[r * cols + j] - mx);
        for (int64_t j = 0; j < cols; ++j) {
          float got = y[r * cols + j];
          if (mx == -INFINITY) {
            EXPECT_TRUE(std::isnan(got)) << "row " << r << " is all -inf";
            continue;
          }
          double want = log ? x[r * cols + j] - mx - std::log(sum)
                            : std::exp(x[r * cols + j] - mx) / sum;
          if (std::isinf(want))
            EXPECT_TRUE(std::isinf(got) && got < 0);
          else
            ASSERT_NEAR(got, want, 2e-6 * std::max(1.0, std::fabs(want)));
        }
      }
    }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, Kernels, ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<Variant> &i) {
                           return std::string(i.param.name);
                         });

} // namespace
