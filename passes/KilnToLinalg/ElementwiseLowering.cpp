//===- ElementwiseLowering.cpp - elementwise kiln ops to linalg.generic ----===//
#include "dialects/kiln/KilnOps.h"
#include "passes/KilnToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;

namespace kiln {
namespace {

/// Scalar code for one element: operand info (of operand 0) and the values.
using ScalarFn = Value (*)(OpBuilder &, Location, const ElemInfo &, ValueRange);

template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  ElementwiseLowering(TypeConverter &tc, MLIRContext *ctx, ScalarFn fn)
      : OpConversionPattern<OpTy>(tc, ctx), fn(fn) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = signlessTensor(op->getResult(0).getType());
    ElemInfo info = ElemInfo::of(
        cast<RankedTensorType>(op->getOperand(0).getType()).getElementType());
    Value v = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return fn(b, loc, info, args);
        });
    rewriter.replaceOp(op, v);
    return success();
  }
  ScalarFn fn;
};

Value add(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return e.isFloat ? arith::AddFOp::create(b, l, a[0], a[1]).getResult()
                   : arith::AddIOp::create(b, l, a[0], a[1]).getResult();
}
Value sub(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return e.isFloat ? arith::SubFOp::create(b, l, a[0], a[1]).getResult()
                   : arith::SubIOp::create(b, l, a[0], a[1]).getResult();
}
Value mul(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return e.isFloat ? arith::MulFOp::create(b, l, a[0], a[1]).getResult()
                   : arith::MulIOp::create(b, l, a[0], a[1]).getResult();
}
Value div(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::DivFOp::create(b, l, a[0], a[1]);
  if (e.isUnsigned)
    return arith::DivUIOp::create(b, l, a[0], a[1]);
  return arith::DivSIOp::create(b, l, a[0], a[1]);
}
Value pow(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return math::PowFOp::create(b, l, a[0], a[1]);
  return math::IPowIOp::create(b, l, a[0], a[1]);
}
Value max(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::MaximumFOp::create(b, l, a[0], a[1]);
  if (e.isUnsigned)
    return arith::MaxUIOp::create(b, l, a[0], a[1]);
  return arith::MaxSIOp::create(b, l, a[0], a[1]);
}
Value min(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::MinimumFOp::create(b, l, a[0], a[1]);
  if (e.isUnsigned)
    return arith::MinUIOp::create(b, l, a[0], a[1]);
  return arith::MinSIOp::create(b, l, a[0], a[1]);
}
Value rem(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::RemFOp::create(b, l, a[0], a[1]);
  if (e.isUnsigned)
    return arith::RemUIOp::create(b, l, a[0], a[1]);
  return arith::RemSIOp::create(b, l, a[0], a[1]);
}
/// Floored modulo: the truncated remainder, moved into the divisor's sign.
Value mod(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  Value r = rem(b, l, e, a);
  if (e.isUnsigned)
    return r;
  Value zero = scalarConst(b, l, e.type, 0);
  Value rNeg, dNeg, rNonZero;
  if (e.isFloat) {
    rNeg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, r, zero);
    dNeg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, a[1], zero);
    rNonZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::ONE, r, zero);
  } else {
    rNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, r, zero);
    dNeg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, a[1], zero);
    rNonZero = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, r, zero);
  }
  Value signsDiffer = arith::XOrIOp::create(b, l, rNeg, dNeg);
  Value fix = arith::AndIOp::create(b, l, signsDiffer, rNonZero);
  Value adjusted = add(b, l, e, {r, a[1]});
  return arith::SelectOp::create(b, l, fix, adjusted, r);
}
Value land(OpBuilder &b, Location l, const ElemInfo &, ValueRange a) {
  return arith::AndIOp::create(b, l, a[0], a[1]);
}
Value lor(OpBuilder &b, Location l, const ElemInfo &, ValueRange a) {
  return arith::OrIOp::create(b, l, a[0], a[1]);
}
Value lxor(OpBuilder &b, Location l, const ElemInfo &, ValueRange a) {
  return arith::XOrIOp::create(b, l, a[0], a[1]);
}

Value neg(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::NegFOp::create(b, l, a[0]);
  return arith::SubIOp::create(b, l, scalarConst(b, l, e.type, 0), a[0]);
}
Value abs(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return math::AbsFOp::create(b, l, a[0]);
  if (e.isUnsigned)
    return a[0];
  return math::AbsIOp::create(b, l, a[0]);
}
Value sign(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  Value zero = scalarConst(b, l, e.type, 0);
  Value one = scalarConst(b, l, e.type, 1);
  Value minusOne = scalarConst(b, l, e.type, -1);
  Value pos, neg;
  if (e.isFloat) {
    pos = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[0], zero);
    neg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, a[0], zero);
  } else {
    pos = arith::CmpIOp::create(b, l, e.isUnsigned ? arith::CmpIPredicate::ugt
                                                   : arith::CmpIPredicate::sgt,
                                a[0], zero);
    neg = arith::CmpIOp::create(b, l, e.isUnsigned ? arith::CmpIPredicate::ult
                                                   : arith::CmpIPredicate::slt,
                                a[0], zero);
  }
  Value r = arith::SelectOp::create(b, l, neg, minusOne, zero);
  return arith::SelectOp::create(b, l, pos, one, r);
}
Value relu(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return max(b, l, e, {a[0], scalarConst(b, l, e.type, 0)});
}
Value lnot(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return arith::XOrIOp::create(b, l, a[0], arith::ConstantOp::create(b, l, b.getBoolAttr(true)));
}

template <typename MathOp>
Value unaryMath(OpBuilder &b, Location l, const ElemInfo &, ValueRange a) {
  return MathOp::create(b, l, a[0]);
}
Value reciprocal(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  return arith::DivFOp::create(b, l, scalarConst(b, l, e.type, 1), a[0]);
}
Value sigmoid(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  Value one = scalarConst(b, l, e.type, 1);
  Value ex = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, a[0]));
  return arith::DivFOp::create(b, l, one, arith::AddFOp::create(b, l, one, ex));
}

template <arith::CmpFPredicate F, arith::CmpIPredicate S, arith::CmpIPredicate U>
Value compare(OpBuilder &b, Location l, const ElemInfo &e, ValueRange a) {
  if (e.isFloat)
    return arith::CmpFOp::create(b, l, F, a[0], a[1]);
  return arith::CmpIOp::create(b, l, (e.isUnsigned || e.isBool) ? U : S, a[0], a[1]);
}

struct CmpLowering : OpConversionPattern<CmpOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CmpOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    using F = arith::CmpFPredicate;
    using I = arith::CmpIPredicate;
    ScalarFn fn = nullptr;
    switch (op.getPredicate()) {
    case ComparePredicate::eq: fn = compare<F::OEQ, I::eq, I::eq>; break;
    case ComparePredicate::ne: fn = compare<F::UNE, I::ne, I::ne>; break;
    case ComparePredicate::lt: fn = compare<F::OLT, I::slt, I::ult>; break;
    case ComparePredicate::le: fn = compare<F::OLE, I::sle, I::ule>; break;
    case ComparePredicate::gt: fn = compare<F::OGT, I::sgt, I::ugt>; break;
    case ComparePredicate::ge: fn = compare<F::OGE, I::sge, I::uge>; break;
    }
    ElemInfo info = ElemInfo::of(op.getLhs().getType().getElementType());
    Value v = buildElementwise(rewriter, op.getLoc(), op.getType(),
                               adaptor.getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return fn(b, loc, info, args);
                               });
    rewriter.replaceOp(op, v);
    return success();
  }
};

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ElemInfo from = ElemInfo::of(op.getInput().getType().getElementType());
    ElemInfo to = ElemInfo::of(op.getType().getElementType());
    auto resultType = signlessTensor(op.getType());
    if (from.type == to.type) { // only signedness differs
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    Value v = buildElementwise(rewriter, op.getLoc(), resultType,
                               adaptor.getOperands(),
                               [&](OpBuilder &b, Location loc, ValueRange args) {
                                 return convertScalar(b, loc, args[0], from, to);
                               });
    rewriter.replaceOp(op, v);
    return success();
  }
};

struct WhereLowering : OpConversionPattern<WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WhereOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value v = buildElementwise(
        rewriter, op.getLoc(), signlessTensor(op.getType()), adaptor.getOperands(),
        [](OpBuilder &b, Location loc, ValueRange a) -> Value {
          return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
        });
    rewriter.replaceOp(op, v);
    return success();
  }
};

struct GeluLowering : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    bool useTanh = op.getApproximate() == GeluApproximation::tanh;
    Type et = op.getType().getElementType();
    Value v = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getOperands(),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value x = a[0];
          Value half = scalarConst(b, l, et, 0.5), one = scalarConst(b, l, et, 1);
          Value inner;
          if (useTanh) {
            // sqrt(2/pi) * (x + 0.044715 x^3)
            Value x3 = arith::MulFOp::create(b, l, x, arith::MulFOp::create(b, l, x, x));
            Value poly = arith::AddFOp::create(
                b, l, x, arith::MulFOp::create(b, l, scalarConst(b, l, et, 0.044715), x3));
            inner = math::TanhOp::create(
                b, l, arith::MulFOp::create(b, l, scalarConst(b, l, et, std::sqrt(2.0 / M_PI)), poly));
          } else {
            inner = math::ErfOp::create(
                b, l, arith::MulFOp::create(b, l, x, scalarConst(b, l, et, M_SQRT1_2)));
          }
          Value y = arith::MulFOp::create(b, l, half, x);
          return arith::MulFOp::create(b, l, y, arith::AddFOp::create(b, l, one, inner));
        });
    rewriter.replaceOp(op, v);
    return success();
  }
};

} // namespace

void populateElementwiseLowering(KilnTypeConverter &tc, RewritePatternSet &p) {
  MLIRContext *ctx = p.getContext();
  p.add<ElementwiseLowering<AddOp>>(tc, ctx, add);
  p.add<ElementwiseLowering<SubOp>>(tc, ctx, sub);
  p.add<ElementwiseLowering<MulOp>>(tc, ctx, mul);
  p.add<ElementwiseLowering<DivOp>>(tc, ctx, div);
  p.add<ElementwiseLowering<PowOp>>(tc, ctx, pow);
  p.add<ElementwiseLowering<MaxOp>>(tc, ctx, max);
  p.add<ElementwiseLowering<MinOp>>(tc, ctx, min);
  p.add<ElementwiseLowering<ModOp>>(tc, ctx, mod);
  p.add<ElementwiseLowering<RemOp>>(tc, ctx, rem);
  p.add<ElementwiseLowering<AndOp>>(tc, ctx, land);
  p.add<ElementwiseLowering<OrOp>>(tc, ctx, lor);
  p.add<ElementwiseLowering<XorOp>>(tc, ctx, lxor);
  p.add<ElementwiseLowering<NegOp>>(tc, ctx, neg);
  p.add<ElementwiseLowering<AbsOp>>(tc, ctx, abs);
  p.add<ElementwiseLowering<SignOp>>(tc, ctx, sign);
  p.add<ElementwiseLowering<ReluOp>>(tc, ctx, relu);
  p.add<ElementwiseLowering<NotOp>>(tc, ctx, lnot);
  p.add<ElementwiseLowering<ExpOp>>(tc, ctx, unaryMath<math::ExpOp>);
  p.add<ElementwiseLowering<LogOp>>(tc, ctx, unaryMath<math::LogOp>);
  p.add<ElementwiseLowering<SqrtOp>>(tc, ctx, unaryMath<math::SqrtOp>);
  p.add<ElementwiseLowering<RsqrtOp>>(tc, ctx, unaryMath<math::RsqrtOp>);
  p.add<ElementwiseLowering<TanhOp>>(tc, ctx, unaryMath<math::TanhOp>);
  p.add<ElementwiseLowering<ErfOp>>(tc, ctx, unaryMath<math::ErfOp>);
  p.add<ElementwiseLowering<SinOp>>(tc, ctx, unaryMath<math::SinOp>);
  p.add<ElementwiseLowering<CosOp>>(tc, ctx, unaryMath<math::CosOp>);
  p.add<ElementwiseLowering<FloorOp>>(tc, ctx, unaryMath<math::FloorOp>);
  p.add<ElementwiseLowering<CeilOp>>(tc, ctx, unaryMath<math::CeilOp>);
  p.add<ElementwiseLowering<RoundOp>>(tc, ctx, unaryMath<math::RoundEvenOp>);
  p.add<ElementwiseLowering<ReciprocalOp>>(tc, ctx, reciprocal);
  p.add<ElementwiseLowering<SigmoidOp>>(tc, ctx, sigmoid);
  p.add<CmpLowering, CastLowering, WhereLowering, GeluLowering>(tc, ctx);
}

} // namespace kiln
