//===- ThreadPoolTest.cpp - the runtime's worker pool ---------------------===//
//
// kiln_pool_parallel_for must run every index of a job exactly once, on any
// number of threads, for counts below, at and above the thread count, job
// after job; and it must still finish when one thread is much slower than
// the others (its share is taken over from the back).
//
//===----------------------------------------------------------------------===//
extern "C" {
#include "thread_pool.h"
}

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace {

struct Job {
  std::vector<std::atomic<int>> hits;
  std::atomic<int> calls{0};
  std::thread::id slowThread;
  explicit Job(int64_t count) : hits(count) {}
};

void countHits(void *arg, int64_t begin, int64_t end) {
  auto *job = static_cast<Job *>(arg);
  job->calls.fetch_add(1);
  if (std::this_thread::get_id() == job->slowThread)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  for (int64_t i = begin; i < end; ++i)
    job->hits[i].fetch_add(1);
}

struct PoolDeleter {
  void operator()(kiln_pool *p) const { kiln_pool_destroy(p); }
};
using Pool = std::unique_ptr<kiln_pool, PoolDeleter>;

TEST(ThreadPool, OneThreadMeansNoPool) { EXPECT_EQ(kiln_pool_create(1), nullptr); }

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  for (int threads : {2, 3, 4, 7}) {
    Pool pool(kiln_pool_create(threads));
    ASSERT_NE(pool, nullptr) << threads << " threads";
    for (int64_t count : {1, 2, 3, 5, 7, 8, 64, 1000, 4097}) {
      for (int repeat = 0; repeat < 20; ++repeat) {
        Job job(count);
        kiln_pool_parallel_for(pool.get(), countHits, &job, count);
        for (int64_t i = 0; i < count; ++i)
          ASSERT_EQ(job.hits[i].load(), 1)
              << "index " << i << " of " << count << " on " << threads << " threads";
      }
    }
  }
}

TEST(ThreadPool, ZeroCountRunsNothing) {
  Pool pool(kiln_pool_create(2));
  Job job(0);
  kiln_pool_parallel_for(pool.get(), countHits, &job, 0);
  EXPECT_EQ(job.calls.load(), 0);
}

// The calling thread is thread 0; slowing it forces the workers to take its
// share from the back, and the job must still cover every index once.
TEST(ThreadPool, SlowThreadsShareIsTakenOver) {
  Pool pool(kiln_pool_create(3));
  const int64_t count = 60;
  Job job(count);
  job.slowThread = std::this_thread::get_id();
  kiln_pool_parallel_for(pool.get(), countHits, &job, count);
  for (int64_t i = 0; i < count; ++i)
    ASSERT_EQ(job.hits[i].load(), 1) << "index " << i;
}

// Workers sleep after spinning for a while; a job after a long pause must
// wake them and still complete.
TEST(ThreadPool, JobsAfterWorkersSleep) {
  Pool pool(kiln_pool_create(2));
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    Job job(16);
    kiln_pool_parallel_for(pool.get(), countHits, &job, 16);
    for (int64_t i = 0; i < 16; ++i)
      ASSERT_EQ(job.hits[i].load(), 1) << "round " << round << " index " << i;
  }
}

// Unit 0 takes a few milliseconds, unit 1 none: whichever thread runs unit 1
// waits for the other.
void slowFirstUnit(void *, int64_t begin, int64_t) {
  if (begin == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
}

TEST(ThreadPool, WaitsAreTimedOnlyWhenAsked) {
  Pool pool(kiln_pool_create(2));
  uint64_t jobs = 1, waitNs = 1;
  kiln_pool_parallel_for(pool.get(), slowFirstUnit, nullptr, 2);
  kiln_pool_take_timing(pool.get(), &jobs, &waitNs);
  EXPECT_EQ(jobs, 0u);
  EXPECT_EQ(waitNs, 0u);

  kiln_pool_set_timing(pool.get(), 1);
  kiln_pool_parallel_for(pool.get(), slowFirstUnit, nullptr, 2);
  kiln_pool_parallel_for(pool.get(), slowFirstUnit, nullptr, 1); // the caller alone
  kiln_pool_set_timing(pool.get(), 0);
  kiln_pool_take_timing(pool.get(), &jobs, &waitNs);
  EXPECT_EQ(jobs, 1u) << "a job of one unit never reaches the workers";
  EXPECT_GE(waitNs, 2000000u) << "one thread waited out the other's 3 ms";
  EXPECT_LT(waitNs, 2000000000u);

  // Taking resets.
  kiln_pool_take_timing(pool.get(), &jobs, &waitNs);
  EXPECT_EQ(jobs, 0u);
  EXPECT_EQ(waitNs, 0u);
}

} // namespace
