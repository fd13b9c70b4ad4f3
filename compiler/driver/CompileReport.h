//===- CompileReport.h - what the graph optimizer did, for kilnc --report -*- C++ -*-===//
//
// Collected while compiling: kiln op counts around each graph pass group,
// every fusion and every candidate left unfused (from the passes' remarks,
// with the ONNX node names of the ops involved), and the memory the model
// needs. Printed as text for people or JSON for tools.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_DRIVER_COMPILEREPORT_H
#define KILN_COMPILER_DRIVER_COMPILEREPORT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

using OpCounts = std::map<std::string, int64_t>;

/// Counts the ops under `root` by name (the module and functions excluded).
OpCounts countOps(mlir::Operation *root);

/// Floating-point operations (a multiply-add is 2) of the contractions under
/// `root`, by kiln op: matmul, linear, attention (all keys, causal or not).
std::map<std::string, double> countFlops(mlir::Operation *root);

struct CompileReport {
  struct PassGroup {
    std::string name; // a fusion pass, or "normalize" for the cleanups before any
    OpCounts before, after;
  };
  struct Fusion {
    bool fused = false;
    std::string kind, detail, pass; // detail: the variant, or why not
    std::vector<std::string> nodes; // ONNX node names
  };

  std::string model;
  OpCounts imported, optimized;
  /// After lowering to buffers: the kernel calls and what stayed generic.
  OpCounts lowered;
  std::string kernels; // the kernel library variant ("none" for plain loops)
  std::map<std::string, double> flops;
  std::vector<PassGroup> groups;
  std::vector<Fusion> fusions;
  std::optional<uint64_t> weightsBytes, arenaBytes;
  /// Kernel scratch each thread beyond the first needs (GEMMs that split K).
  std::optional<uint64_t> scratchPerThreadBytes;

  void printText(llvm::raw_ostream &os) const;
  void printJson(llvm::raw_ostream &os) const;
};

/// Records op counts around every pass it sees into `report`'s groups, and
/// remembers which pass is running for the remarks collector.
class ReportInstrumentation : public mlir::PassInstrumentation {
public:
  explicit ReportInstrumentation(CompileReport &report) : report(report) {}
  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override;
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override;
  const std::string &currentPass() const { return current; }

private:
  CompileReport &report;
  std::string current;
  OpCounts before;
};

/// Takes a fusion remark apart into `report`; false for other diagnostics.
bool collectFusionRemark(mlir::Diagnostic &d, const std::string &pass,
                         CompileReport &report);

} // namespace kiln

#endif
