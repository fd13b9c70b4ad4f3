//===- ContextTest.cpp - what a context hands the model's kernels ----------===//
//
// A stand-in model whose entry records the kiln_exec it is given: the
// kernel scratch a context allocates follows the model's per-thread need
// and the thread count, including after the caller swaps in its own pool;
// a profiled run counts the jobs and waits of the context's own pool.
//
//===----------------------------------------------------------------------===//
#include "kiln_rt.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace {

kiln_exec seen;

void recordExec(void *const *buffers) {
  // No inputs or outputs: weights, arena, then the exec.
  const auto *ex = static_cast<const kiln_exec *>(buffers[2]);
  seen = *ex;
  // The kernels may write all of it.
  if (ex->scratch)
    std::memset(ex->scratch, 0x5a, ex->scratch_bytes);
}

kiln_model stubModel(uint64_t scratchPerThread) {
  kiln_model m{};
  m.abi_version = KILN_ABI_VERSION;
  m.name = "stub";
  m.entry = recordExec;
  m.scratch_per_thread = scratchPerThread;
  return m;
}

void inlineFor(void *, kiln_task_fn fn, void *arg, int64_t count) { fn(arg, 0, count); }

/// A context of `m` on `threads` threads of its own, or null (reported).
kiln_context *createOnThreads(const kiln_model &m, int32_t threads) {
  kiln_options o{};
  o.num_threads = threads;
  kiln_context *ctx = nullptr;
  kiln_error err;
  EXPECT_EQ(kiln_context_create(&m, &o, &ctx, &err), KILN_OK) << err.message;
  return ctx;
}

/// Runs `ctx` once and returns the exec its model saw.
kiln_exec runOnce(kiln_context *ctx) {
  seen = {};
  EXPECT_EQ(kiln_run(ctx, nullptr, 0, nullptr, 0), KILN_OK) << kiln_context_error(ctx);
  return seen;
}

TEST(Context, ScratchCoversEveryThreadBeyondTheFirst) {
  kiln_model m = stubModel(1000);
  kiln_context *ctx = createOnThreads(m, 3);
  ASSERT_NE(ctx, nullptr);
  kiln_exec ex = runOnce(ctx);
  EXPECT_EQ(ex.num_threads, 3);
  EXPECT_EQ(ex.scratch_bytes, 2000u);
  ASSERT_NE(ex.scratch, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(ex.scratch) % 64, 0u);

  // The caller's pool of 5 threads: room for 4.
  kiln_context_set_parallel_for(ctx, inlineFor, nullptr, 5);
  ex = runOnce(ctx);
  EXPECT_EQ(ex.num_threads, 5);
  EXPECT_EQ(ex.scratch_bytes, 4000u);
  ASSERT_NE(ex.scratch, nullptr);

  // Back to one thread of its own: nothing to split, no scratch.
  kiln_context_set_parallel_for(ctx, nullptr, nullptr, 1);
  ex = runOnce(ctx);
  EXPECT_EQ(ex.num_threads, 1);
  EXPECT_EQ(ex.scratch_bytes, 0u);
  EXPECT_EQ(ex.scratch, nullptr);
  kiln_context_destroy(ctx);
}

void slowFirstUnit(void *, int64_t begin, int64_t) {
  if (begin == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
}

// A model whose one kernel is a parallel job of two units, one slow.
void oneUnevenJob(void *const *buffers) {
  const auto *ex = static_cast<const kiln_exec *>(buffers[2]);
  ex->parallel_for(ex->pool, slowFirstUnit, nullptr, 2);
}

TEST(Context, ProfileCountsTheOwnPoolsJobsAndWaits) {
  kiln_model m = stubModel(0);
  m.entry = oneUnevenJob;
  kiln_context *ctx = createOnThreads(m, 2);
  ASSERT_NE(ctx, nullptr);
  kiln_profile prof{};
  kiln_context_set_profile(ctx, &prof);
  ASSERT_EQ(kiln_run(ctx, nullptr, 0, nullptr, 0), KILN_OK);
  ASSERT_EQ(kiln_run(ctx, nullptr, 0, nullptr, 0), KILN_OK);
  EXPECT_EQ(prof.runs, 2u);
  EXPECT_EQ(prof.jobs, 2u);
  EXPECT_GE(prof.wait_ns, 4000000u) << "a thread waited out the other's 3 ms, twice";
  EXPECT_LE(prof.wait_ns, 2 * prof.run_ns);

  // A caller's parallel_for is not the runtime's to time.
  kiln_profile other{};
  kiln_context_set_profile(ctx, &other);
  kiln_context_set_parallel_for(ctx, inlineFor, nullptr, 2);
  ASSERT_EQ(kiln_run(ctx, nullptr, 0, nullptr, 0), KILN_OK);
  EXPECT_EQ(other.jobs, 0u);
  EXPECT_EQ(other.wait_ns, 0u);
  kiln_context_destroy(ctx);
}

TEST(Context, NoScratchForModelsThatSplitNoK) {
  kiln_model m = stubModel(0);
  kiln_context *ctx = createOnThreads(m, 4);
  ASSERT_NE(ctx, nullptr);
  kiln_exec ex = runOnce(ctx);
  EXPECT_EQ(ex.scratch_bytes, 0u);
  EXPECT_EQ(ex.scratch, nullptr);
  kiln_context_destroy(ctx);
}

} // namespace
