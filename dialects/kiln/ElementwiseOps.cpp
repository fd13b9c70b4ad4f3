//===- ElementwiseOps.cpp - shape rules and folders of elementwise ops -----===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"

#include <cmath>

using namespace mlir;
using namespace kiln;

//===----------------------------------------------------------------------===//
// Shape rules
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ArrayRef<Value> operands, Type elementType,
                                    SmallVectorImpl<Type> &results) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    auto next = broadcastShapes(shape, t.getShape());
    if (!next) {
      if (loc)
        mlir::emitError(*loc) << "operand shapes do not broadcast: "
                        << shapeToString(shape) << " vs "
                        << shapeToString(t.getShape());
      return failure();
    }
    shape = std::move(*next);
  }
  results.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

#define KILN_BINARY_INFER(OP)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    Type et = cast<RankedTensorType>(adaptor.getLhs().getType()).getElementType(); \
    return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()}, et,       \
                          results);                                            \
  }
KILN_BINARY_INFER(AddOp)
KILN_BINARY_INFER(SubOp)
KILN_BINARY_INFER(MulOp)
KILN_BINARY_INFER(DivOp)
KILN_BINARY_INFER(PowOp)
KILN_BINARY_INFER(MaxOp)
KILN_BINARY_INFER(MinOp)
KILN_BINARY_INFER(ModOp)
KILN_BINARY_INFER(RemOp)
KILN_BINARY_INFER(AndOp)
KILN_BINARY_INFER(OrOp)
KILN_BINARY_INFER(XorOp)
#undef KILN_BINARY_INFER

LogicalResult CmpOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()},
                        IntegerType::get(ctx, 1), results);
}

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getResult().getType().getShape())
    return emitOpError("changes the shape from ")
           << shapeToString(getInput().getType().getShape()) << " to "
           << shapeToString(getResult().getType().getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

namespace {
using FloatFn = std::optional<double> (*)(double, double);
using IntFn = std::optional<int64_t> (*)(int64_t, int64_t, bool isUnsigned);
} // namespace

static bool isUnsignedType(Type t) {
  auto it = dyn_cast<IntegerType>(t);
  return it && it.isUnsigned();
}

/// Evaluates a broadcasting binary op on constant operands.
static OpFoldResult foldBinary(Type resultType, Attribute lhsAttr,
                               Attribute rhsAttr, FloatFn ff, IntFn fi) {
  auto resultTy = dyn_cast<RankedTensorType>(resultType);
  if (!resultTy || !resultTy.hasStaticShape() || !lhsAttr || !rhsAttr)
    return {};
  auto lhsSplat = dyn_cast<SplatElementsAttr>(lhsAttr);
  auto rhsSplat = dyn_cast<SplatElementsAttr>(rhsAttr);
  bool splat = lhsSplat && rhsSplat;
  if (!splat && resultTy.getNumElements() > kMaxFoldElements)
    return {};
  auto scalarOf = [](SplatElementsAttr s) {
    auto t = RankedTensorType::get({}, s.getElementType());
    return SplatElementsAttr::get(t, s.getSplatValue<Attribute>());
  };
  auto lhs = HostTensor::fromAttr(splat ? scalarOf(lhsSplat) : lhsAttr);
  auto rhs = HostTensor::fromAttr(splat ? scalarOf(rhsSplat) : rhsAttr);
  if (!lhs || !rhs)
    return {};
  Type operandElem = lhs->elementType();
  bool isUnsigned = isUnsignedType(operandElem);
  SmallVector<int64_t> outShape =
      splat ? SmallVector<int64_t>{} : llvm::to_vector(resultTy.getShape());
  HostTensor out(resultTy.getElementType(), outShape);
  bool ok = true;
  forEachBroadcastIndex(outShape, {lhs->shape(), rhs->shape()},
                        [&](int64_t r, ArrayRef<int64_t> in) {
                          if (!ok)
                            return;
                          if (lhs->isFloat()) {
                            auto v = ff(lhs->getF(in[0]), rhs->getF(in[1]));
                            if (!v) {
                              ok = false;
                              return;
                            }
                            out.setF(r, *v);
                          } else {
                            auto v = fi(lhs->getI(in[0]), rhs->getI(in[1]),
                                        isUnsigned);
                            if (!v) {
                              ok = false;
                              return;
                            }
                            out.setI(r, *v);
                          }
                        });
  if (!ok)
    return {};
  DenseElementsAttr result = out.toAttr();
  if (splat)
    return SplatElementsAttr::get(resultTy, result.getSplatValue<Attribute>());
  return result;
}

static std::optional<int64_t> floorMod(int64_t a, int64_t b) {
  if (b == 0)
    return std::nullopt;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return x + y; },
      [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
        return (int64_t)((uint64_t)x + (uint64_t)y);
      });
}

OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return x - y; },
      [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
        return (int64_t)((uint64_t)x - (uint64_t)y);
      });
}

OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return x * y; },
      [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
        return (int64_t)((uint64_t)x * (uint64_t)y);
      });
}

OpFoldResult DivOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return x / y; },
      [](int64_t x, int64_t y, bool isUnsigned) -> std::optional<int64_t> {
        if (y == 0 || (x == INT64_MIN && y == -1))
          return std::nullopt;
        if (isUnsigned)
          return (int64_t)((uint64_t)x / (uint64_t)y);
        return x / y;
      });
}

OpFoldResult PowOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return std::pow(x, y); },
      [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
        if (y < 0)
          return std::nullopt;
        int64_t r = 1;
        for (int64_t k = 0; k < y && k < 64; ++k)
          r = (int64_t)((uint64_t)r * (uint64_t)x);
        return r;
      });
}

OpFoldResult MaxOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> {
        return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
      },
      [](int64_t x, int64_t y, bool u) -> std::optional<int64_t> {
        return u ? (int64_t)std::max((uint64_t)x, (uint64_t)y) : std::max(x, y);
      });
}

OpFoldResult MinOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> {
        return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
      },
      [](int64_t x, int64_t y, bool u) -> std::optional<int64_t> {
        return u ? (int64_t)std::min((uint64_t)x, (uint64_t)y) : std::min(x, y);
      });
}

OpFoldResult ModOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> {
        double r = std::fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0)))
          r += y;
        return r;
      },
      [](int64_t x, int64_t y, bool) { return floorMod(x, y); });
}

OpFoldResult RemOp::fold(FoldAdaptor a) {
  return foldBinary(
      getType(), a.getLhs(), a.getRhs(),
      [](double x, double y) -> std::optional<double> { return std::fmod(x, y); },
      [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
        if (y == 0 || (x == INT64_MIN && y == -1))
          return std::nullopt;
        return x % y;
      });
}

OpFoldResult AndOp::fold(FoldAdaptor a) {
  return foldBinary(getType(), a.getLhs(), a.getRhs(), nullptr,
                    [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
                      return x && y;
                    });
}

OpFoldResult OrOp::fold(FoldAdaptor a) {
  return foldBinary(getType(), a.getLhs(), a.getRhs(), nullptr,
                    [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
                      return x || y;
                    });
}

OpFoldResult XorOp::fold(FoldAdaptor a) {
  return foldBinary(getType(), a.getLhs(), a.getRhs(), nullptr,
                    [](int64_t x, int64_t y, bool) -> std::optional<int64_t> {
                      return (x != 0) != (y != 0);
                    });
}

template <typename Cmp>
static std::optional<int64_t> compareInts(int64_t x, int64_t y, bool isUnsigned,
                                          Cmp cmp) {
  if (isUnsigned)
    return cmp((uint64_t)x, (uint64_t)y);
  return cmp(x, y);
}

OpFoldResult CmpOp::fold(FoldAdaptor a) {
  // Captureless lambdas per predicate keep foldBinary's plain function types.
  switch (getPredicate()) {
  case ComparePredicate::eq:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x == y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p == q; });
        });
  case ComparePredicate::ne:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x != y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p != q; });
        });
  case ComparePredicate::lt:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x < y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p < q; });
        });
  case ComparePredicate::le:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x <= y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p <= q; });
        });
  case ComparePredicate::gt:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x > y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p > q; });
        });
  case ComparePredicate::ge:
    return foldBinary(
        getType(), a.getLhs(), a.getRhs(),
        [](double x, double y) -> std::optional<double> { return x >= y; },
        [](int64_t x, int64_t y, bool u) {
          return compareInts(x, y, u, [](auto p, auto q) { return p >= q; });
        });
  }
  return {};
}

/// Folds a unary op elementwise; splats stay splats.
template <typename Fn>
static OpFoldResult foldUnary(Type resultType, Attribute input, Fn fn) {
  auto resultTy = dyn_cast<RankedTensorType>(resultType);
  if (!resultTy || !input)
    return {};
  if (auto splat = dyn_cast<SplatElementsAttr>(input)) {
    auto scalarTy = RankedTensorType::get({}, splat.getElementType());
    auto in = HostTensor::fromAttr(
        SplatElementsAttr::get(scalarTy, splat.getSplatValue<Attribute>()));
    if (!in)
      return {};
    HostTensor out(resultTy.getElementType(), {});
    if (!fn(*in, out, 0))
      return {};
    return SplatElementsAttr::get(resultTy,
                                  out.toAttr().getSplatValue<Attribute>());
  }
  auto in = HostTensor::fromAttr(input);
  if (!in)
    return {};
  HostTensor out(resultTy.getElementType(), resultTy.getShape());
  for (int64_t k = 0; k < in->size(); ++k)
    if (!fn(*in, out, k))
      return {};
  return out.toAttr();
}

OpFoldResult NegOp::fold(FoldAdaptor a) {
  return foldUnary(getType(), a.getInput(),
                   [](const HostTensor &in, HostTensor &out, int64_t k) {
                     if (in.isFloat())
                       out.setF(k, -in.getF(k));
                     else
                       out.setI(k, (int64_t)(0 - (uint64_t)in.getI(k)));
                     return true;
                   });
}

OpFoldResult AbsOp::fold(FoldAdaptor a) {
  return foldUnary(getType(), a.getInput(),
                   [](const HostTensor &in, HostTensor &out, int64_t k) {
                     if (in.isFloat())
                       out.setF(k, std::fabs(in.getF(k)));
                     else
                       out.setI(k, in.getI(k) < 0 ? -in.getI(k) : in.getI(k));
                     return true;
                   });
}

OpFoldResult NotOp::fold(FoldAdaptor a) {
  return foldUnary(getType(), a.getInput(),
                   [](const HostTensor &in, HostTensor &out, int64_t k) {
                     out.setI(k, in.getI(k) == 0);
                     return true;
                   });
}

OpFoldResult SqrtOp::fold(FoldAdaptor a) {
  return foldUnary(getType(), a.getInput(),
                   [](const HostTensor &in, HostTensor &out, int64_t k) {
                     out.setF(k, std::sqrt(in.getF(k)));
                     return true;
                   });
}

OpFoldResult CastOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  Type to = getType().getElementType();
  return foldUnary(getType(), a.getInput(),
                   [to](const HostTensor &in, HostTensor &out, int64_t k) {
                     if (to.isInteger(1)) {
                       out.setI(k, in.isFloat() ? in.getF(k) != 0.0
                                                : in.getI(k) != 0);
                     } else if (out.isFloat()) {
                       out.setF(k, in.getF(k));
                     } else if (in.isFloat()) {
                       double v = in.getF(k);
                       if (!std::isfinite(v))
                         return false;
                       out.setI(k, (int64_t)std::trunc(v));
                     } else {
                       out.setI(k, in.getI(k));
                     }
                     return true;
                   });
}
