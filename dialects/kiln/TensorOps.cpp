//===- TensorOps.cpp - constants and data movement ops ----------------------===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"

using namespace mlir;
using namespace kiln;

static constexpr int64_t kDyn = ShapedType::kDynamic;

/// A splat constant reinterpreted with another type, for ops that only move
/// elements around.
static OpFoldResult resplat(Attribute input, Type resultType) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(input);
  auto ty = dyn_cast<RankedTensorType>(resultType);
  if (!splat || !ty || !ty.hasStaticShape())
    return {};
  return SplatElementsAttr::get(ty, splat.getSplatValue<Attribute>());
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = dyn_cast_or_null<RankedTensorType>(adaptor.getValue().getType());
  if (!type) {
    if (loc)
      mlir::emitError(*loc) << "constant value must be a ranked tensor";
    return failure();
  }
  results.push_back(type);
  return success();
}

LogicalResult ConstantOp::verify() {
  if (!getValue().getShapedType().hasStaticShape())
    return emitOpError("constant must have a static shape");
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = staticNumElements(getInput().getType().getShape());
  auto out = staticNumElements(getType().getShape());
  if (in && out && *in != *out)
    return emitOpError("cannot reshape ")
           << shapeToString(getInput().getType().getShape()) << " ("
           << *in << " elements) to " << shapeToString(getType().getShape())
           << " (" << *out << " elements)";
  if (getInput().getType().getElementType() != getType().getElementType())
    return emitOpError("must keep the element type");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) -> reshape(x)
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (OpFoldResult s = resplat(a.getInput(), getType()))
    return s;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(a.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

static bool isPermutation(ArrayRef<int64_t> perm) {
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)perm.size() || seen[p])
      return false;
    seen[p] = true;
  }
  return true;
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto in = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  if ((int64_t)perm.size() != in.getRank() || !isPermutation(perm)) {
    if (loc)
      mlir::emitError(*loc) << "permutation of " << perm.size()
                      << " entries is not a permutation of rank "
                      << in.getRank();
    return failure();
  }
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in.getDimSize(p));
  results.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}


OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  ArrayRef<int64_t> perm = getPermutation();
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == (int64_t)i;
  if (identity)
    return getInput();
  if (OpFoldResult s = resplat(a.getInput(), getType()))
    return s;
  auto in = HostTensor::fromAttr(a.getInput());
  if (!in)
    return {};
  SmallVector<int64_t> inStrides = stridesOf(in->shape());
  SmallVector<int64_t> permStrides;
  for (int64_t p : perm)
    permStrides.push_back(inStrides[p]);
  HostTensor out(in->elementType(), getType().getShape());
  SmallVector<int64_t> outShape(getType().getShape());
  SmallVector<int64_t> idx(outShape.size(), 0);
  for (int64_t r = 0; r < out.size(); ++r) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += idx[d] * permStrides[d];
    out.copyElement(r, *in, src);
    for (int64_t d = (int64_t)idx.size() - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// slice
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::verify() {
  auto inTy = getInput().getType();
  auto outTy = getType();
  int64_t rank = inTy.getRank();
  if (outTy.getRank() != rank || (int64_t)getStarts().size() != rank ||
      (int64_t)getSteps().size() != rank)
    return emitOpError("needs one start and one step per dim of the rank-")
           << rank << " input";
  if (inTy.getElementType() != outTy.getElementType())
    return emitOpError("must keep the element type");
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = inTy.getDimSize(d), size = outTy.getDimSize(d);
    int64_t start = getStarts()[d], step = getSteps()[d];
    if (step == 0)
      return emitOpError("step of dim ") << d << " is zero";
    if (size == kDyn || dim == kDyn || size == 0)
      continue;
    int64_t last = start + (size - 1) * step;
    if (start < 0 || start >= dim || last < 0 || last >= dim)
      return emitOpError("dim ") << d << " reads [" << start << " .. " << last
                                 << "] outside the input's size " << dim;
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getStarts(), [](int64_t s) { return s == 0; }) &&
      llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }))
    return getInput();
  if (OpFoldResult s = resplat(a.getInput(), getType()))
    return s;
  auto in = HostTensor::fromAttr(a.getInput());
  if (!in || !getType().hasStaticShape())
    return {};
  SmallVector<int64_t> inStrides = stridesOf(in->shape());
  SmallVector<int64_t> outShape(getType().getShape());
  HostTensor out(in->elementType(), outShape);
  SmallVector<int64_t> idx(outShape.size(), 0);
  for (int64_t r = 0; r < out.size(); ++r) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += (getStarts()[d] + idx[d] * getSteps()[d]) * inStrides[d];
    out.copyElement(r, *in, src);
    for (int64_t d = (int64_t)idx.size() - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// concat
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto inputs = adaptor.getInputs();
  if (inputs.empty()) {
    if (loc)
      mlir::emitError(*loc) << "concat needs at least one input";
    return failure();
  }
  auto first = cast<RankedTensorType>(inputs.front().getType());
  int64_t rank = first.getRank();
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= rank) {
    if (loc)
      mlir::emitError(*loc) << "concat axis " << axis << " is outside rank " << rank;
    return failure();
  }
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != rank) {
      if (loc)
        mlir::emitError(*loc) << "concat inputs have ranks " << rank << " and "
                        << t.getRank();
      return failure();
    }
    for (int64_t d = 0; d < rank; ++d) {
      int64_t s = t.getDimSize(d);
      if (d == axis) {
        shape[d] = (shape[d] == kDyn || s == kDyn) ? kDyn : shape[d] + s;
      } else if (shape[d] == kDyn) {
        shape[d] = s;
      } else if (s != kDyn && s != shape[d]) {
        if (loc)
          mlir::emitError(*loc) << "concat inputs differ in dim " << d << ": "
                          << shape[d] << " vs " << s;
        return failure();
      }
    }
  }
  results.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}


OpFoldResult ConcatOp::fold(FoldAdaptor a) {
  if (getInputs().size() == 1)
    return getInputs().front();
  if (!getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldElements)
    return {};
  SmallVector<HostTensor> ins;
  for (Attribute attr : a.getInputs()) {
    auto t = HostTensor::fromAttr(attr);
    if (!t)
      return {};
    ins.push_back(std::move(*t));
  }
  int64_t axis = getAxis();
  ArrayRef<int64_t> outShape = getType().getShape();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= outShape[d];
  HostTensor out(getType().getElementType(), outShape);
  int64_t r = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const HostTensor &in : ins) {
      int64_t chunk = in.size() / std::max<int64_t>(outer, 1);
      for (int64_t k = 0; k < chunk; ++k)
        out.copyElement(r++, in, o * chunk + k);
    }
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// gather
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto data = cast<RankedTensorType>(adaptor.getData().getType());
  auto indices = cast<RankedTensorType>(adaptor.getIndices().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= data.getRank()) {
    if (loc)
      mlir::emitError(*loc) << "gather axis " << axis << " is outside rank "
                      << data.getRank();
    return failure();
  }
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  results.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

LogicalResult GatherOp::verify() {
  int64_t dim = getData().getType().getDimSize(getAxis());
  if (dim == 0)
    return emitOpError("gathers from an empty axis");
  return success();
}

OpFoldResult GatherOp::fold(FoldAdaptor a) {
  if (!getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldElements)
    return {};
  auto data = HostTensor::fromAttr(a.getData());
  auto indices = HostTensor::fromAttr(a.getIndices());
  if (!data || !indices)
    return {};
  int64_t axis = getAxis();
  ArrayRef<int64_t> ds = data->shape();
  int64_t outer = 1, inner = 1, axisDim = ds[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= ds[d];
  for (size_t d = axis + 1; d < ds.size(); ++d)
    inner *= ds[d];
  HostTensor out(data->elementType(), getType().getShape());
  int64_t r = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t n = 0; n < indices->size(); ++n) {
      int64_t idx = indices->getI(n);
      if (idx < 0)
        idx += axisDim;
      if (idx < 0 || idx >= axisDim)
        return {}; // out of range: left for the runtime to report
      for (int64_t k = 0; k < inner; ++k)
        out.copyElement(r++, *data, (o * axisDim + idx) * inner + k);
    }
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// expand
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("must keep the element type");
  if (!broadcastsTo(in.getShape(), out.getShape()))
    return emitOpError("input shape ")
           << shapeToString(in.getShape()) << " does not broadcast to "
           << shapeToString(out.getShape());
  return success();
}

OpFoldResult ExpandOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  if (OpFoldResult s = resplat(a.getInput(), getType()))
    return s;
  if (!getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldElements)
    return {};
  auto in = HostTensor::fromAttr(a.getInput());
  if (!in)
    return {};
  HostTensor out(in->elementType(), getType().getShape());
  forEachBroadcastIndex(getType().getShape(), {in->shape()},
                        [&](int64_t r, ArrayRef<int64_t> src) {
                          out.copyElement(r, *in, src[0]);
                        });
  return out.toAttr();
}

//===----------------------------------------------------------------------===//
// where
//===----------------------------------------------------------------------===//

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  SmallVector<int64_t> shape;
  for (Value v : {adaptor.getCondition(), adaptor.getTrueValue(),
                  adaptor.getFalseValue()}) {
    auto next =
        broadcastShapes(shape, cast<RankedTensorType>(v.getType()).getShape());
    if (!next) {
      if (loc)
        mlir::emitError(*loc) << "where operands do not broadcast";
      return failure();
    }
    shape = std::move(*next);
  }
  Type et =
      cast<RankedTensorType>(adaptor.getTrueValue().getType()).getElementType();
  results.push_back(RankedTensorType::get(shape, et));
  return success();
}

LogicalResult WhereOp::verify() {
  if (getTrueValue().getType().getElementType() !=
      getFalseValue().getType().getElementType())
    return emitOpError("true and false values differ in element type");
  return success();
}

OpFoldResult WhereOp::fold(FoldAdaptor a) {
  // A constant condition that picks one side everywhere selects that side
  // (ONNX's Attention expansion zeroes fully masked rows this way).
  if (auto cond = dyn_cast_or_null<DenseElementsAttr>(a.getCondition());
      cond && cond.isSplat()) {
    Value side = cond.getSplatValue<bool>() ? getTrueValue() : getFalseValue();
    if (side.getType() == getType())
      return side;
  }
  if (!getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldElements)
    return {};
  auto c = HostTensor::fromAttr(a.getCondition());
  auto t = HostTensor::fromAttr(a.getTrueValue());
  auto f = HostTensor::fromAttr(a.getFalseValue());
  if (!c || !t || !f)
    return {};
  HostTensor out(t->elementType(), getType().getShape());
  forEachBroadcastIndex(getType().getShape(),
                        {c->shape(), t->shape(), f->shape()},
                        [&](int64_t r, ArrayRef<int64_t> src) {
                          if (c->getI(src[0]))
                            out.copyElement(r, *t, src[1]);
                          else
                            out.copyElement(r, *f, src[2]);
                        });
  return out.toAttr();
}
