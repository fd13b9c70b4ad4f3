//===- ProfileReport.cpp - kiln-run's --profile table ---------------------===//
#include "ProfileReport.h"
#include "runtime/kernels/kernel_config.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace llvm;

namespace kiln {
namespace {

const char *const kKinds[KILN_PROFILE_KINDS] = {"gemm", "attention", "norm", "softmax"};
const char *const kActivations[] = KILN_ACTIVATION_NAMES;

std::string describe(const kiln_profile_call &c) {
  const int64_t *s = c.shape;
  std::string d;
  raw_string_ostream os(d);
  switch (c.kind) {
  case KILN_PROFILE_GEMM: {
    if (s[0] != 1)
      os << s[0] << "x ";
    os << s[1] << "x" << s[2] << "x" << s[3];
    if (c.epilogue & KILN_PROFILE_BIAS)
      os << " +bias";
    int act = (c.epilogue & (KILN_PROFILE_NORM_EPILOGUE - 1)) >> KILN_PROFILE_ACTIVATION_SHIFT;
    if (act > 0 && act < (int)std::size(kActivations))
      os << " +" << kActivations[act];
    if (c.epilogue & KILN_PROFILE_RESIDUAL)
      os << " +residual";
    if (c.epilogue & KILN_PROFILE_NORM_EPILOGUE)
      os << " +norm";
    break;
  }
  case KILN_PROFILE_ATTENTION:
    os << s[0] << " heads, " << s[1] << " queries x " << s[2] << " keys, d " << s[3];
    break;
  default:
    os << s[0] << " rows x " << s[1];
  }
  return d;
}

} // namespace

void printProfile(raw_ostream &os, const kiln_profile &prof, int threads, int placement) {
  double runs = (double)prof.runs, total = prof.run_ns / runs / 1e6, inKernels = 0;
  os << format("profile over %llu runs on %d thread(s), weights %s: %.3f ms per run\n",
               (unsigned long long)prof.runs, threads,
               placement == KILN_WEIGHTS_HUGE_PAGES ? "in huge pages" : "in place", total);
  for (int k = 0; k < KILN_PROFILE_KINDS; ++k) {
    if (!prof.calls[k])
      continue;
    double ms = prof.ns[k] / runs / 1e6;
    inKernels += ms;
    os << format("  %-10s %5.0f calls %9.3f ms %5.1f%%", kKinds[k], prof.calls[k] / runs, ms,
                 100 * ms / total);
    if (prof.flops[k] > 0)
      os << format("  %7.1f GFLOP/s", prof.flops[k] / (prof.ns[k] / 1e9) / 1e9);
    os << "\n";
  }
  os << format("  %-10s %5s       %9.3f ms %5.1f%%  (elementwise, gathers, copies)\n", "loops",
               "", total - inKernels, 100 * (total - inKernels) / total);
  if (prof.jobs)
    os << format("  threads waited %.3f ms per run in %.0f parallel jobs: %.1f%% of %d threads' "
                 "time (to start, and for the last thread to finish)\n",
                 prof.wait_ns / runs / 1e6, prof.jobs / runs,
                 100 * prof.wait_ns / (double)prof.run_ns / threads, threads);

  uint32_t logged = std::min(prof.call_count, prof.call_capacity);
  if (!prof.call_log || !logged)
    return;
  struct Group {
    int kind = 0;
    std::string what;
    unsigned calls = 0;
    uint64_t ns = 0;
    double flops = 0;
  };
  std::map<std::tuple<int, std::string>, Group> groups;
  for (uint32_t i = 0; i < logged; ++i) {
    const kiln_profile_call &c = prof.call_log[i];
    std::string what = describe(c);
    Group &g = groups[{c.kind, what}];
    g.kind = c.kind;
    g.what = std::move(what);
    g.calls++;
    g.ns += c.ns;
    g.flops += c.flops;
  }
  std::vector<Group> sorted;
  for (auto &[key, g] : groups)
    sorted.push_back(g);
  llvm::sort(sorted, [](const Group &a, const Group &b) {
    return std::tie(b.ns, a.kind, a.what) < std::tie(a.ns, b.kind, b.what);
  });
  os << "by kernel shape (calls per run, ms per run):\n";
  for (const Group &g : sorted) {
    double ms = g.ns / runs / 1e6;
    os << format("  %-10s %-40s %4u %9.3f ms %5.1f%%", kKinds[g.kind], g.what.c_str(), g.calls,
                 ms, 100 * ms / total);
    if (g.flops > 0)
      os << format("  %7.1f GFLOP/s", g.flops / (ms / 1e3) / 1e9);
    os << "\n";
  }
  if (prof.call_count > prof.call_capacity)
    os << format("  (only the first %u of %u kernel calls per run are broken down)\n",
                 prof.call_capacity, prof.call_count);
}

} // namespace kiln
