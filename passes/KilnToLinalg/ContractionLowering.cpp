//===- ContractionLowering.cpp - matmul and matmul_integer to linalg --------===//
//
// One linalg.generic per matmul over (batch..., m, n, k), so batch
// broadcasting and transposed operands need no copies. The performance
// passes later rewrite these into tiled kernels.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace kiln {
namespace {

/// Iteration space (batch..., m, k, n) for a result of rank `resultRank`.
/// n innermost: loops then stream along rows of rhs and of the result, which
/// LLVM vectorizes, instead of striding down rhs columns.
struct MatmulSpace {
  int64_t numBatch, m, k, n, numDims;
  explicit MatmulSpace(int64_t resultRank)
      : numBatch(resultRank - 2), m(resultRank - 2), k(resultRank - 1),
        n(resultRank), numDims(resultRank + 1) {}
};

/// The map for a matmul operand of `shape` whose last two dims are (row, col)
/// in the iteration space; leading dims broadcast against the result batch.
AffineMap operandMap(MLIRContext *ctx, const MatmulSpace &s,
                     ArrayRef<int64_t> shape, ArrayRef<int64_t> resultShape,
                     int64_t row, int64_t col) {
  int64_t opBatch = shape.size() - 2;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < opBatch; ++d) {
    int64_t rd = d + (s.numBatch - opBatch);
    bool stretched = shape[d] == 1 && resultShape[rd] != 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(rd, ctx));
  }
  exprs.push_back(getAffineDimExpr(row, ctx));
  exprs.push_back(getAffineDimExpr(col, ctx));
  return AffineMap::get(s.numDims, 0, exprs, ctx);
}

SmallVector<utils::IteratorType> matmulIterators(const MatmulSpace &s) {
  SmallVector<utils::IteratorType> it(s.numDims, utils::IteratorType::parallel);
  it[s.k] = utils::IteratorType::reduction;
  return it;
}

AffineMap resultMap(MLIRContext *ctx, const MatmulSpace &s) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < s.numBatch; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  exprs.push_back(getAffineDimExpr(s.m, ctx));
  exprs.push_back(getAffineDimExpr(s.n, ctx));
  return AffineMap::get(s.numDims, 0, exprs, ctx);
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = signlessTensor(op.getType());
    ArrayRef<int64_t> rs = type.getShape();
    MatmulSpace s(type.getRank());
    ElemInfo e = ElemInfo::of(op.getLhs().getType().getElementType());
    bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
    SmallVector<AffineMap> maps = {
        operandMap(ctx, s, op.getLhs().getType().getShape(), rs,
                   tl ? s.k : s.m, tl ? s.m : s.k),
        operandMap(ctx, s, op.getRhs().getType().getShape(), rs,
                   tr ? s.n : s.k, tr ? s.k : s.n),
        resultMap(ctx, s)};
    // Half types accumulate in f32 and round once at the end.
    Type acc = e.isFloat ? accumulatorType(e.type) : e.type;
    Value init = filledTensor(rewriter, loc, rs, scalarConst(rewriter, loc, acc, 0));
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{adaptor.getLhs(), adaptor.getRhs()}, ValueRange{init}, maps,
        matmulIterators(s), [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = a[0], y = a[1], r;
          if (acc != e.type) {
            x = arith::ExtFOp::create(b, l, acc, x);
            y = arith::ExtFOp::create(b, l, acc, y);
          }
          if (e.isFloat)
            r = arith::AddFOp::create(b, l, a[2], arith::MulFOp::create(b, l, x, y));
          else
            r = arith::AddIOp::create(b, l, a[2], arith::MulIOp::create(b, l, x, y));
          linalg::YieldOp::create(b, l, r);
        });
    Value result = g.getResult(0);
    if (acc != e.type)
      result = buildElementwise(rewriter, loc, type, {result},
                                [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                  return arith::TruncFOp::create(b, l, e.type, a[0]);
                                });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Zero points are scalars (per tensor) or one value per row/column.
AffineMap zeroPointMap(MLIRContext *ctx, const MatmulSpace &s, Type zpType,
                       int64_t channelDim) {
  auto t = cast<RankedTensorType>(zpType);
  if (t.getRank() == 0)
    return AffineMap::get(s.numDims, 0, {}, ctx);
  if (t.getNumElements() == 1)
    return AffineMap::get(s.numDims, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  return AffineMap::get(s.numDims, 0, {getAffineDimExpr(channelDim, ctx)}, ctx);
}

struct MatmulIntegerLowering : OpConversionPattern<MatmulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatmulIntegerOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = op.getType();
    ArrayRef<int64_t> rs = type.getShape();
    MatmulSpace s(type.getRank());
    ElemInfo le = ElemInfo::of(op.getLhs().getType().getElementType());
    ElemInfo re = ElemInfo::of(op.getRhs().getType().getElementType());
    ElemInfo acc = ElemInfo::of(rewriter.getI32Type());
    SmallVector<AffineMap> maps = {
        operandMap(ctx, s, op.getLhs().getType().getShape(), rs, s.m, s.k),
        operandMap(ctx, s, op.getRhs().getType().getShape(), rs, s.k, s.n),
        zeroPointMap(ctx, s, op.getLhsZeroPoint().getType(), s.m),
        zeroPointMap(ctx, s, op.getRhsZeroPoint().getType(), s.n),
        resultMap(ctx, s)};
    Value init = filledTensor(rewriter, loc, rs, scalarConst(rewriter, loc, acc.type, 0));
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getLhs(), adaptor.getRhs(), adaptor.getLhsZeroPoint(),
                   adaptor.getRhsZeroPoint()},
        ValueRange{init}, maps, matmulIterators(s),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = arith::SubIOp::create(b, l, convertScalar(b, l, a[0], le, acc),
                                          convertScalar(b, l, a[2], le, acc));
          Value y = arith::SubIOp::create(b, l, convertScalar(b, l, a[1], re, acc),
                                          convertScalar(b, l, a[3], re, acc));
          Value r = arith::AddIOp::create(b, l, a[4], arith::MulIOp::create(b, l, x, y));
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};

} // namespace

void populateContractionLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<MatmulLowering, MatmulIntegerLowering>(tc, p.getContext());
}

} // namespace kiln
