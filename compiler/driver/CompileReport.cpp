//===- CompileReport.cpp - kilnc --report -----------------------------------===//
#include "compiler/driver/CompileReport.h"

#include "dialects/kernel/KernelOps.h"
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Subgraph.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

namespace kiln {

OpCounts countOps(Operation *root) {
  OpCounts counts;
  root->walk([&](Operation *op) {
    if (isa<ModuleOp>(op) || op->getName().getStringRef() == "func.func" ||
        op->getName().getStringRef() == "func.return")
      return;
    ++counts[op->getName().getStringRef().str()];
    // A norm that became a GEMM's epilogue is no call of its own.
    if (auto gemm = dyn_cast<kernel::GemmOp>(op); gemm && gemm.getNormScale())
      ++counts["kiln_kernel.gemm, norm epilogue"];
  });
  return counts;
}

std::map<std::string, double> countFlops(Operation *root) {
  std::map<std::string, double> flops;
  auto numel = [](Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return t && t.hasStaticShape() ? (double)t.getNumElements() : 0.0;
  };
  auto dim = [](Value v, int64_t i) {
    auto t = cast<RankedTensorType>(v.getType());
    int64_t d = t.getDimSize(i < 0 ? t.getRank() + i : i);
    return ShapedType::isDynamic(d) ? 0.0 : (double)d;
  };
  root->walk([&](Operation *op) {
    if (auto m = dyn_cast<MatmulOp>(op))
      flops["matmul"] += 2 * numel(m.getResult()) * dim(m.getLhs(), m.getTransposeLhs() ? -2 : -1);
    else if (auto l = dyn_cast<LinearOp>(op))
      flops["linear"] += 2 * numel(l.getResult()) * dim(l.getLhs(), -1);
    else if (auto a = dyn_cast<AttentionOp>(op)) {
      double keys = dim(a.getK(), 2) + (a.getPastKey() ? dim(a.getPastKey(), 2) : 0);
      flops["attention"] += 2 * dim(a.getQ(), 0) * dim(a.getQ(), 1) * dim(a.getQ(), 2) * keys *
                            (dim(a.getQ(), 3) + dim(a.getV(), 3));
    }
  });
  return flops;
}

/// Passes that clean up after the fusion before them.
static bool isCleanup(StringRef pass) {
  return pass == "canonicalize" || pass == "cse" || pass == "kiln-fold-weights";
}

void ReportInstrumentation::runBeforePass(Pass *pass, Operation *op) {
  current = pass->getArgument().str();
  if (current.empty())
    current = pass->getName().str();
  before = countOps(op);
}

void ReportInstrumentation::runAfterPass(Pass *pass, Operation *op) {
  OpCounts after = countOps(op);
  bool cleanup = isCleanup(current);
  if (report.groups.empty() || !cleanup) {
    std::string group = cleanup ? "normalize" : current;
    report.groups.push_back({group, before, after});
  } else {
    report.groups.back().after = after;
  }
  current.clear();
}

bool collectFusionRemark(Diagnostic &d, const std::string &pass, CompileReport &report) {
  if (d.getSeverity() != DiagnosticSeverity::Remark)
    return false;
  auto parsed = graph::parseFusionRemark(d.str());
  if (!parsed)
    return false;
  CompileReport::Fusion f;
  f.fused = parsed->fused;
  f.kind = parsed->kind;
  f.detail = parsed->detail;
  f.pass = pass;
  for (const std::string &n : graph::nodeNames(d.getLocation()))
    f.nodes.push_back(n);
  report.fusions.push_back(std::move(f));
  return true;
}

static int64_t total(const OpCounts &c) {
  int64_t n = 0;
  for (auto &[name, k] : c)
    n += k;
  return n;
}

static std::string humanBytes(uint64_t b) {
  const char *units[] = {"B", "KiB", "MiB", "GiB"};
  double v = (double)b;
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format(u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return s;
}

/// "a, b, c, ... (n nodes)" for long lists.
static std::string nodeList(const std::vector<std::string> &nodes, size_t max = 6) {
  std::string s;
  for (size_t i = 0; i < nodes.size() && i < max; ++i)
    s += (i ? ", " : "") + nodes[i];
  if (nodes.size() > max)
    s += ", ... (" + std::to_string(nodes.size()) + " nodes)";
  return s.empty() ? "(no ONNX node)" : s;
}

void CompileReport::printText(llvm::raw_ostream &os) const {
  os << "Kiln compile report: " << model << "\n\n";
  os << "ops                                imported  optimized\n";
  llvm::StringSet<> names;
  for (auto &[n, k] : imported)
    names.insert(n);
  for (auto &[n, k] : optimized)
    names.insert(n);
  std::vector<std::string> sorted;
  for (auto &e : names)
    sorted.push_back(e.getKey().str());
  llvm::sort(sorted);
  auto get = [](const OpCounts &c, const std::string &n) {
    auto it = c.find(n);
    return it == c.end() ? int64_t(0) : it->second;
  };
  for (const std::string &n : sorted)
    os << llvm::format("  %-32s %8lld  %9lld\n", n.c_str(), (long long)get(imported, n),
                       (long long)get(optimized, n));
  os << llvm::format("  %-32s %8lld  %9lld\n", "total", (long long)total(imported),
                     (long long)total(optimized));

  os << "\npass groups                        ops before -> after\n";
  for (const PassGroup &g : groups) {
    os << llvm::format("  %-32s %10lld -> %lld", g.name.c_str(), (long long)total(g.before),
                       (long long)total(g.after));
    std::string changed;
    for (auto &[n, a] : g.after) {
      int64_t b = get(g.before, n);
      if (a > b && StringRef(n).starts_with("kiln."))
        changed += (changed.empty() ? "" : ", ") + StringRef(n).drop_front(5).str() + " +" +
                   std::to_string(a - b);
    }
    if (!changed.empty())
      os << "   (" << changed << ")";
    os << "\n";
  }

  std::map<std::pair<std::string, std::string>, int> fusedCount;
  for (const Fusion &f : fusions)
    if (f.fused)
      ++fusedCount[{f.kind, f.detail}];
  os << "\nfused\n";
  if (fusedCount.empty())
    os << "  nothing\n";
  for (auto &[key, n] : fusedCount)
    os << llvm::format("  %-24s x%-4d", key.first.c_str(), n) << "(" << key.second << ")\n";
  for (const Fusion &f : fusions)
    if (f.fused)
      os << "    " << f.kind << " <- " << nodeList(f.nodes) << "\n";

  os << "\nnot fused\n";
  bool any = false;
  for (const Fusion &f : fusions) {
    if (f.fused)
      continue;
    any = true;
    os << "  " << f.kind << " at " << nodeList(f.nodes, 2) << ": " << f.detail << "\n";
  }
  if (!any)
    os << "  no candidate left\n";

  os << "\ncompute (dense, one run)\n";
  double all = 0;
  for (auto &[kind, f] : flops) {
    os << llvm::format("  %-10s %12.4g GFLOP\n", kind.c_str(), f / 1e9);
    all += f;
  }
  os << llvm::format("  %-10s %12.4g GFLOP\n", "total", all / 1e9);

  os << "\nkernels (" << (kernels.empty() ? "none" : kernels) << ")\n";
  if (lowered.empty()) {
    os << "  not lowered (the compile stopped before)\n";
  } else {
    int64_t generic = 0;
    bool anyKernel = false;
    for (auto &[n, k] : lowered) {
      if (StringRef(n).starts_with("kiln_kernel.")) {
        os << llvm::format("  %-32s x%lld\n", n.c_str() + strlen("kiln_kernel."), (long long)k);
        anyKernel = true;
      } else if (StringRef(n).starts_with("linalg.")) {
        generic += k;
      }
    }
    if (!anyKernel)
      os << "  no kernel calls\n";
    os << "  linalg ops compiled as loops     x" << generic << "\n";
  }

  os << "\nmemory\n";
  os << "  weights  "
     << (weightsBytes ? humanBytes(*weightsBytes) + " (" + std::to_string(*weightsBytes) +
                            " bytes)"
                      : std::string("not computed"))
     << "\n";
  os << "  arena    "
     << (arenaBytes ? humanBytes(*arenaBytes) + " (" + std::to_string(*arenaBytes) + " bytes)"
                    : std::string("not computed (the compile stopped before memory planning)"))
     << "\n";
  if (scratchPerThreadBytes && *scratchPerThreadBytes)
    os << "  scratch  " << humanBytes(*scratchPerThreadBytes) << " ("
       << std::to_string(*scratchPerThreadBytes)
       << " bytes) per thread beyond the first: partial products of GEMMs that split K\n";
}

static llvm::json::Object toJson(const OpCounts &c) {
  llvm::json::Object o;
  for (auto &[n, k] : c)
    o[n] = k;
  return o;
}

void CompileReport::printJson(llvm::raw_ostream &os) const {
  llvm::json::Array jsGroups, jsFused, jsMissed;
  for (const PassGroup &g : groups)
    jsGroups.push_back(llvm::json::Object{
        {"name", g.name}, {"ops_before", toJson(g.before)}, {"ops_after", toJson(g.after)}});
  for (const Fusion &f : fusions) {
    llvm::json::Array nodes;
    for (const std::string &n : f.nodes)
      nodes.push_back(n);
    llvm::json::Object o{{"kind", f.kind}, {"pass", f.pass}, {"nodes", std::move(nodes)}};
    o[f.fused ? "variant" : "reason"] = f.detail;
    (f.fused ? jsFused : jsMissed).push_back(std::move(o));
  }
  llvm::json::Object root{
      {"model", model},
      {"ops_imported", toJson(imported)},
      {"ops_optimized", toJson(optimized)},
      {"pass_groups", std::move(jsGroups)},
      {"fused", std::move(jsFused)},
      {"not_fused", std::move(jsMissed)},
  };
  llvm::json::Object jsFlops;
  double all = 0;
  for (auto &[kind, f] : flops) {
    jsFlops[kind] = f;
    all += f;
  }
  jsFlops["total"] = all;
  root["flops"] = std::move(jsFlops);
  root["kernels"] = kernels.empty() ? "none" : kernels;
  root["ops_lowered"] = toJson(lowered);
  root["weights_bytes"] = weightsBytes ? llvm::json::Value((int64_t)*weightsBytes) : nullptr;
  root["arena_bytes"] = arenaBytes ? llvm::json::Value((int64_t)*arenaBytes) : nullptr;
  root["scratch_per_thread_bytes"] =
      scratchPerThreadBytes ? llvm::json::Value((int64_t)*scratchPerThreadBytes) : nullptr;
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

} // namespace kiln
