//===- DataMovementLowering.cpp - constants, reshapes, slices, gathers -----===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace kiln {
namespace {

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = signlessTensor(op.getType());
    Attribute value = op.getValue();
    if (type != op.getType()) {
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(type.getElementType());
      else if (auto res = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(type, res.getRawHandle());
      else
        return rewriter.notifyMatchFailure(op, "unsupported constant attribute");
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, cast<TypedAttr>(value));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!op.getType().hasStaticShape() || !op.getInput().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered yet");
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), adaptor.getInput(),
                                         op.getType().getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = signlessTensor(op.getType());
    Value init = emptyTensor(rewriter, op.getLoc(), type.getShape(), type.getElementType());
    auto t = linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getInput(),
                                         init, op.getPermutation());
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = signlessTensor(op.getType());
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), ValueRange{}, ValueRange{}, ValueRange{},
          starts, type.getShape(), steps);
      return success();
    }
    // Negative steps: read input[start + step * i] in a generic op.
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(getAffineConstantExpr(starts[d], ctx) +
                      getAffineDimExpr(d, ctx) * steps[d]);
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value init = emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getInput()},
        ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = signlessTensor(op.getType());
    int64_t axis = op.getAxis(), rank = type.getRank();
    Value acc = emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto it = cast<RankedTensorType>(in.getType());
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      offsets[axis] = offset;
      acc = tensor::InsertSliceOp::create(rewriter, loc, in, acc, ValueRange{},
                                          ValueRange{}, ValueRange{}, offsets,
                                          it.getShape(), strides);
      offset += it.getDimSize(axis);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = signlessTensor(op.getType());
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto idxType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), rank = type.getRank();
    int64_t idxRank = idxType.getRank(), axisDim = dataType.getDimSize(axis);
    SmallVector<AffineExpr> idxExprs;
    for (int64_t d = 0; d < idxRank; ++d)
      idxExprs.push_back(getAffineDimExpr(axis + d, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, idxExprs, ctx),
                                   AffineMap::getMultiDimIdentityMap(rank, ctx)};
    Value data = adaptor.getData();
    Value init = emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getIndices()},
        ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Negative indices count from the end; anything still out of range
          // is clamped so that a bad index cannot read outside the tensor.
          Value idx = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value dim = arith::ConstantIndexOp::create(b, l, axisDim);
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value isNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, idx, zero);
          idx = arith::SelectOp::create(b, l, isNeg, arith::AddIOp::create(b, l, idx, dim), idx);
          idx = arith::MaxSIOp::create(b, l, idx, zero);
          idx = arith::MinSIOp::create(
              b, l, idx, arith::ConstantIndexOp::create(b, l, axisDim - 1));
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(idx);
          for (int64_t d = axis + idxRank; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          Value v = tensor::ExtractOp::create(b, l, data, coords);
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value v = buildElementwise(rewriter, op.getLoc(), signlessTensor(op.getType()),
                               adaptor.getOperands(),
                               [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    rewriter.replaceOp(op, v);
    return success();
  }
};

} // namespace

void populateDataMovementLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<ConstantLowering, ReshapeLowering, TransposeLowering, SliceLowering,
        ConcatLowering, GatherLowering, ExpandLowering>(tc, p.getContext());
}

} // namespace kiln
