//===- Elementwise.cpp - ONNX elementwise ops and activations ---------------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/TensorConversion.h"
#include "compiler/importer/ops/OpBuilders.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln::ops {

template <typename OpTy>
static LogicalResult binary(NodeImporter &n) {
  return n.setOutput(0, n.create<OpTy>(n.input(0), n.input(1)));
}

template <typename OpTy>
static LogicalResult unary(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  return n.setOutput(0, n.createTyped<OpTy>(x.getType(), x));
}

static LogicalResult comparison(NodeImporter &n, ComparePredicate pred) {
  return n.setOutput(0, n.compare(pred, n.input(0), n.input(1)));
}

/// Folds a variadic op (Max, Min, Sum, Mean) pairwise.
template <typename OpTy>
static Value foldInputs(NodeImporter &n) {
  Value acc = n.input(0);
  for (size_t i = 1; i < n.numInputs(); ++i)
    acc = n.create<OpTy>(acc, n.input(i));
  return acc;
}

LogicalResult importAdd(NodeImporter &n) { return binary<AddOp>(n); }
LogicalResult importSub(NodeImporter &n) { return binary<SubOp>(n); }
LogicalResult importMul(NodeImporter &n) { return binary<MulOp>(n); }
LogicalResult importDiv(NodeImporter &n) { return binary<DivOp>(n); }
LogicalResult importAnd(NodeImporter &n) { return binary<AndOp>(n); }
LogicalResult importOr(NodeImporter &n) { return binary<OrOp>(n); }
LogicalResult importXor(NodeImporter &n) { return binary<XorOp>(n); }

LogicalResult importPow(NodeImporter &n) {
  Value base = n.input(0);
  if (!base)
    return failure();
  // ONNX lets the exponent have its own type; kiln.pow wants one type.
  Value exponent = n.cast(n.input(1), n.inputType(0).getElementType());
  return n.setOutput(0, n.create<PowOp>(base, exponent));
}

LogicalResult importMod(NodeImporter &n) {
  if (n.attrInt("fmod", 0))
    return binary<RemOp>(n);
  return binary<ModOp>(n);
}

LogicalResult importEqual(NodeImporter &n) {
  return comparison(n, ComparePredicate::eq);
}
LogicalResult importLess(NodeImporter &n) {
  return comparison(n, ComparePredicate::lt);
}
LogicalResult importLessOrEqual(NodeImporter &n) {
  return comparison(n, ComparePredicate::le);
}
LogicalResult importGreater(NodeImporter &n) {
  return comparison(n, ComparePredicate::gt);
}
LogicalResult importGreaterOrEqual(NodeImporter &n) {
  return comparison(n, ComparePredicate::ge);
}

LogicalResult importMax(NodeImporter &n) {
  return n.setOutput(0, foldInputs<MaxOp>(n));
}
LogicalResult importMin(NodeImporter &n) {
  return n.setOutput(0, foldInputs<MinOp>(n));
}
LogicalResult importSum(NodeImporter &n) {
  return n.setOutput(0, foldInputs<AddOp>(n));
}
LogicalResult importMean(NodeImporter &n) {
  Value sum = foldInputs<AddOp>(n);
  return n.setOutput(
      0, n.create<DivOp>(sum, n.scalarLike(sum, (double)n.numInputs())));
}

LogicalResult importNot(NodeImporter &n) { return unary<NotOp>(n); }
LogicalResult importNeg(NodeImporter &n) { return unary<NegOp>(n); }
LogicalResult importAbs(NodeImporter &n) { return unary<AbsOp>(n); }
LogicalResult importSign(NodeImporter &n) { return unary<SignOp>(n); }
LogicalResult importRelu(NodeImporter &n) { return unary<ReluOp>(n); }
LogicalResult importExp(NodeImporter &n) { return unary<ExpOp>(n); }
LogicalResult importLog(NodeImporter &n) { return unary<LogOp>(n); }
LogicalResult importSqrt(NodeImporter &n) { return unary<SqrtOp>(n); }
LogicalResult importReciprocal(NodeImporter &n) {
  return unary<ReciprocalOp>(n);
}
LogicalResult importTanh(NodeImporter &n) { return unary<TanhOp>(n); }
LogicalResult importErf(NodeImporter &n) { return unary<ErfOp>(n); }
LogicalResult importSigmoid(NodeImporter &n) { return unary<SigmoidOp>(n); }
LogicalResult importSin(NodeImporter &n) { return unary<SinOp>(n); }
LogicalResult importCos(NodeImporter &n) { return unary<CosOp>(n); }
LogicalResult importFloor(NodeImporter &n) { return unary<FloorOp>(n); }
LogicalResult importCeil(NodeImporter &n) { return unary<CeilOp>(n); }
LogicalResult importRound(NodeImporter &n) { return unary<RoundOp>(n); }

LogicalResult importIsNaN(NodeImporter &n) {
  Value x = n.input(0);
  return n.setOutput(0, n.compare(ComparePredicate::ne, x, x));
}

LogicalResult importIdentity(NodeImporter &n) {
  return n.setOutput(0, n.input(0));
}

Check checkDropout(const onnx::NodeProto &node, int64_t) {
  (void)node;
  return std::nullopt;
}

LogicalResult importDropout(NodeImporter &n) {
  // Inference: the identity. A constant-true training_mode is not inference.
  if (auto training = n.constantInput(2))
    if (training->size() == 1 && training->getI(0) != 0)
      return n.fail("training_mode = true is not supported (Kiln compiles "
                    "inference graphs)");
  if (n.hasInput(2) && !n.constantInput(2))
    return n.fail("training_mode must be a constant");
  Value x = n.input(0);
  if (failed(n.setOutput(0, x)))
    return failure();
  if (n.wantsOutput(1)) {
    auto t = cast<RankedTensorType>(x.getType());
    auto maskType = t.clone(n.builder.getI1Type());
    return n.setOutput(1, n.constant(SplatElementsAttr::get(
                              maskType, n.builder.getBoolAttr(true))));
  }
  return success();
}

Check checkCast(const onnx::NodeProto &node, int64_t) {
  int64_t to = attrInt(node, "to", 0);
  if (!isSupportedOnnxType((int32_t)to))
    return "casting to " + onnxTypeName((int32_t)to) + " is not supported";
  return std::nullopt;
}

LogicalResult importCast(NodeImporter &n) {
  Type to = onnxElementType(n.context(), (int32_t)n.attrInt("to", 0));
  return n.setOutput(0, n.cast(n.input(0), to));
}

LogicalResult importCastLike(NodeImporter &n) {
  RankedTensorType like = n.inputType(1);
  if (!like)
    return failure();
  return n.setOutput(0, n.cast(n.input(0), like.getElementType()));
}

LogicalResult importClip(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value lo, hi;
  if (n.opset() < 11) {
    if (n.hasAttr("min"))
      lo = n.scalarLike(x, n.attrFloat("min", 0));
    if (n.hasAttr("max"))
      hi = n.scalarLike(x, n.attrFloat("max", 0));
  } else {
    lo = n.optionalInput(1);
    hi = n.optionalInput(2);
  }
  if (lo)
    x = n.create<MaxOp>(x, lo);
  if (hi)
    x = n.create<MinOp>(x, hi);
  return n.setOutput(0, x);
}

LogicalResult importWhere(NodeImporter &n) {
  return n.setOutput(0, n.where(n.input(0), n.input(1), n.input(2)));
}

//===----------------------------------------------------------------------===//
// Activations, spelled with kiln's elementwise ops
//===----------------------------------------------------------------------===//

/// exp(x) - 1 scaled by alpha, the negative branch of ELU-like functions.
static Value expm1Scaled(NodeImporter &n, Value x, double alpha) {
  Value e = n.create<SubOp>(n.createTyped<ExpOp>(x.getType(), x),
                            n.scalarLike(x, 1.0));
  return n.create<MulOp>(e, n.scalarLike(x, alpha));
}

LogicalResult importLeakyRelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value neg = n.compare(ComparePredicate::lt, x, n.scalarLike(x, 0));
  Value scaled = n.create<MulOp>(x, n.scalarLike(x, n.attrFloat("alpha", 0.01f)));
  return n.setOutput(0, n.where(neg, scaled, x));
}

LogicalResult importPRelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value neg = n.compare(ComparePredicate::lt, x, n.scalarLike(x, 0));
  return n.setOutput(0, n.where(neg, n.create<MulOp>(x, n.input(1)), x));
}

LogicalResult importElu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value neg = n.compare(ComparePredicate::lt, x, n.scalarLike(x, 0));
  return n.setOutput(
      0, n.where(neg, expm1Scaled(n, x, n.attrFloat("alpha", 1.0f)), x));
}

LogicalResult importSelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  double alpha = n.attrFloat("alpha", 1.67326319217681884765625f);
  double gamma = n.attrFloat("gamma", 1.05070102214813232421875f);
  Value neg = n.compare(ComparePredicate::le, x, n.scalarLike(x, 0));
  Value y = n.where(neg, expm1Scaled(n, x, alpha), x);
  return n.setOutput(0, n.create<MulOp>(y, n.scalarLike(x, gamma)));
}

LogicalResult importCelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  double alpha = n.attrFloat("alpha", 1.0f);
  Value pos = n.create<MaxOp>(x, n.scalarLike(x, 0));
  Value scaled = n.create<DivOp>(x, n.scalarLike(x, alpha));
  Value negPart = n.create<MinOp>(expm1Scaled(n, scaled, alpha),
                                  n.scalarLike(x, 0));
  return n.setOutput(0, n.create<AddOp>(pos, negPart));
}

/// clamp(alpha * x + beta, 0, 1)
static Value hardSigmoid(NodeImporter &n, Value x, double alpha, double beta) {
  Value y = n.create<AddOp>(n.create<MulOp>(x, n.scalarLike(x, alpha)),
                            n.scalarLike(x, beta));
  y = n.create<MaxOp>(y, n.scalarLike(x, 0));
  return n.create<MinOp>(y, n.scalarLike(x, 1));
}

LogicalResult importHardSigmoid(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  return n.setOutput(0, hardSigmoid(n, x, n.attrFloat("alpha", 0.2f),
                                    n.attrFloat("beta", 0.5f)));
}

LogicalResult importHardSwish(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  return n.setOutput(0, n.create<MulOp>(x, hardSigmoid(n, x, 1.0 / 6, 0.5)));
}

/// log(1 + exp(x)), written to stay finite for large x: max(x, 0) +
/// log(1 + exp(-|x|)).
static Value softplus(NodeImporter &n, Value x) {
  Value negAbs = n.createTyped<NegOp>(x.getType(), n.createTyped<AbsOp>(x.getType(), x));
  Value l = n.createTyped<LogOp>(
      x.getType(), n.create<AddOp>(n.createTyped<ExpOp>(x.getType(), negAbs),
                                   n.scalarLike(x, 1)));
  return n.create<AddOp>(n.create<MaxOp>(x, n.scalarLike(x, 0)), l);
}

LogicalResult importSoftplus(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  return n.setOutput(0, softplus(n, x));
}

LogicalResult importSoftsign(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value d = n.create<AddOp>(n.createTyped<AbsOp>(x.getType(), x),
                            n.scalarLike(x, 1));
  return n.setOutput(0, n.create<DivOp>(x, d));
}

LogicalResult importThresholdedRelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value keep =
      n.compare(ComparePredicate::gt, x, n.scalarLike(x, n.attrFloat("alpha", 1.0f)));
  return n.setOutput(0, n.where(keep, x, n.scalarLike(x, 0)));
}

LogicalResult importMish(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value t = n.createTyped<TanhOp>(x.getType(), softplus(n, x));
  return n.setOutput(0, n.create<MulOp>(x, t));
}

Check checkGelu(const onnx::NodeProto &node, int64_t) {
  std::string approx = attrString(node, "approximate", "none");
  if (approx != "none" && approx != "tanh")
    return "approximate = '" + approx + "' is not supported (none or tanh)";
  return std::nullopt;
}

LogicalResult importGelu(NodeImporter &n) {
  bool tanh = n.attrString("approximate", "none") == "tanh";
  return n.setOutput(0, n.gelu(n.input(0), tanh ? GeluApproximation::tanh
                                                : GeluApproximation::none));
}

} // namespace kiln::ops
