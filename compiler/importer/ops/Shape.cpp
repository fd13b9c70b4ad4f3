//===- Shape.cpp - ONNX constants, shape arithmetic and data movement -------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/TensorConversion.h"
#include "compiler/importer/ops/OpBuilders.h"

#include "dialects/kiln/ShapeRules.h"

#include <cmath>

using namespace mlir;

namespace kiln::ops {

static constexpr int64_t kDyn = ShapedType::kDynamic;

/// The static shape of input `i`, or an error.
static std::optional<SmallVector<int64_t>> staticShape(NodeImporter &n,
                                                       size_t i) {
  RankedTensorType t = n.inputType(i);
  if (!t)
    return std::nullopt;
  if (!t.hasStaticShape()) {
    (void)n.fail("input " + llvm::Twine(i) + " has a dynamic shape " +
                 shapeToString(t.getShape()));
    return std::nullopt;
  }
  return SmallVector<int64_t>(t.getShape());
}

Check checkConstant(const onnx::NodeProto &node, int64_t) {
  for (const auto &a : node.attribute()) {
    if (a.name() == "sparse_value")
      return std::string("sparse constants are not supported");
    if (a.name() == "value_string" || a.name() == "value_strings")
      return std::string("string constants are not supported");
  }
  return std::nullopt;
}

LogicalResult importConstant(NodeImporter &n) {
  Builder &b = n.builder;
  if (const auto *a = n.attr("value"))
    return n.setOutput(0, n.constant(a->t()));
  if (n.hasAttr("value_float")) {
    return n.setOutput(0, n.scalar(b.getF32Type(), n.attrFloat("value_float", 0)));
  }
  if (n.hasAttr("value_int")) {
    return n.setOutput(0, n.constant(DenseElementsAttr::get(
                              RankedTensorType::get({}, b.getI64Type()),
                              n.attrInt("value_int", 0))));
  }
  if (auto ints = n.attrInts("value_ints"))
    return n.setOutput(0, n.i64Vector(*ints));
  if (auto floats = n.attrFloats("value_floats")) {
    auto type = RankedTensorType::get({(int64_t)floats->size()}, b.getF32Type());
    return n.setOutput(0, n.constant(DenseElementsAttr::get(
                              type, ArrayRef<float>(*floats))));
  }
  return n.fail("has no value attribute");
}

LogicalResult importShape(NodeImporter &n) {
  auto shape = staticShape(n, 0);
  if (!shape)
    return failure();
  int64_t rank = shape->size();
  int64_t start = n.attrInt("start", 0), end = n.attrInt("end", rank);
  auto clampDim = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  start = clampDim(start);
  end = clampDim(end);
  SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back((*shape)[d]);
  return n.setOutput(0, n.i64Vector(dims));
}

LogicalResult importSize(NodeImporter &n) {
  auto shape = staticShape(n, 0);
  if (!shape)
    return failure();
  int64_t size = staticNumElements(*shape).value_or(0);
  return n.setOutput(0, n.constant(DenseElementsAttr::get(
                            RankedTensorType::get({}, n.builder.getI64Type()),
                            size)));
}

LogicalResult importReshape(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  std::optional<SmallVector<int64_t>> target;
  if (n.opset() < 5)
    target = n.attrInts("shape");
  else
    target = n.constantInts(1, "the target shape");
  if (!in || !target)
    return failure();
  if (!in.hasStaticShape())
    return n.fail("input has a dynamic shape " + shapeToString(in.getShape()));
  bool allowZero = n.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> shape(*target);
  int64_t known = 1, inferAt = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0 && !allowZero) {
      if (d >= (size_t)in.getRank())
        return n.fail("target dim " + llvm::Twine(d) +
                      " copies an input dim that does not exist");
      shape[d] = in.getDimSize(d);
    }
    if (shape[d] == -1) {
      if (inferAt >= 0)
        return n.fail("target shape has more than one -1");
      inferAt = d;
      continue;
    }
    if (shape[d] < 0)
      return n.fail("target dim " + llvm::Twine(d) + " is " +
                    llvm::Twine(shape[d]));
    known *= shape[d];
  }
  int64_t total = in.getNumElements();
  if (inferAt >= 0) {
    if (known == 0 || total % known != 0)
      return n.fail("cannot reshape " + shapeToString(in.getShape()) + " to " +
                    shapeToString(*target));
    shape[inferAt] = total / known;
  }
  return n.setOutput(0, n.reshape(n.input(0), shape));
}

LogicalResult importFlatten(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  int64_t rank = in.getRank();
  int64_t a = n.attrInt("axis", 1);
  if (a < 0)
    a += rank;
  if (a < 0 || a > rank)
    return n.fail("axis " + llvm::Twine(n.attrInt("axis", 1)) +
                  " is outside the rank " + llvm::Twine(rank));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < a ? outer : inner) *= in.getDimSize(d);
  return n.setOutput(0, n.reshape(n.input(0), {outer, inner}));
}

/// Axes from the attribute (older opsets) or from input 1.
static std::optional<SmallVector<int64_t>>
axesOperand(NodeImporter &n, int64_t inputSince, bool required) {
  if (n.opset() < inputSince) {
    auto a = n.attrInts("axes");
    if (!a && required) {
      (void)n.fail("needs the axes attribute");
      return std::nullopt;
    }
    return a ? *a : SmallVector<int64_t>();
  }
  if (!n.hasInput(1)) {
    if (required) {
      (void)n.fail("needs the axes input");
      return std::nullopt;
    }
    return SmallVector<int64_t>();
  }
  return n.constantInts(1, "axes");
}

LogicalResult importSqueeze(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  auto axes = axesOperand(n, 13, /*required=*/false);
  if (!in || !axes)
    return failure();
  int64_t rank = in.getRank();
  SmallVector<bool> drop(rank, false);
  if (axes->empty()) {
    for (int64_t d = 0; d < rank; ++d)
      drop[d] = in.getDimSize(d) == 1;
  }
  for (int64_t a : *axes) {
    auto d = n.axis(a, rank);
    if (!d)
      return failure();
    if (in.getDimSize(*d) != 1)
      return n.fail("cannot squeeze dim " + llvm::Twine(*d) + " of size " +
                    llvm::Twine(in.getDimSize(*d)));
    drop[*d] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d])
      shape.push_back(in.getDimSize(d));
  return n.setOutput(0, n.reshape(n.input(0), shape));
}

LogicalResult importUnsqueeze(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  auto axes = axesOperand(n, 13, /*required=*/true);
  if (!in || !axes)
    return failure();
  int64_t outRank = in.getRank() + (int64_t)axes->size();
  SmallVector<bool> inserted(outRank, false);
  for (int64_t a : *axes) {
    auto d = n.axis(a, outRank);
    if (!d)
      return failure();
    if (inserted[*d])
      return n.fail("axis " + llvm::Twine(a) + " repeats");
    inserted[*d] = true;
  }
  SmallVector<int64_t> shape;
  int64_t k = 0;
  for (int64_t d = 0; d < outRank; ++d)
    shape.push_back(inserted[d] ? 1 : in.getDimSize(k++));
  return n.setOutput(0, n.reshape(n.input(0), shape));
}

LogicalResult importTranspose(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  SmallVector<int64_t> perm;
  if (auto p = n.attrInts("perm")) {
    perm = *p;
  } else {
    for (int64_t d = in.getRank() - 1; d >= 0; --d)
      perm.push_back(d);
  }
  return n.setOutput(0, n.transpose(n.input(0), perm));
}

LogicalResult importSlice(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  std::optional<SmallVector<int64_t>> starts, ends, axes, steps;
  if (n.opset() < 10) {
    starts = n.attrInts("starts");
    ends = n.attrInts("ends");
    axes = n.attrInts("axes");
    if (!starts || !ends)
      return n.fail("needs starts and ends");
  } else {
    starts = n.constantInts(1, "starts");
    ends = n.constantInts(2, "ends");
    if (!starts || !ends)
      return failure();
    if (n.hasInput(3) && !(axes = n.constantInts(3, "axes")))
      return failure();
    if (n.hasInput(4) && !(steps = n.constantInts(4, "steps")))
      return failure();
  }
  int64_t rank = in.getRank();
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(i);
  }
  if (!steps)
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (ends->size() != starts->size() || axes->size() != starts->size() ||
      steps->size() != starts->size())
    return n.fail("starts, ends, axes and steps differ in length");
  SmallVector<int64_t> outStarts(rank, 0), outSteps(rank, 1);
  SmallVector<int64_t> shape(in.getShape());
  for (size_t i = 0; i < starts->size(); ++i) {
    auto d = n.axis((*axes)[i], rank);
    if (!d)
      return failure();
    int64_t dim = in.getDimSize(*d);
    if (dim == kDyn)
      return n.fail("slices dynamic dim " + llvm::Twine(*d));
    int64_t step = (*steps)[i];
    if (step == 0)
      return n.fail("step of axis " + llvm::Twine(*d) + " is 0");
    int64_t s = (*starts)[i], e = (*ends)[i];
    // ONNX clamping rules; starts/ends may be INT64_MIN/MAX sentinels.
    if (s < 0)
      s = s < -dim ? -1 : s + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t size =
        step > 0 ? (e > s ? (e - s + step - 1) / step : 0)
                 : (s > e ? (s - e + (-step) - 1) / (-step) : 0);
    outStarts[*d] = size > 0 ? s : 0;
    outSteps[*d] = step;
    shape[*d] = size;
  }
  return n.setOutput(
      0, n.createTyped<SliceOp>(RankedTensorType::get(shape, in.getElementType()),
                                n.input(0), ArrayRef<int64_t>(outStarts),
                                ArrayRef<int64_t>(outSteps)));
}

LogicalResult importConcat(NodeImporter &n) {
  RankedTensorType first = n.inputType(0);
  if (!first)
    return failure();
  auto a = n.axis(n.attrInt("axis", 0), first.getRank());
  if (!a)
    return failure();
  SmallVector<Value> inputs;
  for (size_t i = 0; i < n.numInputs(); ++i) {
    Value v = n.input(i);
    if (!v)
      return failure();
    // Zero-size pieces (a common artefact of empty past states) add nothing.
    if (cast<RankedTensorType>(v.getType()).getDimSize(*a) == 0 &&
        n.numInputs() > 1)
      continue;
    inputs.push_back(v);
  }
  if (inputs.empty())
    inputs.push_back(n.input(0));
  return n.setOutput(0, n.concat(inputs, *a));
}

LogicalResult importSplit(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto a = n.axis(n.attrInt("axis", 0), in.getRank());
  if (!a)
    return failure();
  int64_t dim = in.getDimSize(*a);
  size_t outs = n.numOutputs();
  SmallVector<int64_t> sizes;
  if (n.opset() < 13 && n.hasAttr("split")) {
    sizes = *n.attrInts("split");
  } else if (n.opset() >= 13 && n.hasInput(1)) {
    auto s = n.constantInts(1, "split sizes");
    if (!s)
      return failure();
    sizes = *s;
  } else {
    int64_t parts = n.opset() >= 18 ? n.attrInt("num_outputs", outs) : outs;
    if (parts <= 0)
      return n.fail("splits into " + llvm::Twine(parts) + " parts");
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t k = 0, left = dim; k < parts; ++k, left -= chunk)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, left)));
  }
  if (sizes.size() != outs)
    return n.fail("has " + llvm::Twine(outs) + " outputs but " +
                  llvm::Twine(sizes.size()) + " split sizes");
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (total != dim)
    return n.fail("split sizes add up to " + llvm::Twine(total) +
                  " but the axis has " + llvm::Twine(dim));
  int64_t offset = 0;
  for (size_t k = 0; k < outs; ++k) {
    Value part = n.sliceAxis(n.input(0), *a, offset, sizes[k]);
    if (failed(n.setOutput(k, part)))
      return failure();
    offset += sizes[k];
  }
  return success();
}

LogicalResult importGather(NodeImporter &n) {
  RankedTensorType data = n.inputType(0);
  if (!data)
    return failure();
  auto a = n.axis(n.attrInt("axis", 0), data.getRank());
  if (!a)
    return failure();
  return n.setOutput(0, n.create<GatherOp>(n.input(0), n.input(1), *a));
}

LogicalResult importExpand(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  auto target = n.constantInts(1, "the target shape");
  if (!in || !target)
    return failure();
  auto shape = broadcastShapes(in.getShape(), *target);
  if (!shape)
    return n.fail("cannot broadcast " + shapeToString(in.getShape()) + " to " +
                  shapeToString(*target));
  return n.setOutput(0, n.expand(n.input(0), *shape));
}

LogicalResult importTile(NodeImporter &n) {
  auto shape = staticShape(n, 0);
  auto repeats = n.constantInts(1, "repeats");
  if (!shape || !repeats)
    return failure();
  if (repeats->size() != shape->size())
    return n.fail("has " + llvm::Twine(repeats->size()) +
                  " repeats for a rank-" + llvm::Twine(shape->size()) + " input");
  // tile = reshape(expand(reshape(x, [1, d0, 1, d1, ...]), [r0, d0, ...]))
  SmallVector<int64_t> spread, expanded, out;
  for (size_t d = 0; d < shape->size(); ++d) {
    if ((*repeats)[d] < 0)
      return n.fail("repeat count is negative");
    spread.append({1, (*shape)[d]});
    expanded.append({(*repeats)[d], (*shape)[d]});
    out.push_back((*repeats)[d] * (*shape)[d]);
  }
  Value x = n.reshape(n.input(0), spread);
  return n.setOutput(0, n.reshape(n.expand(x, expanded), out));
}

LogicalResult importConstantOfShape(NodeImporter &n) {
  auto shape = n.constantInts(0, "the shape");
  if (!shape)
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return n.fail("shape has a negative dim");
  Attribute value = n.builder.getF32FloatAttr(0.0f);
  Type elem = n.builder.getF32Type();
  if (const auto *a = n.attr("value")) {
    Value c = n.constant(a->t());
    auto host = c ? HostTensor::fromAttr(c.getDefiningOp<ConstantOp>().getValue())
                  : std::nullopt;
    if (!host || host->size() != 1)
      return n.fail("value must hold one element");
    DenseElementsAttr dense = host->toAttr();
    value = dense.getSplatValue<Attribute>();
    elem = host->elementType();
    c.getDefiningOp()->erase();
  }
  return n.setOutput(0, n.constant(SplatElementsAttr::get(
                            RankedTensorType::get(*shape, elem), value)));
}

LogicalResult importRange(NodeImporter &n) {
  auto start = n.constantInput(0), limit = n.constantInput(1),
       delta = n.constantInput(2);
  if (!start || !limit || !delta)
    return n.fail("start, limit and delta must be constants; Kiln needs static "
                  "shapes");
  double s = start->getF(0), l = limit->getF(0), d = delta->getF(0);
  if (d == 0)
    return n.fail("delta is 0");
  int64_t count = std::max<int64_t>(0, (int64_t)std::ceil((l - s) / d));
  if (count > kMaxFoldElements * 16)
    return n.fail("range of " + llvm::Twine(count) + " elements is too large");
  HostTensor out(start->elementType(), {count});
  for (int64_t i = 0; i < count; ++i) {
    if (out.isFloat())
      out.setF(i, s + i * d);
    else
      out.setI(i, start->getI(0) + i * delta->getI(0));
  }
  return n.setOutput(0, n.constant(out.toAttr()));
}

LogicalResult importTrilu(NodeImporter &n) {
  auto shape = staticShape(n, 0);
  if (!shape)
    return failure();
  if (shape->size() < 2)
    return n.fail("input must have rank >= 2");
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto kv = n.constantInts(1, "k");
    if (!kv)
      return failure();
    k = kv->empty() ? 0 : (*kv)[0];
  }
  bool upper = n.attrInt("upper", 1) != 0;
  int64_t rows = (*shape)[shape->size() - 2], cols = shape->back();
  HostTensor mask(n.builder.getI1Type(), {rows, cols});
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      mask.setI(i * cols + j, upper ? (j - i >= k) : (j - i <= k));
  Value x = n.input(0);
  return n.setOutput(
      0, n.where(n.constant(mask.toAttr()), x, n.scalarLike(x, 0)));
}

LogicalResult importNonZero(NodeImporter &n) {
  auto in = n.constantInput(0);
  if (!in)
    return n.fail("input must be a constant: NonZero has a data-dependent "
                  "shape");
  ArrayRef<int64_t> shape = in->shape();
  SmallVector<SmallVector<int64_t>> coords;
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < in->size(); ++k) {
    if (in->getF(k) != 0)
      coords.push_back(idx);
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
  int64_t rank = shape.size(), count = coords.size();
  HostTensor out(n.builder.getI64Type(), {rank, count});
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t c = 0; c < count; ++c)
      out.setI(d * count + c, coords[c][d]);
  return n.setOutput(0, n.constant(out.toAttr()));
}

} // namespace kiln::ops
