//===- FusedOps.cpp - shape rules and verifiers of the fused ops -----------===//
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/OpVerifiers.h"
#include "dialects/kiln/ShapeRules.h"

using namespace mlir;
using namespace kiln;

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto lhs = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = cast<RankedTensorType>(adaptor.getRhs().getType());
  auto shape = matmulShape(lhs.getShape(), rhs.getShape(), false,
                           adaptor.getTransposeRhs());
  if (!shape || rhs.getRank() != 2) {
    if (loc)
      mlir::emitError(*loc) << "linear operands " << shapeToString(lhs.getShape())
                            << " and " << shapeToString(rhs.getShape())
                            << (adaptor.getTransposeRhs() ? " (transposed)" : "")
                            << " do not multiply as [..., M, K] x [K, N]";
    return failure();
  }
  results.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

LogicalResult LinearOp::verify() {
  auto rt = getType();
  Type et = rt.getElementType();
  if (getLhs().getType().getElementType() != et ||
      getRhs().getType().getElementType() != et)
    return emitOpError("lhs, rhs and result must share one element type");
  if (Value b = getBias()) {
    auto bt = cast<RankedTensorType>(b.getType());
    if (bt.getElementType() != et || !broadcastsTo(bt.getShape(), rt.getShape()))
      return emitOpError("bias ") << shapeToString(bt.getShape())
                                  << " does not broadcast to the result "
                                  << shapeToString(rt.getShape());
  }
  if (Value r = getResidual())
    if (r.getType() != rt)
      return emitOpError("residual must have the result type ") << rt;
  return success();
}

//===----------------------------------------------------------------------===//
// skip_layer_norm, skip_rms_norm
//===----------------------------------------------------------------------===//

LogicalResult SkipLayerNormOp::verify() {
  return verifyNorm(*this, getInput().getType(), getAxis(),
                    getEpsilon().convertToFloat(), getScale(), getBias());
}

LogicalResult SkipRmsNormOp::verify() {
  return verifyNorm(*this, getInput().getType(), getAxis(),
                    getEpsilon().convertToFloat(), getScale(), Value());
}
