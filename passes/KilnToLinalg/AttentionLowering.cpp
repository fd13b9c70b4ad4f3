//===- AttentionLowering.cpp - attention and rotary embedding to linalg -----===//
//
// Attention lowers to its reference dataflow: QK^T contraction, one
// elementwise pass for scale/softcap/mask/causal, softmax, and the PV
// contraction. Grouped-query heads read K/V through `h floordiv G` in the
// indexing maps, so K/V are never repeated in memory. A fused kernel replaces
// this in the performance work.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// past ++ current along the sequence dim (2).
Value concatSeq(OpBuilder &b, Location loc, Value past, Value cur) {
  auto pt = cast<RankedTensorType>(past.getType());
  auto ct = cast<RankedTensorType>(cur.getType());
  SmallVector<int64_t> shape(ct.getShape());
  shape[2] += pt.getDimSize(2);
  Value acc = emptyTensor(b, loc, shape, ct.getElementType());
  SmallVector<int64_t> zeros(4, 0), ones(4, 1), offset = {0, 0, pt.getDimSize(2), 0};
  acc = tensor::InsertSliceOp::create(b, loc, past, acc, ValueRange{}, ValueRange{},
                                      ValueRange{}, zeros, pt.getShape(), ones);
  return tensor::InsertSliceOp::create(b, loc, cur, acc, ValueRange{}, ValueRange{},
                                       ValueRange{}, offset, ct.getShape(), ones);
}

/// out[b, h, i, j] = sum_r lhs[b, h, i, r] * rhs[b, h / g, j or r...]
/// `rhsMap` decides how rhs is read; dims are (b, h, i, j, r). Half types
/// accumulate in f32 and round once at the end.
Value headContraction(OpBuilder &b, Location loc, Value lhs, Value rhs,
                      AffineMap lhsMap, AffineMap rhsMap,
                      ArrayRef<int64_t> outShape, Type et) {
  MLIRContext *ctx = b.getContext();
  Type acc = accumulatorType(et);
  Value init = filledTensor(b, loc, outShape, scalarConst(b, loc, acc, 0));
  AffineMap outMap = AffineMap::get(5, 0,
                                    {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                                     getAffineDimExpr(2, ctx), getAffineDimExpr(3, ctx)},
                                    ctx);
  SmallVector<utils::IteratorType> iters(5, utils::IteratorType::parallel);
  iters[4] = utils::IteratorType::reduction;
  auto g = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{lhs, rhs}, ValueRange{init},
      {lhsMap, rhsMap, outMap}, iters, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value x = a[0], y = a[1];
        if (acc != et) {
          x = arith::ExtFOp::create(nb, l, acc, x);
          y = arith::ExtFOp::create(nb, l, acc, y);
        }
        Value r = arith::AddFOp::create(nb, l, a[2], arith::MulFOp::create(nb, l, x, y));
        linalg::YieldOp::create(nb, l, r);
      });
  if (acc == et)
    return g.getResult(0);
  return buildElementwise(b, loc, RankedTensorType::get(outShape, et), {g.getResult(0)},
                          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            return arith::TruncFOp::create(nb, l, et, a[0]);
                          });
}

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    if (Value cos = adaptor.getRotaryCos()) {
      // Rotate q and the new keys first; RotaryLowering lowers these.
      Value sin = adaptor.getRotarySin();
      auto dim = rewriter.getI64IntegerAttr(op.getRotaryDim());
      UnitAttr inter = op.getRotaryInterleavedAttr();
      q = RotaryEmbeddingOp::create(rewriter, loc, q.getType(), q, cos, sin, dim, inter);
      k = RotaryEmbeddingOp::create(rewriter, loc, k.getType(), k, cos, sin, dim, inter);
    }
    if (adaptor.getPastKey()) {
      k = concatSeq(rewriter, loc, adaptor.getPastKey(), k);
      v = concatSeq(rewriter, loc, adaptor.getPastValue(), v);
    }
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    Type et = qt.getElementType();
    int64_t B = qt.getDimSize(0), Hq = qt.getDimSize(1), S = qt.getDimSize(2);
    int64_t T = kt.getDimSize(2), Dv = vt.getDimSize(3);
    int64_t group = Hq / kt.getDimSize(1);
    int64_t past = adaptor.getPastKey()
                       ? cast<RankedTensorType>(adaptor.getPastKey().getType()).getDimSize(2)
                       : 0;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineExpr kvHead = d(1).floorDiv(group);

    // scores[b, h, i, j] = sum_r q[b, h, i, r] * k[b, h/g, j, r]
    Value scores = headContraction(
        rewriter, loc, q, k, AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
        AffineMap::get(5, 0, {d(0), kvHead, d(3), d(4)}, ctx), {B, Hq, S, T}, et);

    double scale = op.getScale().convertToDouble();
    double softcap = op.getSoftcap().convertToDouble();
    bool causal = op.getCausal();
    Value mask = adaptor.getMask();
    bool boolMask = mask && cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1);
    SmallVector<Value> operands = {scores};
    if (mask)
      operands.push_back(mask);
    auto scoreType = RankedTensorType::get({B, Hq, S, T}, et);
    Value logits = buildElementwise(
        rewriter, loc, scoreType, operands, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value s = arith::MulFOp::create(b, l, a[0], scalarConst(b, l, et, scale));
          if (softcap > 0) {
            Value c = scalarConst(b, l, et, softcap);
            s = arith::MulFOp::create(
                b, l, c, math::TanhOp::create(b, l, arith::DivFOp::create(b, l, s, c)));
          }
          Value negInf = scalarConst(b, l, et, -INFINITY);
          if (mask && boolMask)
            s = arith::SelectOp::create(b, l, a[1], s, negInf);
          else if (mask)
            s = arith::AddFOp::create(b, l, s, a[1]);
          if (causal) {
            // query i sees key j when j <= i + past
            Value i = linalg::IndexOp::create(b, l, 2);
            Value j = linalg::IndexOp::create(b, l, 3);
            Value limit = arith::AddIOp::create(b, l, i, arith::ConstantIndexOp::create(b, l, past));
            Value visible = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, j, limit);
            s = arith::SelectOp::create(b, l, visible, s, negInf);
          }
          return s;
        });
    Value probs = buildSoftmax(rewriter, loc, logits, 3, /*log=*/false,
                               /*zeroMaskedRows=*/true);

    // out[b, h, i, e] = sum_j p[b, h, i, j] * v[b, h/g, j, e]
    Value out = headContraction(
        rewriter, loc, probs, v, AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
        AffineMap::get(5, 0, {d(0), kvHead, d(4), d(3)}, ctx), {B, Hq, S, Dv}, et);
    SmallVector<Value> results = {out};
    if (!op.getPresents().empty()) {
      results.push_back(k);
      results.push_back(v);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct RotaryLowering : OpConversionPattern<RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RotaryEmbeddingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    Value x = adaptor.getInput(), cos = adaptor.getCos(), sin = adaptor.getSin();
    auto ct = cast<RankedTensorType>(cos.getType());
    int64_t rd = op.getRotaryDim(), half = rd / 2;
    bool interleaved = op.getInterleaved();
    // cos/sin broadcast over [B, S, half] from the right.
    int64_t cRank = ct.getRank();
    Value init = emptyTensor(rewriter, loc, type.getShape(), type.getElementType());
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        {AffineMap::getMultiDimIdentityMap(4, ctx)},
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
          Value bi = linalg::IndexOp::create(b, l, 0), hi = linalg::IndexOp::create(b, l, 1);
          Value si = linalg::IndexOp::create(b, l, 2), di = linalg::IndexOp::create(b, l, 3);
          Value inRot = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, di, idx(rd));
          Value pair, partner, negate;
          if (interleaved) {
            pair = arith::DivUIOp::create(b, l, di, idx(2));
            Value odd = arith::RemUIOp::create(b, l, di, idx(2));
            negate = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, odd, idx(0));
            partner = arith::SelectOp::create(b, l, negate, arith::AddIOp::create(b, l, di, idx(1)),
                                              arith::SubIOp::create(b, l, di, idx(1)));
          } else {
            negate = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, di, idx(half));
            pair = arith::SelectOp::create(b, l, negate, di, arith::SubIOp::create(b, l, di, idx(half)));
            partner = arith::SelectOp::create(b, l, negate, arith::AddIOp::create(b, l, di, idx(half)),
                                              arith::SubIOp::create(b, l, di, idx(half)));
          }
          // Outside the rotary part, read safe indices; the result is x there.
          pair = arith::SelectOp::create(b, l, inRot, pair, idx(0));
          partner = arith::SelectOp::create(b, l, inRot, partner, di);
          Value xd = tensor::ExtractOp::create(b, l, x, ValueRange{bi, hi, si, di});
          Value xp = tensor::ExtractOp::create(b, l, x, ValueRange{bi, hi, si, partner});
          SmallVector<Value> cIdx;
          Value full[3] = {bi, si, pair};
          for (int64_t k = 0; k < cRank; ++k) {
            int64_t fromRight = cRank - 1 - k;
            Value want = full[2 - fromRight];
            cIdx.push_back(ct.getDimSize(k) == 1 && fromRight != 0 ? idx(0) : want);
          }
          Value c = tensor::ExtractOp::create(b, l, cos, cIdx);
          Value s = tensor::ExtractOp::create(b, l, sin, cIdx);
          Value ps = arith::MulFOp::create(b, l, xp, s);
          ps = arith::SelectOp::create(b, l, negate, arith::NegFOp::create(b, l, ps), ps);
          Value rot = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, xd, c), ps);
          linalg::YieldOp::create(b, l, Value(arith::SelectOp::create(b, l, inRot, rot, xd)));
        });
    rewriter.replaceOp(op, g.getResult(0));
    return success();
  }
};

} // namespace

void populateAttentionLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<AttentionLowering, RotaryLowering>(tc, p.getContext());
}

} // namespace kiln
