//===- FusedOpsLowering.cpp - fused ops to their reference dataflow ---------===//
//
// The graph optimizer's fused ops expand here into the kiln ops they stand
// for, which the rest of kiln-to-linalg lowers in the same conversion. The
// fused kernels of the performance work replace these expansions; until
// then a fused op computes exactly what its parts did.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

using namespace mlir;

namespace kiln {
namespace {

struct LinearExpansion : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value y = MatmulOp::create(rewriter, loc, adaptor.getLhs(), adaptor.getRhs(),
                               UnitAttr(), op.getTransposeRhsAttr());
    if (Value bias = adaptor.getBias())
      y = AddOp::create(rewriter, loc, y, bias);
    switch (op.getActivation()) {
    case Activation::none:
      break;
    case Activation::relu:
      y = ReluOp::create(rewriter, loc, y);
      break;
    case Activation::gelu:
      y = GeluOp::create(rewriter, loc, y, GeluApproximation::none);
      break;
    case Activation::gelu_tanh:
      y = GeluOp::create(rewriter, loc, y, GeluApproximation::tanh);
      break;
    }
    if (Value residual = adaptor.getResidual())
      y = AddOp::create(rewriter, loc, y, residual);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct SkipLayerNormExpansion : OpConversionPattern<SkipLayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SkipLayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum = AddOp::create(rewriter, loc, adaptor.getInput(), adaptor.getSkip());
    Value norm = LayerNormOp::create(rewriter, loc, sum, adaptor.getScale(),
                                     adaptor.getBias(), op.getAxisAttr(),
                                     op.getEpsilonAttr());
    rewriter.replaceOp(op, {norm, sum});
    return success();
  }
};

struct SkipRmsNormExpansion : OpConversionPattern<SkipRmsNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SkipRmsNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum = AddOp::create(rewriter, loc, adaptor.getInput(), adaptor.getSkip());
    Value norm = RmsNormOp::create(rewriter, loc, sum, adaptor.getScale(),
                                   op.getAxisAttr(), op.getEpsilonAttr());
    rewriter.replaceOp(op, {norm, sum});
    return success();
  }
};

} // namespace

void populateFusedOpsLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<LinearExpansion, SkipLayerNormExpansion, SkipRmsNormExpansion>(tc, p.getContext());
}

} // namespace kiln
