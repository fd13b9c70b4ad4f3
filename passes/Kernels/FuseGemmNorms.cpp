//===- FuseGemmNorms.cpp - norms of a GEMM's result as its epilogue --------===//
//
// A transformer's residual norms (post-norm: LN(x + proj(h)); pre-norm: the
// sum and LN(sum) for the next block) read a GEMM's result once, right after
// it. A GEMM that splits K (the FFN's second) ends with a pass that sums the
// threads' partial products row by row; given the norm as its epilogue, it
// normalises each row as it sums it, in the cache of the thread that summed
// it, with the norm's skip as the GEMM's residual. The separate norm cost a
// fork and join and a second pass over the rows, half of them in the other
// core's cache (BERT-base, 2 threads: 0.8 ms of 60 per run).
//
// Only K-split GEMMs: a GEMM that splits its columns over threads has no pass
// over whole rows, and a norm pass after its tiles (the kernel's fallback)
// measured no faster than the separate norm, and its residual read by
// columns slower.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEGEMMNORMS
#include "passes/Passes.h.inc"

namespace {

/// The GEMM whose plain result `v` is, if the norm can take it over: read
/// only here, no norm epilogue yet, and a residual slot that is free when the
/// norm has another operand to put there.
kernel::GemmOp fusableGemm(Value v, bool needsResidualSlot) {
  auto gemm = v ? v.getDefiningOp<kernel::GemmOp>() : kernel::GemmOp();
  if (!gemm || !gemm.getKSplit() || gemm.getNormScale() || !v.hasOneUse() ||
      !isa<RankedTensorType>(v.getType()))
    return {};
  if (needsResidualSlot && gemm.getResidual())
    return {};
  return gemm;
}

LogicalResult fuse(IRRewriter &rw, kernel::NormOp norm) {
  if (!isa<RankedTensorType>(norm.getX().getType()))
    return failure();
  // x + skip is commutative: either side may be the GEMM, the other becomes
  // its residual (the same float sum).
  Value x = norm.getX(), skip = norm.getSkip(), other;
  kernel::GemmOp gemm = fusableGemm(x, static_cast<bool>(skip));
  if (gemm) {
    other = skip;
  } else if ((gemm = fusableGemm(skip, true))) {
    other = x;
  } else {
    return failure();
  }
  if (gemm.getC().getType() != x.getType())
    return failure();
  Value residual = other ? other : gemm.getResidual();
  // Outs: the sum and the norm's where the norm kept the sum; else the norm
  // overwrites the sum in the GEMM's own outs. Rows written where they were
  // just summed need no line from another core's cache, which at two threads
  // made a separate outs cost as much as the rest of the norm.
  bool keepSum = norm.getNumResults() == 2;
  SmallVector<Value> outs{keepSum ? norm.getOuts()[1] : gemm.getC()};
  if (keepSum)
    outs.push_back(norm.getOuts()[0]);
  rw.setInsertionPoint(norm);
  auto fused = kernel::GemmOp::create(
      rw, rw.getFusedLoc({gemm.getLoc(), norm.getLoc()}), ValueRange(outs).getTypes(), gemm.getA(), gemm.getB(), gemm.getBias(),
      residual, norm.getScale(), norm.getBias(), outs, gemm.getBLayout(), gemm.getActivation(),
      gemm.getKSplit(), norm.getEpsilonAttr(), norm.getRms());
  SmallVector<Value> replacements{fused.getResult(keepSum ? 1 : 0)};
  if (keepSum)
    replacements.push_back(fused.getResult(0));
  rw.replaceOp(norm, replacements);
  rw.eraseOp(gemm);
  return success();
}

struct FuseGemmNormsPass : impl::KilnFuseGemmNormsBase<FuseGemmNormsPass> {
  void runOnOperation() override {
    SmallVector<kernel::NormOp> norms;
    getOperation().walk([&](kernel::NormOp n) { norms.push_back(n); });
    IRRewriter rw(&getContext());
    for (kernel::NormOp n : norms)
      (void)fuse(rw, n);
  }
};

} // namespace
} // namespace kiln
