//===- FuseSkipNorms.cpp - residual add + norm into one op ------------------===//
//
// Runs after kiln-fuse-norms. The add keeps its other readers: the fused op
// yields the sum, which is the residual stream of pre-norm models.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSESKIPNORMS
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

/// The residual add feeding a norm: two activations of the norm's type (a
/// bias add, with a constant or broadcast operand, is not a skip).
FailureOr<AddOp> residualAdd(Value input, Miss &why) {
  if (auto cast = def<CastOp>(input); cast && def<AddOp>(cast.getInput())) {
    llvm::raw_string_ostream os(why);
    os << "the residual add is in " << cast.getInput().getType().getElementType()
       << " and the norm in " << cast.getType().getElementType()
       << "; a fused op would add in the norm's type";
    return failure();
  }
  auto add = def<AddOp>(input);
  if (!add) {
    why = "the input is not an add";
    return failure();
  }
  if (add.getLhs().getType() != input.getType() || add.getRhs().getType() != input.getType()) {
    why = "the add broadcasts (a bias, not a residual)";
    return failure();
  }
  return add;
}

template <typename NormOp, typename SkipOp>
LogicalResult fuseSkip(NormOp norm, RewriterBase &rw, Miss &why, StringRef kind) {
  auto add = residualAdd(norm.getInput(), why);
  if (failed(add))
    return failure();
  Subgraph sub;
  sub.add(add->getOperation());
  sub.add(norm.getOperation());
  rw.setInsertionPoint(norm);
  SkipOp fused;
  if constexpr (std::is_same_v<SkipOp, SkipLayerNormOp>)
    fused = SkipOp::create(rw, norm.getLoc(), TypeRange{norm.getType(), norm.getType()},
                           add->getLhs(), add->getRhs(), norm.getScale(), norm.getBias(),
                           norm.getAxisAttr(), norm.getEpsilonAttr());
  else
    fused = SkipOp::create(rw, norm.getLoc(), TypeRange{norm.getType(), norm.getType()},
                           add->getLhs(), add->getRhs(), norm.getScale(),
                           norm.getAxisAttr(), norm.getEpsilonAttr());
  commitFusion(rw, sub, fused, {norm.getResult(), add->getResult()}, fused->getResults(),
               kind, "add");
  return success();
}

struct FuseSkipNormsPass : impl::KilnFuseSkipNormsBase<FuseSkipNormsPass> {
  void runOnOperation() override {
    auto isAddInput = [](auto norm) {
      Value in = norm.getInput();
      if (auto cast = def<CastOp>(in))
        in = cast.getInput();
      return def<AddOp>(in) != nullptr;
    };
    runFusion<LayerNormOp>(
        getOperation(), "skip_layer_norm",
        {{"add",
          [](LayerNormOp op, RewriterBase &rw, Miss &why) {
            return fuseSkip<LayerNormOp, SkipLayerNormOp>(op, rw, why, "skip_layer_norm");
          }}},
        isAddInput);
    runFusion<RmsNormOp>(
        getOperation(), "skip_rms_norm",
        {{"add",
          [](RmsNormOp op, RewriterBase &rw, Miss &why) {
            return fuseSkip<RmsNormOp, SkipRmsNormOp>(op, rw, why, "skip_rms_norm");
          }}},
        isAddInput);
  }
};
} // namespace
} // namespace kiln
