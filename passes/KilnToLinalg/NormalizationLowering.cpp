//===- NormalizationLowering.cpp - softmax, norms, reductions, argmax -------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace kiln {
namespace {

using namespace combine;

/// Reduces over `axes` and puts the reduced dims back with size 1, ready to
/// broadcast against the input.
Value reduceKeep(OpBuilder &b, Location l, Value x, ArrayRef<int64_t> axes,
                 Value init, CombineFn combine) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return expandReducedDims(b, l, buildReduction(b, l, x, axes, init, combine),
                           axes, rank);
}

template <typename OpTy, bool Log>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildSoftmax(rewriter, op.getLoc(), adaptor.getInput(),
                                        op.getAxis(), Log));
    return success();
  }
};

SmallVector<int64_t> trailingAxes(int64_t from, int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t d = from; d < rank; ++d)
    axes.push_back(d);
  return axes;
}

int64_t countOver(RankedTensorType t, ArrayRef<int64_t> axes) {
  int64_t n = 1;
  for (int64_t a : axes)
    n *= t.getDimSize(a);
  return n;
}

/// x * rsqrt(mean(x^2 over axes) + eps) * scale (+ bias): RMS normalisation,
/// and layer normalisation once x is centred.
Value scaleByInvRms(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                    double eps, Value scale, Value bias) {
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  double n = (double)countOver(type, axes);
  Value sumSq = reduceKeep(b, loc, x, axes, scalarConst(b, loc, et, 0), addSquareF);
  Value inv = buildElementwise(
      b, loc, cast<RankedTensorType>(sumSq.getType()), {sumSq},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value mean = arith::DivFOp::create(nb, l, a[0], scalarConst(nb, l, et, n));
        return math::RsqrtOp::create(
            nb, l, arith::AddFOp::create(nb, l, mean, scalarConst(nb, l, et, eps)));
      });
  SmallVector<Value> operands = {x, inv, scale};
  if (bias)
    operands.push_back(bias);
  return buildElementwise(b, loc, type, operands,
                          [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            Value r = arith::MulFOp::create(
                                nb, l, arith::MulFOp::create(nb, l, a[0], a[1]), a[2]);
                            if (a.size() > 3)
                              r = arith::AddFOp::create(nb, l, r, a[3]);
                            return r;
                          });
}

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type et = type.getElementType();
    SmallVector<int64_t> axes = trailingAxes(op.getAxis(), type.getRank());
    double n = (double)countOver(type, axes);
    Value sum = reduceKeep(rewriter, loc, x, axes, scalarConst(rewriter, loc, et, 0), addF);
    Value centred = buildElementwise(rewriter, loc, type, {x, sum},
                                     [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                       Value mean = arith::DivFOp::create(b, l, a[1], scalarConst(b, l, et, n));
                                       return arith::SubFOp::create(b, l, a[0], mean);
                                     });
    rewriter.replaceOp(op, scaleByInvRms(rewriter, loc, centred, axes,
                                         op.getEpsilon().convertToDouble(),
                                         adaptor.getScale(), adaptor.getBias()));
    return success();
  }
};

struct RmsNormLowering : OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    SmallVector<int64_t> axes =
        trailingAxes(op.getAxis(), cast<RankedTensorType>(x.getType()).getRank());
    rewriter.replaceOp(op, scaleByInvRms(rewriter, op.getLoc(), x, axes,
                                         op.getEpsilon().convertToDouble(),
                                         adaptor.getScale(), Value()));
    return success();
  }
};

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    ElemInfo e = ElemInfo::of(op.getInput().getType().getElementType());
    ArrayRef<int64_t> axes = op.getAxes();
    using Combiner = Value (*)(OpBuilder &, Location, Value, Value);
    Value init;
    Combiner combine = nullptr;
    switch (op.getKind()) {
    case ReduceKind::sum:
    case ReduceKind::mean:
      init = scalarConst(rewriter, loc, e.type, 0);
      combine = e.isFloat ? addF : addI;
      break;
    case ReduceKind::sum_square:
    case ReduceKind::l2:
      init = scalarConst(rewriter, loc, e.type, 0);
      combine = e.isFloat ? addSquareF : addSquareI;
      break;
    case ReduceKind::prod:
      init = scalarConst(rewriter, loc, e.type, 1);
      combine = e.isFloat ? mulF : mulI;
      break;
    case ReduceKind::max:
      init = lowestValue(rewriter, loc, e);
      combine = e.isFloat ? maxF : e.isUnsigned ? maxUI : maxSI;
      break;
    case ReduceKind::min:
      init = highestValue(rewriter, loc, e);
      combine = e.isFloat ? minF : e.isUnsigned ? minUI : minSI;
      break;
    }
    Value r = buildReduction(rewriter, loc, x, axes, init, combine);
    auto rt = cast<RankedTensorType>(r.getType());
    if (op.getKind() == ReduceKind::mean || op.getKind() == ReduceKind::l2) {
      double n = (double)countOver(inType, axes);
      bool isMean = op.getKind() == ReduceKind::mean;
      r = buildElementwise(rewriter, loc, rt, {r}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (isMean)
          return arith::DivFOp::create(b, l, a[0], scalarConst(b, l, e.type, n));
        return math::SqrtOp::create(b, l, a[0]);
      });
    }
    if (op.getKeepDims())
      r = expandReducedDims(rewriter, loc, r, axes, inType.getRank());
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ArgMaxLowering : OpConversionPattern<ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ArgMaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    auto inType = cast<RankedTensorType>(x.getType());
    ElemInfo e = ElemInfo::of(op.getInput().getType().getElementType());
    int64_t axis = op.getAxis(), rank = inType.getRank();
    bool last = op.getSelectLastIndex();
    SmallVector<int64_t> outShape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      iters.push_back(d == axis ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
      if (d != axis) {
        outShape.push_back(inType.getDimSize(d));
        outExprs.push_back(getAffineDimExpr(d, ctx));
      }
    }
    Type i64 = rewriter.getI64Type();
    Value best = filledTensor(rewriter, loc, outShape, lowestValue(rewriter, loc, e));
    Value index = filledTensor(rewriter, loc, outShape, scalarConst(rewriter, loc, i64, 0));
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{best.getType(), index.getType()}, ValueRange{x},
        ValueRange{best, index},
        {AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value better;
          if (e.isFloat)
            better = arith::CmpFOp::create(b, l, last ? arith::CmpFPredicate::OGE
                                                      : arith::CmpFPredicate::OGT,
                                           a[0], a[1]);
          else
            better = arith::CmpIOp::create(
                b, l,
                e.isUnsigned ? (last ? arith::CmpIPredicate::uge : arith::CmpIPredicate::ugt)
                             : (last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt),
                a[0], a[1]);
          Value pos = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                 linalg::IndexOp::create(b, l, axis));
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                                                   arith::SelectOp::create(b, l, better, pos, a[2])});
        });
    Value r = g.getResult(1);
    if (op.getKeepDims())
      r = expandReducedDims(rewriter, loc, r, {axis}, rank);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateNormalizationLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<SoftmaxLowering<SoftmaxOp, false>, SoftmaxLowering<LogSoftmaxOp, true>,
        LayerNormLowering, RmsNormLowering, ReduceLowering, ArgMaxLowering>(
      tc, p.getContext());
}

} // namespace kiln
