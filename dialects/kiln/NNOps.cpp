//===- NNOps.cpp - matmul, normalisation, reductions, attention ------------===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/OpVerifiers.h"
#include "dialects/kiln/ShapeRules.h"

#include <cmath>

using namespace mlir;
using namespace kiln;

static constexpr int64_t kDyn = ShapedType::kDynamic;

static bool dimsAgree(int64_t a, int64_t b) {
  return a == b || a == kDyn || b == kDyn;
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto lhs = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhs = cast<RankedTensorType>(adaptor.getRhs().getType());
  auto shape = matmulShape(lhs.getShape(), rhs.getShape(),
                           adaptor.getTransposeLhs(), adaptor.getTransposeRhs());
  if (!shape) {
    if (loc)
      mlir::emitError(*loc) << "matmul operands " << shapeToString(lhs.getShape())
                      << (adaptor.getTransposeLhs() ? " (transposed)" : "")
                      << " and " << shapeToString(rhs.getShape())
                      << (adaptor.getTransposeRhs() ? " (transposed)" : "")
                      << " do not multiply";
    return failure();
  }
  results.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// softmax, log_softmax
//===----------------------------------------------------------------------===//

template <typename Op>
static LogicalResult verifyAxisInRange(Op op) {
  int64_t rank = op.getInput().getType().getRank();
  int64_t axis = op.getAxis(); // I64Attr reads back unsigned
  if (axis < 0 || axis >= rank)
    return op.emitOpError("axis ") << axis << " is outside [0, " << rank << ")";
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifyAxisInRange(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifyAxisInRange(*this); }

//===----------------------------------------------------------------------===//
// layer_norm, rms_norm
//===----------------------------------------------------------------------===//

/// Checks that a scale/bias operand broadcasts to the normalised trailing dims.
static LogicalResult verifyNormParam(Operation *op, StringRef name,
                                     RankedTensorType input, int64_t axis,
                                     Value param) {
  if (!param)
    return success();
  auto t = cast<RankedTensorType>(param.getType());
  if (t.getElementType() != input.getElementType())
    return op->emitOpError() << name << " element type " << t.getElementType()
                             << " differs from the input's "
                             << input.getElementType();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  if (!broadcastsTo(t.getShape(), normalized))
    return op->emitOpError() << name << " shape " << shapeToString(t.getShape())
                             << " does not broadcast to the normalised dims "
                             << shapeToString(normalized);
  return success();
}

LogicalResult kiln::verifyNorm(Operation *op, RankedTensorType input,
                                int64_t axis, float epsilon, Value scale,
                                Value bias) {
  if (axis < 0 || axis >= input.getRank())
    return op->emitOpError("axis ")
           << axis << " is outside [0, " << input.getRank() << ")";
  if (!(epsilon >= 0.0f))
    return op->emitOpError("epsilon must be non-negative, got ") << epsilon;
  if (failed(verifyNormParam(op, "scale", input, axis, scale)) ||
      failed(verifyNormParam(op, "bias", input, axis, bias)))
    return failure();
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult LayerNormOp::verify() {
  return verifyNorm(*this, getInput().getType(), getAxis(),
                    getEpsilon().convertToFloat(), getScale(), getBias());
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult RmsNormOp::verify() {
  return verifyNorm(*this, getInput().getType(), getAxis(),
                    getEpsilon().convertToFloat(), getScale(), Value());
}

//===----------------------------------------------------------------------===//
// reduce, argmax
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> reducedShape(ArrayRef<int64_t> shape,
                                         ArrayRef<int64_t> axes, bool keepDims) {
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d) {
    if (llvm::is_contained(axes, d)) {
      if (keepDims)
        out.push_back(1);
    } else {
      out.push_back(shape[d]);
    }
  }
  return out;
}

static LogicalResult checkAxes(std::optional<Location> loc,
                               ArrayRef<int64_t> axes, int64_t rank) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank || (i > 0 && axes[i] <= axes[i - 1])) {
      if (loc)
        mlir::emitError(*loc) << "reduction axes must be sorted, unique and in [0, "
                        << rank << ")";
      return failure();
    }
  }
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  if (failed(checkAxes(loc, adaptor.getAxes(), in.getRank())))
    return failure();
  results.push_back(RankedTensorType::get(
      reducedShape(in.getShape(), adaptor.getAxes(), adaptor.getKeepDims()),
      in.getElementType()));
  return success();
}

LogicalResult ReduceOp::verify() {
  bool isFloat = isa<FloatType>(getInput().getType().getElementType());
  if (!isFloat && (getKind() == ReduceKind::mean || getKind() == ReduceKind::l2))
    return emitOpError("reduction '")
           << stringifyReduceKind(getKind()) << "' needs a float element type";
  return success();
}

OpFoldResult ReduceOp::fold(FoldAdaptor a) {
  if (getAxes().empty())
    return getInput().getType() == getType() ? getInput() : OpFoldResult();
  auto in = HostTensor::fromAttr(a.getInput());
  if (!in || !getType().hasStaticShape())
    return {};
  ArrayRef<int64_t> shape = in->shape();
  // Map each input element to its output element through the kept dims.
  SmallVector<int64_t> keptShape =
      reducedShape(shape, getAxes(), /*keepDims=*/true);
  SmallVector<int64_t> outStrides = stridesOf(keptShape);
  HostTensor out(in->elementType(), getType().getShape());
  std::vector<double> acc(out.size());
  std::vector<int64_t> accI(out.size());
  std::vector<int64_t> count(out.size(), 0);
  ReduceKind kind = getKind();
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < in->size(); ++k) {
    int64_t o = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (keptShape[d] != 1)
        o += idx[d] * outStrides[d];
    double v = in->getF(k);
    int64_t vi = in->getI(k);
    bool first = count[o]++ == 0;
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::mean:
      acc[o] += v;
      accI[o] += vi;
      break;
    case ReduceKind::sum_square:
    case ReduceKind::l2:
      acc[o] += v * v;
      accI[o] += vi * vi;
      break;
    case ReduceKind::prod:
      acc[o] = first ? v : acc[o] * v;
      accI[o] = first ? vi : accI[o] * vi;
      break;
    case ReduceKind::max:
      acc[o] = first ? v : std::max(acc[o], v);
      accI[o] = first ? vi : std::max(accI[o], vi);
      break;
    case ReduceKind::min:
      acc[o] = first ? v : std::min(acc[o], v);
      accI[o] = first ? vi : std::min(accI[o], vi);
      break;
    }
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  for (int64_t o = 0; o < out.size(); ++o) {
    if (!in->isFloat()) {
      out.setI(o, accI[o]);
      continue;
    }
    double v = acc[o];
    if (kind == ReduceKind::mean)
      v /= (double)count[o];
    else if (kind == ReduceKind::l2)
      v = std::sqrt(v);
    out.setF(o, v);
  }
  return out.toAttr();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxes(loc, {axis}, in.getRank())))
    return failure();
  results.push_back(RankedTensorType::get(
      reducedShape(in.getShape(), {axis}, adaptor.getKeepDims()),
      IntegerType::get(ctx, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto q = getQ().getType(), k = getK().getType(), v = getV().getType();
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOpError("q, k and v must be rank 4 [batch, heads, seq, dim]");
  Type et = q.getElementType();
  if (k.getElementType() != et || v.getElementType() != et)
    return emitOpError("q, k and v must share one element type");
  int64_t batch = q.getDimSize(0), hq = q.getDimSize(1), s = q.getDimSize(2),
          d = q.getDimSize(3);
  int64_t hkv = k.getDimSize(1), l = k.getDimSize(2);
  if (!dimsAgree(k.getDimSize(0), batch) || !dimsAgree(v.getDimSize(0), batch))
    return emitOpError("q, k and v differ in batch size");
  if (!dimsAgree(k.getDimSize(3), d))
    return emitOpError("key head size ")
           << k.getDimSize(3) << " differs from the query's " << d;
  if (!dimsAgree(v.getDimSize(1), hkv) || !dimsAgree(v.getDimSize(2), l))
    return emitOpError("value heads/length ")
           << shapeToString(v.getShape()) << " do not match the key's "
           << shapeToString(k.getShape());
  if (hq != kDyn && hkv != kDyn && (hkv == 0 || hq % hkv != 0))
    return emitOpError("query heads (")
           << hq << ") must be a multiple of key/value heads (" << hkv << ")";

  bool hasPast = getPastKey() != nullptr;
  if (hasPast != (getPastValue() != nullptr))
    return emitOpError("past_key and past_value come together");
  if (getPresents().size() != 0 && getPresents().size() != 2)
    return emitOpError("yields either no presents or present_key and "
                       "present_value");
  bool hasPresent = !getPresents().empty();
  int64_t past = 0;
  if (hasPast) {
    auto pk = getPastKey().getType(), pv = getPastValue().getType();
    if (pk.getRank() != 4 || pv.getRank() != 4 || pk.getElementType() != et ||
        pv.getElementType() != et)
      return emitOpError("past_key/past_value must be rank 4 of the q type");
    if (!dimsAgree(pk.getDimSize(1), hkv) || !dimsAgree(pk.getDimSize(3), d) ||
        !dimsAgree(pv.getDimSize(1), hkv) ||
        !dimsAgree(pv.getDimSize(3), v.getDimSize(3)) ||
        !dimsAgree(pk.getDimSize(2), pv.getDimSize(2)))
      return emitOpError("past shapes ")
             << shapeToString(pk.getShape()) << " / "
             << shapeToString(pv.getShape()) << " do not match k/v";
    past = pk.getDimSize(2);
  }
  int64_t total = (past == kDyn || l == kDyn) ? kDyn : past + l;
  if (hasPresent) {
    auto expect = [&](RankedTensorType t, RankedTensorType like) {
      SmallVector<int64_t> shape(like.getShape());
      shape[2] = total;
      return t.getRank() == 4 && t.getElementType() == et &&
             broadcastsTo(t.getShape(), shape) &&
             broadcastsTo(shape, t.getShape());
    };
    if (!expect(cast<RankedTensorType>(getPresentKey().getType()), k) ||
        !expect(cast<RankedTensorType>(getPresentValue().getType()), v))
      return emitOpError("present_key/present_value must be k/v with length ")
             << total;
  }
  if (Value mask = getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    if (!m.getElementType().isInteger(1) && m.getElementType() != et)
      return emitOpError("mask must be i1 or the query element type, got ")
             << m.getElementType();
    SmallVector<int64_t> scores = {batch, hq, s, total};
    if (!broadcastsTo(m.getShape(), scores))
      return emitOpError("mask shape ")
             << shapeToString(m.getShape())
             << " does not broadcast to the scores " << shapeToString(scores);
  }
  SmallVector<int64_t> expected = {batch, hq, s, v.getDimSize(3)};
  auto r = getResult().getType();
  if (r.getElementType() != et || !broadcastsTo(r.getShape(), expected) ||
      !broadcastsTo(expected, r.getShape()))
    return emitOpError("result must be ") << shapeToString(expected);
  if (getSoftcap().convertToFloat() < 0.0f)
    return emitOpError("softcap must be >= 0");
  if ((getRotaryCos() != nullptr) != (getRotarySin() != nullptr))
    return emitOpError("rotary_cos and rotary_sin come together");
  if (Value cos = getRotaryCos()) {
    int64_t rd = getRotaryDim();
    if (rd <= 0 || rd % 2 != 0 || (d != kDyn && rd > d))
      return emitOpError("rotary_dim ")
             << rd << " must be even, positive and at most the head size " << d;
    if (!dimsAgree(l, s))
      return emitOpError("rotary attention needs as many new keys as queries");
    SmallVector<int64_t> expected = {batch, s, rd / 2};
    for (Value t : {cos, Value(getRotarySin())}) {
      auto ty = cast<RankedTensorType>(t.getType());
      if (ty.getElementType() != et || !broadcastsTo(ty.getShape(), expected))
        return emitOpError("rotary cos/sin must broadcast to ")
               << shapeToString(expected) << ", got " << shapeToString(ty.getShape());
    }
  } else if (getRotaryDim() != 0 || getRotaryInterleaved()) {
    return emitOpError("rotary_dim/rotary_interleaved need rotary cos/sin");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// rotary_embedding
//===----------------------------------------------------------------------===//

LogicalResult RotaryEmbeddingOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() != 4)
    return emitOpError("input must be [batch, heads, seq, head_dim]");
  int64_t d = in.getDimSize(3), rd = getRotaryDim();
  if (rd <= 0 || rd % 2 != 0 || (d != kDyn && rd > d))
    return emitOpError("rotary_dim ")
           << rd << " must be even, positive and at most the head size " << d;
  SmallVector<int64_t> expected = {in.getDimSize(0), in.getDimSize(2), rd / 2};
  for (Value t : {getCos(), getSin()}) {
    auto ty = cast<RankedTensorType>(t.getType());
    if (ty.getElementType() != in.getElementType() ||
        !broadcastsTo(ty.getShape(), expected))
      return emitOpError("cos/sin must broadcast to ")
             << shapeToString(expected) << " of the input type, got "
             << shapeToString(ty.getShape());
  }
  return success();
}
