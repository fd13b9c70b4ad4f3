//===- NN.cpp - ONNX matmul, normalisation and reductions -------------------===//
#include "compiler/importer/ops/OpBuilders.h"

#include "dialects/kiln/ShapeRules.h"

using namespace mlir;

namespace kiln::ops {

LogicalResult importMatMul(NodeImporter &n) {
  RankedTensorType at = n.inputType(0), bt = n.inputType(1);
  if (!at || !bt)
    return failure();
  Value a = n.input(0), b = n.input(1);
  // numpy promotes 1-D operands to matrices and drops the added dim after.
  bool vecA = at.getRank() == 1, vecB = bt.getRank() == 1;
  if (vecA)
    a = n.reshape(a, {1, at.getDimSize(0)});
  if (vecB)
    b = n.reshape(b, {bt.getDimSize(0), 1});
  Value y = n.matmul(a, b);
  if (!y)
    return failure();
  if (vecA || vecB) {
    SmallVector<int64_t> shape(cast<RankedTensorType>(y.getType()).getShape());
    if (vecB)
      shape.pop_back();
    if (vecA)
      shape.erase(shape.end() - (vecB ? 1 : 2));
    y = n.reshape(y, shape);
  }
  return n.setOutput(0, y);
}

LogicalResult importGemm(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1);
  if (!a || !b)
    return failure();
  if (n.inputType(0).getRank() != 2 || n.inputType(1).getRank() != 2)
    return n.fail("A and B must be matrices");
  double alpha = n.attrFloat("alpha", 1.0f), beta = n.attrFloat("beta", 1.0f);
  Value y = n.matmul(a, b, n.attrInt("transA", 0) != 0,
                     n.attrInt("transB", 0) != 0);
  if (alpha != 1.0)
    y = n.create<MulOp>(y, n.scalarLike(y, alpha));
  if (Value c = n.optionalInput(2)) {
    if (beta != 1.0)
      c = n.create<MulOp>(c, n.scalarLike(c, beta));
    if (beta != 0.0)
      y = n.create<AddOp>(y, c);
  }
  return n.setOutput(0, y);
}

template <typename OpTy>
static LogicalResult softmaxLike(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  int64_t rank = in.getRank();
  if (n.opset() >= 13) {
    auto a = n.axis(n.attrInt("axis", -1), rank);
    if (!a)
      return failure();
    return n.setOutput(0, n.createTyped<OpTy>(in, n.input(0), *a));
  }
  // Before opset 13 the input is coerced to 2-D at `axis` and normalised over
  // the whole trailing block.
  int64_t axis = n.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return n.fail("axis is outside the rank");
  if (axis == rank - 1)
    return n.setOutput(0, n.createTyped<OpTy>(in, n.input(0), axis));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= in.getDimSize(d);
  Value flat = n.reshape(n.input(0), {outer, inner});
  if (!flat)
    return failure();
  Value y = n.createTyped<OpTy>(flat.getType(), flat, 1);
  return n.setOutput(0, n.reshape(y, in.getShape()));
}

LogicalResult importSoftmax(NodeImporter &n) { return softmaxLike<SoftmaxOp>(n); }
LogicalResult importLogSoftmax(NodeImporter &n) {
  return softmaxLike<LogSoftmaxOp>(n);
}

LogicalResult importLayerNormalization(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto a = n.axis(n.attrInt("axis", -1), in.getRank());
  if (!a)
    return failure();
  float eps = n.attrFloat("epsilon", 1e-5f);
  Value x = n.input(0);
  Value y = n.layerNorm(x, n.input(1), n.optionalInput(2), *a, eps);
  if (failed(n.setOutput(0, y)))
    return failure();
  // Mean and InvStdDev are rarely read at inference; compute them if they are.
  if (n.wantsOutput(1) || n.wantsOutput(2)) {
    SmallVector<int64_t> axes;
    for (int64_t d = *a; d < in.getRank(); ++d)
      axes.push_back(d);
    Value mean = n.reduce(ReduceKind::mean, x, axes, true);
    if (failed(n.setOutput(1, mean)))
      return failure();
    if (n.wantsOutput(2)) {
      Value centered = n.create<SubOp>(x, mean);
      Value var = n.reduce(ReduceKind::mean,
                           n.create<MulOp>(centered, centered), axes, true);
      Value inv = n.create<AddOp>(var, n.scalarLike(x, eps));
      if (!inv)
        return failure();
      return n.setOutput(2, n.createTyped<RsqrtOp>(inv.getType(), inv));
    }
  }
  return success();
}

LogicalResult importRMSNormalization(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto a = n.axis(n.attrInt("axis", -1), in.getRank());
  if (!a)
    return failure();
  return n.setOutput(0, n.rmsNorm(n.input(0), n.input(1), *a,
                                  n.attrFloat("epsilon", 1e-5f)));
}

/// The Reduce* family: axes move from attribute to input at `axesInputSince`.
static LogicalResult reduction(NodeImporter &n, ReduceKind kind,
                               int64_t axesInputSince) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  int64_t rank = in.getRank();
  SmallVector<int64_t> raw;
  if (n.opset() < axesInputSince) {
    if (auto a = n.attrInts("axes"))
      raw = *a;
  } else if (n.hasInput(1)) {
    auto a = n.constantInts(1, "axes");
    if (!a)
      return failure();
    raw = *a;
  }
  bool keepDims = n.attrInt("keepdims", 1) != 0;
  if (raw.empty()) {
    if (n.attrInt("noop_with_empty_axes", 0))
      return n.setOutput(0, n.input(0));
    for (int64_t d = 0; d < rank; ++d)
      raw.push_back(d);
  }
  SmallVector<int64_t> axes;
  for (int64_t a : raw) {
    auto d = n.axis(a, rank);
    if (!d)
      return failure();
    if (!llvm::is_contained(axes, *d))
      axes.push_back(*d);
  }
  llvm::sort(axes);
  return n.setOutput(0, n.reduce(kind, n.input(0), axes, keepDims));
}

LogicalResult importReduceSum(NodeImporter &n) {
  return reduction(n, ReduceKind::sum, 13);
}
LogicalResult importReduceMean(NodeImporter &n) {
  return reduction(n, ReduceKind::mean, 18);
}
LogicalResult importReduceMax(NodeImporter &n) {
  return reduction(n, ReduceKind::max, 18);
}
LogicalResult importReduceMin(NodeImporter &n) {
  return reduction(n, ReduceKind::min, 18);
}
LogicalResult importReduceProd(NodeImporter &n) {
  return reduction(n, ReduceKind::prod, 18);
}
LogicalResult importReduceSumSquare(NodeImporter &n) {
  return reduction(n, ReduceKind::sum_square, 18);
}
LogicalResult importReduceL2(NodeImporter &n) {
  return reduction(n, ReduceKind::l2, 18);
}

LogicalResult importArgMax(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto a = n.axis(n.attrInt("axis", 0), in.getRank());
  if (!a)
    return failure();
  return n.setOutput(0, n.create<ArgMaxOp>(n.input(0), *a,
                                           n.attrInt("keepdims", 1) != 0,
                                           n.attrInt("select_last_index", 0) != 0));
}

} // namespace kiln::ops
