//===- LoweringUtils.cpp - building blocks for kiln -> linalg --------------===//
#include "passes/KilnToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln {

ElemInfo ElemInfo::of(Type t) {
  ElemInfo e;
  e.type = signless(t);
  e.isFloat = isa<FloatType>(t);
  if (auto it = dyn_cast<IntegerType>(t)) {
    e.isUnsigned = it.isUnsigned();
    e.isBool = it.getWidth() == 1;
  }
  return e;
}

Type signless(Type t) {
  if (auto it = dyn_cast<IntegerType>(t))
    if (!it.isSignless())
      return IntegerType::get(t.getContext(), it.getWidth());
  return t;
}

RankedTensorType signlessTensor(Type t) {
  auto rt = cast<RankedTensorType>(t);
  return rt.clone(signless(rt.getElementType()));
}

KilnTypeConverter::KilnTypeConverter() {
  addConversion([](Type t) { return t; });
  addConversion([](RankedTensorType t) -> Type { return signlessTensor(t); });
  auto cast = [](OpBuilder &b, Type to, ValueRange inputs, Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, to, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape) {
  size_t offset = resultShape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t d = 0; d < operandShape.size(); ++d) {
    bool stretched = operandShape[d] == 1 && resultShape[d + offset] != 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d + offset, ctx));
  }
  return AffineMap::get(resultShape.size(), 0, exprs, ctx);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elem) {
  return tensor::EmptyOp::create(b, loc, shape, elem);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value init) {
  Value empty = emptyTensor(b, loc, shape, init.getType());
  return linalg::FillOp::create(b, loc, init, empty).getResult(0);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(v.getType()).getShape(), shape));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
  SmallVector<utils::IteratorType> iters(shape.size(),
                                         utils::IteratorType::parallel);
  Value init = emptyTensor(b, loc, shape, resultType.getElementType());
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return op.getResult(0);
}

namespace combine {
Value addF(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::AddFOp::create(b, l, x, acc);
}
Value addI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::AddIOp::create(b, l, x, acc);
}
Value addSquareF(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, x, x));
}
Value addSquareI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::AddIOp::create(b, l, acc, arith::MulIOp::create(b, l, x, x));
}
Value mulF(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MulFOp::create(b, l, x, acc);
}
Value mulI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MulIOp::create(b, l, x, acc);
}
Value maxF(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MaximumFOp::create(b, l, x, acc);
}
Value minF(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MinimumFOp::create(b, l, x, acc);
}
Value maxSI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MaxSIOp::create(b, l, x, acc);
}
Value maxUI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MaxUIOp::create(b, l, x, acc);
}
Value minSI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MinSIOp::create(b, l, x, acc);
}
Value minUI(OpBuilder &b, Location l, Value x, Value acc) {
  return arith::MinUIOp::create(b, l, x, acc);
}
} // namespace combine

Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> axes, Value init, CombineFn combine) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    if (!reduced) {
      outShape.push_back(inType.getDimSize(d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
  }
  Value acc = filledTensor(b, loc, outShape, init);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{input}, ValueRange{acc},
      maps, iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args[0], args[1]));
      });
  return op.getResult(0);
}

Type accumulatorType(Type t) {
  if (t.isF16() || t.isBF16())
    return Float32Type::get(t.getContext());
  return t;
}

Value buildSoftmax(OpBuilder &b, Location loc, Value x, int64_t axis, bool log,
                   bool zeroMaskedRows) {
  auto type = cast<RankedTensorType>(x.getType());
  Type et = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = {axis};
  auto reduceKeep = [&](Value v, Value init, CombineFn fn) {
    return expandReducedDims(b, loc, buildReduction(b, loc, v, axes, init, fn),
                             axes, rank);
  };
  Value m = reduceKeep(x, scalarConst(b, loc, et, -INFINITY), combine::maxF);
  Value shifted = buildElementwise(b, loc, type, {x, m},
                                   [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                                     Value max = a[1];
                                     if (zeroMaskedRows) {
                                       // exp(-inf - 0) = 0 instead of exp(NaN)
                                       Value negInf = scalarConst(nb, l, et, -INFINITY);
                                       Value allMasked = arith::CmpFOp::create(
                                           nb, l, arith::CmpFPredicate::OEQ, max, negInf);
                                       max = arith::SelectOp::create(
                                           nb, l, allMasked, scalarConst(nb, l, et, 0), max);
                                     }
                                     return arith::SubFOp::create(nb, l, a[0], max);
                                   });
  Value e = buildElementwise(b, loc, type, {shifted},
                             [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                               return math::ExpOp::create(nb, l, a[0]);
                             });
  Value s = reduceKeep(e, scalarConst(b, loc, et, 0), combine::addF);
  if (log)
    return buildElementwise(b, loc, type, {shifted, s},
                            [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                              return arith::SubFOp::create(nb, l, a[0],
                                                           math::LogOp::create(nb, l, a[1]));
                            });
  return buildElementwise(b, loc, type, {e, s},
                          [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                            Value p = arith::DivFOp::create(nb, l, a[0], a[1]);
                            if (!zeroMaskedRows)
                              return p;
                            Value zero = scalarConst(nb, l, et, 0);
                            Value empty = arith::CmpFOp::create(
                                nb, l, arith::CmpFPredicate::OEQ, a[1], zero);
                            return arith::SelectOp::create(nb, l, empty, zero, p);
                          });
}

Value expandReducedDims(OpBuilder &b, Location loc, Value reduced,
                        ArrayRef<int64_t> axes, int64_t fullRank) {
  auto t = cast<RankedTensorType>(reduced.getType());
  SmallVector<int64_t> shape;
  int64_t k = 0;
  for (int64_t d = 0; d < fullRank; ++d)
    shape.push_back(llvm::is_contained(axes, d) ? 1 : t.getDimSize(k++));
  return reshapeTensor(b, loc, reduced, shape);
}

Value reshapeTensor(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getShape() == shape)
    return x;
  Type et = t.getElementType();
  auto target = RankedTensorType::get(shape, et);
  auto allDims = [](int64_t rank) {
    SmallVector<ReassociationIndices> assoc(1);
    for (int64_t d = 0; d < rank; ++d)
      assoc[0].push_back(d);
    return assoc;
  };
  // Rank 0 <-> all-ones shapes take an empty reassociation.
  if (t.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, target, x,
                                         ArrayRef<ReassociationIndices>{});
  if (target.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, target, x,
                                           ArrayRef<ReassociationIndices>{});
  // Otherwise flatten to 1-D and expand again; both are views, not copies.
  Value flat = x;
  if (t.getRank() != 1)
    flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({t.getNumElements()}, et), x,
        allDims(t.getRank()));
  if (target.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, target, flat,
                                       allDims(target.getRank()));
}

Value scalarConst(OpBuilder &b, Location loc, Type t, double v) {
  if (auto ft = dyn_cast<FloatType>(t))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, v));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, (int64_t)v));
}

Value lowestValue(OpBuilder &b, Location loc, const ElemInfo &e) {
  if (e.isFloat)
    return scalarConst(b, loc, e.type, -std::numeric_limits<double>::infinity());
  unsigned w = e.type.getIntOrFloatBitWidth();
  APInt v = e.isUnsigned || e.isBool ? APInt::getMinValue(w)
                                     : APInt::getSignedMinValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(e.type, v));
}

Value highestValue(OpBuilder &b, Location loc, const ElemInfo &e) {
  if (e.isFloat)
    return scalarConst(b, loc, e.type, std::numeric_limits<double>::infinity());
  unsigned w = e.type.getIntOrFloatBitWidth();
  APInt v = e.isUnsigned || e.isBool ? APInt::getMaxValue(w)
                                     : APInt::getSignedMaxValue(w);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(e.type, v));
}

Value convertScalar(OpBuilder &b, Location loc, Value v, const ElemInfo &from,
                    const ElemInfo &to) {
  if (from.type == to.type)
    return v;
  if (to.isBool) {
    Value zero = scalarConst(b, loc, from.type, 0);
    if (from.isFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (from.isFloat && to.isFloat) {
    if (from.type.getIntOrFloatBitWidth() < to.type.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, to.type, v);
    if (from.type.getIntOrFloatBitWidth() > to.type.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, to.type, v);
    // f16 <-> bf16 go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, to.type, wide);
  }
  if (from.isFloat) {
    if (to.isUnsigned)
      return arith::FPToUIOp::create(b, loc, to.type, v);
    return arith::FPToSIOp::create(b, loc, to.type, v);
  }
  bool srcUnsigned = from.isUnsigned || from.isBool;
  if (to.isFloat) {
    if (srcUnsigned)
      return arith::UIToFPOp::create(b, loc, to.type, v);
    return arith::SIToFPOp::create(b, loc, to.type, v);
  }
  unsigned fw = from.type.getIntOrFloatBitWidth(), tw = to.type.getIntOrFloatBitWidth();
  if (fw < tw) {
    if (srcUnsigned)
      return arith::ExtUIOp::create(b, loc, to.type, v);
    return arith::ExtSIOp::create(b, loc, to.type, v);
  }
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, to.type, v);
  return v; // same width, signedness differs only in the kiln type
}

} // namespace kiln
