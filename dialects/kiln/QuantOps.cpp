//===- QuantOps.cpp - verifiers of the quantization ops --------------------===//
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"

using namespace mlir;
using namespace kiln;

static constexpr int64_t kDyn = ShapedType::kDynamic;

/// Scale/zero-point operands are per tensor (one element) or per channel (1-D
/// with the size of the input's `axis` dim).
static LogicalResult verifyQuantParam(Operation *op, StringRef name,
                                      RankedTensorType input, int64_t axis,
                                      Value param) {
  auto t = cast<RankedTensorType>(param.getType());
  auto n = staticNumElements(t.getShape());
  if (n && *n == 1 && t.getRank() <= 1)
    return success();
  if (t.getRank() != 1)
    return op->emitOpError()
           << name << " must be a scalar or 1-D per-channel, got "
           << shapeToString(t.getShape());
  if (axis < 0 || axis >= input.getRank())
    return op->emitOpError("axis ") << axis << " is outside the input rank "
                                    << input.getRank();
  int64_t dim = input.getDimSize(axis);
  if (dim != kDyn && t.getDimSize(0) != kDyn && t.getDimSize(0) != dim)
    return op->emitOpError()
           << name << " has " << t.getDimSize(0) << " channels but dim "
           << axis << " is " << dim;
  return success();
}

LogicalResult QuantizeLinearOp::verify() {
  auto in = getInput().getType();
  if (getType().getShape() != in.getShape())
    return emitOpError("must keep the shape");
  if (getScale().getType().getElementType() != in.getElementType())
    return emitOpError("scale element type must match the input's");
  if (getZeroPoint().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must be the zero point's");
  if (failed(verifyQuantParam(*this, "scale", in, getAxis(), getScale())) ||
      failed(verifyQuantParam(*this, "zero_point", in, getAxis(),
                              getZeroPoint())))
    return failure();
  return success();
}

LogicalResult DequantizeLinearOp::verify() {
  auto in = getInput().getType();
  if (getType().getShape() != in.getShape())
    return emitOpError("must keep the shape");
  if (getScale().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must be the scale's");
  if (getZeroPoint().getType().getElementType() != in.getElementType())
    return emitOpError("zero point element type must match the input's");
  if (failed(verifyQuantParam(*this, "scale", in, getAxis(), getScale())) ||
      failed(verifyQuantParam(*this, "zero_point", in, getAxis(),
                              getZeroPoint())))
    return failure();
  return success();
}

LogicalResult DynamicQuantizeLinearOp::verify() {
  if (getResult().getType().getShape() != getInput().getType().getShape())
    return emitOpError("must keep the shape");
  return success();
}

LogicalResult MatmulIntegerOp::verify() {
  auto lhs = getLhs().getType(), rhs = getRhs().getType();
  auto shape = matmulShape(lhs.getShape(), rhs.getShape(), false, false);
  if (!shape)
    return emitOpError("operands ")
           << shapeToString(lhs.getShape()) << " and "
           << shapeToString(rhs.getShape()) << " do not multiply";
  auto r = getType();
  if (!broadcastsTo(r.getShape(), *shape) || !broadcastsTo(*shape, r.getShape()))
    return emitOpError("result must be ") << shapeToString(*shape);
  if (getLhsZeroPoint().getType().getElementType() != lhs.getElementType() ||
      getRhsZeroPoint().getType().getElementType() != rhs.getElementType())
    return emitOpError("zero points must match their operand's element type");
  auto checkZp = [&](Value zp, int64_t channels) -> bool {
    auto t = cast<RankedTensorType>(zp.getType());
    auto n = staticNumElements(t.getShape());
    if (n && *n == 1)
      return true;
    return t.getRank() == 1 &&
           (t.getDimSize(0) == channels || channels == kDyn ||
            t.getDimSize(0) == kDyn);
  };
  if (!checkZp(getLhsZeroPoint(), lhs.getDimSize(lhs.getRank() - 2)))
    return emitOpError("lhs zero point must be a scalar or per row [M]");
  if (!checkZp(getRhsZeroPoint(), rhs.getDimSize(rhs.getRank() - 1)))
    return emitOpError("rhs zero point must be a scalar or per column [N]");
  return success();
}
