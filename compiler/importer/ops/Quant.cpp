//===- Quant.cpp - ONNX quantization ops ------------------------------------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/TensorConversion.h"
#include "compiler/importer/ops/OpBuilders.h"

#include "dialects/kiln/ShapeRules.h"

using namespace mlir;

namespace kiln::ops {

Value zeroPointOr0(NodeImporter &n, size_t i, Value operand) {
  if (Value zp = n.optionalInput(i))
    return zp;
  return n.scalarLike(operand, 0);
}

Value matmulInteger(NodeImporter &n, Value a, Value b, Value azp, Value bzp) {
  if (!a || !b || !azp || !bzp)
    return {};
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  auto shape = matmulShape(at.getShape(), bt.getShape(), false, false);
  if (!shape)
    return n.error("operands " + shapeToString(at.getShape()) + " and " +
                   shapeToString(bt.getShape()) + " do not multiply");
  return n.createTyped<MatmulIntegerOp>(
      RankedTensorType::get(*shape, n.builder.getIntegerType(32)), a, b, azp, bzp);
}

Check checkQuantizeLinear(const onnx::NodeProto &node, int64_t) {
  if (attrInt(node, "block_size", 0) != 0)
    return std::string("blocked quantization (block_size) is not supported");
  if (const auto *a = findAttr(node, "output_dtype"))
    if (a->i() != 0 && !isSupportedOnnxType((int32_t)a->i()))
      return "output_dtype " + onnxTypeName((int32_t)a->i()) + " is not supported";
  return std::nullopt;
}

/// The per-axis dim for scale/zero-point operands: scalars need none.
static std::optional<int64_t> quantAxis(NodeImporter &n, RankedTensorType in,
                                        Value scale) {
  int64_t a = n.attrInt("axis", 1);
  auto st = cast<RankedTensorType>(scale.getType());
  if (st.getRank() == 0 || (st.getRank() == 1 && st.getDimSize(0) == 1))
    return std::max<int64_t>(0, std::min<int64_t>(a < 0 ? a + in.getRank() : a,
                                                  std::max<int64_t>(in.getRank() - 1, 0)));
  return n.axis(a, in.getRank());
}

LogicalResult importQuantizeLinear(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  Value scale = n.input(1);
  if (!in || !scale)
    return failure();
  Value zp = n.optionalInput(2);
  if (!zp) {
    int64_t dtype = n.attrInt("output_dtype", 0);
    Type et = dtype ? onnxElementType(n.context(), (int32_t)dtype)
                    : IntegerType::get(n.context(), 8, IntegerType::Unsigned);
    zp = n.scalar(et, 0);
  }
  auto axis = quantAxis(n, in, scale);
  if (!axis)
    return failure();
  Type et = cast<RankedTensorType>(zp.getType()).getElementType();
  Value x = n.cast(n.input(0), cast<RankedTensorType>(scale.getType()).getElementType());
  return n.setOutput(0, n.createTyped<QuantizeLinearOp>(in.clone(et), x, scale,
                                                        zp, *axis));
}

LogicalResult importDequantizeLinear(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  Value scale = n.input(1);
  if (!in || !scale)
    return failure();
  Value zp = zeroPointOr0(n, 2, n.input(0));
  auto axis = quantAxis(n, in, scale);
  if (!axis)
    return failure();
  Type ft = cast<RankedTensorType>(scale.getType()).getElementType();
  return n.setOutput(0, n.createTyped<DequantizeLinearOp>(in.clone(ft), n.input(0),
                                                          scale, zp, *axis));
}

LogicalResult importDynamicQuantizeLinear(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto u8 = IntegerType::get(n.context(), 8, IntegerType::Unsigned);
  auto f32 = n.builder.getF32Type();
  auto op = DynamicQuantizeLinearOp::create(
      n.builder, n.loc, in.clone(u8), RankedTensorType::get({}, f32),
      RankedTensorType::get({}, u8), n.input(0));
  if (!n.finishMulti(op))
    return failure();
  if (failed(n.setOutput(0, op.getResult())) ||
      failed(n.setOutput(1, op.getScale())) ||
      failed(n.setOutput(2, op.getZeroPoint())))
    return failure();
  return success();
}

LogicalResult importMatMulInteger(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1);
  if (!a || !b)
    return failure();
  return n.setOutput(0, matmulInteger(n, a, b, zeroPointOr0(n, 2, a),
                                      zeroPointOr0(n, 3, b)));
}

LogicalResult importQLinearMatMul(NodeImporter &n) {
  Value a = n.input(0), aScale = n.input(1), aZp = n.input(2);
  Value b = n.input(3), bScale = n.input(4), bZp = n.input(5);
  Value yScale = n.input(6), yZp = n.input(7);
  if (!a || !b || !aScale || !bScale || !yScale || !yZp)
    return failure();
  // Per-row a scales ([M]) line up with the rows of the [.., M, N] product.
  auto ast = cast<RankedTensorType>(aScale.getType());
  if (ast.getRank() == 1 && ast.getDimSize(0) != 1)
    aScale = n.reshape(aScale, {ast.getDimSize(0), 1});
  Value acc = matmulInteger(n, a, b, aZp, bZp);
  Type ft = cast<RankedTensorType>(yScale.getType()).getElementType();
  Value y = n.create<MulOp>(n.create<MulOp>(n.cast(acc, ft), aScale), bScale);
  if (!y)
    return failure();
  auto yt = cast<RankedTensorType>(y.getType());
  Type qt = cast<RankedTensorType>(yZp.getType()).getElementType();
  return n.setOutput(0, n.createTyped<QuantizeLinearOp>(
                            yt.clone(qt), y, yScale, yZp,
                            std::max<int64_t>(yt.getRank() - 1, 0)));
}

} // namespace kiln::ops
