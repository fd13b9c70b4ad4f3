//===- QuantLowering.cpp - quantize/dequantize to linalg --------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace kiln {
namespace {

/// A per-channel scale/zero point [C] on `axis` reshaped to [C, 1, ...] so it
/// broadcasts numpy-style against the input; scalars stay as they are.
Value alignChannels(OpBuilder &b, Location loc, Value param, int64_t axis,
                    int64_t rank) {
  auto t = cast<RankedTensorType>(param.getType());
  if (t.getNumElements() == 1)
    return reshapeTensor(b, loc, param, {});
  SmallVector<int64_t> shape = {t.getDimSize(0)};
  shape.append(rank - 1 - axis, 1);
  return reshapeTensor(b, loc, param, shape);
}

/// The op's scale and zero point, aligned to broadcast against its input.
template <typename OpTy>
std::pair<Value, Value> alignedParams(OpBuilder &b, OpTy op,
                                      typename OpTy::Adaptor adaptor) {
  int64_t rank = op.getInput().getType().getRank();
  return {alignChannels(b, op.getLoc(), adaptor.getScale(), op.getAxis(), rank),
          alignChannels(b, op.getLoc(), adaptor.getZeroPoint(), op.getAxis(), rank)};
}

/// clamp(roundeven(v), qmin, qmax) converted to the quantized type.
Value saturate(OpBuilder &b, Location l, Value v, const ElemInfo &q) {
  Type ft = v.getType();
  unsigned w = q.type.getIntOrFloatBitWidth();
  double lo = q.isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
  double hi = q.isUnsigned ? std::ldexp(1.0, w) - 1 : std::ldexp(1.0, w - 1) - 1;
  v = arith::MaximumFOp::create(b, l, v, scalarConst(b, l, ft, lo));
  v = arith::MinimumFOp::create(b, l, v, scalarConst(b, l, ft, hi));
  return convertScalar(b, l, v, ElemInfo::of(ft), q);
}

struct QuantizeLowering : OpConversionPattern<QuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(QuantizeLinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto [scale, zp] = alignedParams(rewriter, op, adaptor);
    ElemInfo q = ElemInfo::of(op.getType().getElementType());
    ElemInfo f = ElemInfo::of(op.getInput().getType().getElementType());
    Value y = buildElementwise(
        rewriter, loc, signlessTensor(op.getType()), {adaptor.getInput(), scale, zp},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value r = math::RoundEvenOp::create(b, l, arith::DivFOp::create(b, l, a[0], a[1]));
          r = arith::AddFOp::create(b, l, r, convertScalar(b, l, a[2], q, f));
          return saturate(b, l, r, q);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DequantizeLinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto [scale, zp] = alignedParams(rewriter, op, adaptor);
    ElemInfo q = ElemInfo::of(op.getInput().getType().getElementType());
    ElemInfo f = ElemInfo::of(op.getType().getElementType());
    ElemInfo i32 = ElemInfo::of(rewriter.getI32Type());
    Value y = buildElementwise(
        rewriter, loc, op.getType(), {adaptor.getInput(), scale, zp},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          // (x - zp) is exact in i32 for every supported quantized type.
          Value d = arith::SubIOp::create(b, l, convertScalar(b, l, a[0], q, i32),
                                          convertScalar(b, l, a[2], q, i32));
          return arith::MulFOp::create(b, l, convertScalar(b, l, d, i32, f), a[1]);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct DynamicQuantizeLowering : OpConversionPattern<DynamicQuantizeLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DynamicQuantizeLinearOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    Type f32 = xt.getElementType();
    ElemInfo u8 = ElemInfo::of(op.getResult().getType().getElementType());
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < xt.getRank(); ++d)
      all.push_back(d);
    Value mn = buildReduction(rewriter, loc, x, all,
                              scalarConst(rewriter, loc, f32, INFINITY), combine::minF);
    Value mx = buildReduction(rewriter, loc, x, all,
                              scalarConst(rewriter, loc, f32, -INFINITY), combine::maxF);
    auto scalarF = RankedTensorType::get({}, f32);
    // The range always includes 0 and maps onto [0, 255].
    Value scale = buildElementwise(rewriter, loc, scalarF, {mn, mx},
                                   [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                     Value zero = scalarConst(b, l, f32, 0);
                                     Value lo = arith::MinimumFOp::create(b, l, a[0], zero);
                                     Value hi = arith::MaximumFOp::create(b, l, a[1], zero);
                                     return arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, hi, lo),
                                                                  scalarConst(b, l, f32, 255));
                                   });
    Value zpF = buildElementwise(rewriter, loc, scalarF, {mn, scale},
                                 [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                   Value lo = arith::MinimumFOp::create(b, l, a[0], scalarConst(b, l, f32, 0));
                                   Value z = arith::NegFOp::create(b, l, arith::DivFOp::create(b, l, lo, a[1]));
                                   z = arith::MaximumFOp::create(b, l, z, scalarConst(b, l, f32, 0));
                                   z = arith::MinimumFOp::create(b, l, z, scalarConst(b, l, f32, 255));
                                   return math::RoundEvenOp::create(b, l, z);
                                 });
    Value y = buildElementwise(rewriter, loc, signlessTensor(op.getResult().getType()),
                               {x, scale, zpF}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 Value r = math::RoundEvenOp::create(b, l, arith::DivFOp::create(b, l, a[0], a[1]));
                                 return saturate(b, l, arith::AddFOp::create(b, l, r, a[2]), u8);
                               });
    Value zp = buildElementwise(rewriter, loc, signlessTensor(op.getZeroPoint().getType()),
                                {zpF}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                  return saturate(b, l, a[0], u8);
                                });
    rewriter.replaceOp(op, {y, scale, zp});
    return success();
  }
};

} // namespace

void populateQuantLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  p.add<QuantizeLowering, DequantizeLowering, DynamicQuantizeLowering>(tc, p.getContext());
}

} // namespace kiln
