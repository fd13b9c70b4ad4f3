//===- MarkStreamedOutputs.cpp - GEMMs whose results only GEMMs read -------===//
//
// A GEMM writing a result larger than a core's L2 does better with
// non-temporal stores: ordinary ones read each line first and push the
// GEMM's own operands out of L2. Whether that pays depends on the reader:
// another GEMM reads its A in long rows that come from memory as fast as
// from the last-level cache, but attention's strided reads of a QKV
// projection slow down by more than the projection gains. The kernel
// decides by size and alignment; this pass tells it that the readers are
// GEMMs (`stream_c`).
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"
#include "dialects/kiln/KilnOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNMARKSTREAMEDOUTPUTS
#include "passes/Passes.h.inc"

namespace {

/// Whether every use of `v` is as the A of a GEMM, directly or through
/// reshapes; false for a value nothing reads.
bool readOnlyAsGemmA(Value v) {
  if (v.use_empty())
    return false;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (auto reshape = dyn_cast<ReshapeOp>(user)) {
      if (!readOnlyAsGemmA(reshape.getResult()))
        return false;
      continue;
    }
    auto gemm = dyn_cast<kernel::GemmOp>(user);
    if (!gemm || &use != &gemm.getAMutable())
      return false;
  }
  return true;
}

struct MarkStreamedOutputsPass : impl::KilnMarkStreamedOutputsBase<MarkStreamedOutputsPass> {
  void runOnOperation() override {
    getOperation().walk([](kernel::GemmOp gemm) {
      // With a norm epilogue the kernel reads C back; its first result may
      // also be the kept sum that the norm's readers take.
      if (gemm.getNormScale() || gemm->getNumResults() != 1)
        return;
      if (readOnlyAsGemmA(gemm->getResult(0)))
        gemm.setStreamC(true);
    });
  }
};

} // namespace
} // namespace kiln
