//===- NodeImporter.cpp - what an op builder sees of one ONNX node ---------===//
#include "compiler/importer/NodeImporter.h"
#include "compiler/importer/GraphImporter.h"
#include "compiler/importer/NodeAttributes.h"

#include "dialects/kiln/ShapeRules.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;

namespace kiln {

NodeImporter::NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
                           int64_t opset, Location loc)
    : builder(graph.opBuilder()), loc(loc), graph(graph),
      node(node), opsetVersion(opset), ctx(loc.getContext()) {}

//===----------------------------------------------------------------------===//
// Inputs and outputs
//===----------------------------------------------------------------------===//

bool NodeImporter::hasInput(size_t i) const {
  return i < numInputs() && !node.input(i).empty();
}

Value NodeImporter::optionalInput(size_t i) {
  if (!hasInput(i))
    return {};
  Value v = graph.lookup(node.input(i));
  if (!v)
    return error("input " + llvm::Twine(i) + " ('" + node.input(i) +
                 "') is not available");
  return v;
}

Value NodeImporter::input(size_t i) {
  if (!hasInput(i))
    return error("needs input " + llvm::Twine(i) + ", which is missing");
  return optionalInput(i);
}

RankedTensorType NodeImporter::inputType(size_t i) {
  Value v = input(i);
  return v ? mlir::cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

std::optional<HostTensor> NodeImporter::constantInput(size_t i) {
  Value v = optionalInput(i);
  if (!v)
    return std::nullopt;
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return std::nullopt;
  return HostTensor::fromAttr(c.getValue());
}

std::optional<SmallVector<int64_t>> NodeImporter::constantInts(size_t i,
                                                               StringRef what) {
  if (!hasInput(i)) {
    (void)fail("needs input " + llvm::Twine(i) + " (" + what + ")");
    return std::nullopt;
  }
  auto t = constantInput(i);
  if (!t || t->isFloat()) {
    if (!hadError())
      (void)fail(what + " (input " + llvm::Twine(i) + ", '" + node.input(i) +
                 "') must be an integer constant at compile time; Kiln needs "
                 "static shapes (fix dynamic dims with --input-shape)");
    return std::nullopt;
  }
  return SmallVector<int64_t>(t->ints().begin(), t->ints().end());
}

bool NodeImporter::wantsOutput(size_t i) const {
  return i < numOutputs() && !node.output(i).empty();
}

LogicalResult NodeImporter::setOutput(size_t i, Value v) {
  if (!v) {
    if (!hadError())
      (void)fail("could not build output " + llvm::Twine(i));
    return failure();
  }
  if (wantsOutput(i))
    graph.define(node.output(i), v);
  return success();
}

//===----------------------------------------------------------------------===//
// Attributes and errors
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *NodeImporter::attr(StringRef name) const {
  return findAttr(node, name);
}
int64_t NodeImporter::attrInt(StringRef name, int64_t dflt) const {
  return kiln::attrInt(node, name, dflt);
}
float NodeImporter::attrFloat(StringRef name, float dflt) const {
  return kiln::attrFloat(node, name, dflt);
}
std::string NodeImporter::attrString(StringRef name, StringRef dflt) const {
  return kiln::attrString(node, name, dflt);
}
std::optional<SmallVector<int64_t>> NodeImporter::attrInts(StringRef name) const {
  return kiln::attrInts(node, name);
}
std::optional<SmallVector<float>> NodeImporter::attrFloats(StringRef name) const {
  return kiln::attrFloats(node, name);
}

LogicalResult NodeImporter::fail(const llvm::Twine &msg) {
  errors.push_back(msg.str());
  return failure();
}

Value NodeImporter::error(const llvm::Twine &msg) {
  (void)fail(msg);
  return {};
}

std::optional<int64_t> NodeImporter::axis(int64_t a, int64_t rank,
                                          StringRef what) {
  auto n = normalizeAxis(a, rank);
  if (!n)
    (void)fail(what + " " + llvm::Twine(a) + " is outside the rank " +
               llvm::Twine(rank));
  return n;
}

//===----------------------------------------------------------------------===//
// Op construction
//===----------------------------------------------------------------------===//

Value NodeImporter::finish(Operation *op, bool infer) {
  if (infer) {
    auto iface = dyn_cast<InferTypeOpInterface>(op);
    SmallVector<Type> types;
    if (!iface ||
        failed(iface.inferReturnTypes(ctx, loc, op->getOperands(),
                                      op->getRawDictionaryAttrs(),
                                      op->getPropertiesStorage(),
                                      op->getRegions(), types))) {
      op->erase();
      if (!hadError())
        (void)fail("cannot infer the type of " + op->getName().getStringRef());
      return {};
    }
    for (auto [r, t] : llvm::zip(op->getResults(), types))
      r.setType(t);
  }
  if (failed(mlir::verify(op))) {
    op->erase();
    return {};
  }
  SmallVector<Value> folded;
  if (succeeded(builder.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded.front();
  }
  return op->getResult(0);
}

Operation *NodeImporter::finishMulti(Operation *op) {
  if (failed(mlir::verify(op))) {
    op->erase();
    return nullptr;
  }
  return op;
}

Value NodeImporter::constant(ElementsAttr value) {
  return ConstantOp::create(builder, loc, value);
}

Value NodeImporter::constant(const onnx::TensorProto &tensor) {
  auto attr = graph.convertTensor(tensor);
  if (!attr)
    return error(llvm::toString(attr.takeError()));
  return constant(*attr);
}

Value NodeImporter::scalar(Type elementType, double value) {
  HostTensor t(elementType, {});
  t.setF(0, value);
  return constant(t.toAttr());
}

Value NodeImporter::scalarLike(Value like, double value) {
  if (!like)
    return {};
  return scalar(mlir::cast<RankedTensorType>(like.getType()).getElementType(), value);
}

Value NodeImporter::i64Vector(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()},
                                    builder.getIntegerType(64));
  return constant(DenseElementsAttr::get(type, values));
}

Value NodeImporter::reshape(Value x, ArrayRef<int64_t> shape) {
  if (!x)
    return {};
  auto t = mlir::cast<RankedTensorType>(x.getType());
  if (t.getShape() == shape)
    return x;
  return createTyped<ReshapeOp>(RankedTensorType::get(shape, t.getElementType()),
                                x);
}

Value NodeImporter::transpose(Value x, ArrayRef<int64_t> perm) {
  return create<TransposeOp>(x, perm);
}

Value NodeImporter::cast(Value x, Type elementType) {
  if (!x)
    return {};
  auto t = mlir::cast<RankedTensorType>(x.getType());
  if (t.getElementType() == elementType)
    return x;
  return createTyped<CastOp>(t.clone(elementType), x);
}

Value NodeImporter::sliceAxis(Value x, int64_t axis, int64_t start,
                              int64_t size, int64_t step) {
  if (!x)
    return {};
  auto t = mlir::cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
  SmallVector<int64_t> shape(t.getShape());
  starts[axis] = start;
  steps[axis] = step;
  shape[axis] = size;
  return createTyped<SliceOp>(RankedTensorType::get(shape, t.getElementType()),
                              x, ArrayRef<int64_t>(starts),
                              ArrayRef<int64_t>(steps));
}

Value NodeImporter::expand(Value x, ArrayRef<int64_t> shape) {
  if (!x)
    return {};
  auto t = mlir::cast<RankedTensorType>(x.getType());
  if (t.getShape() == shape)
    return x;
  return createTyped<ExpandOp>(RankedTensorType::get(shape, t.getElementType()),
                               x);
}

Value NodeImporter::matmul(Value a, Value b, bool transposeA, bool transposeB) {
  return create<MatmulOp>(a, b, transposeA, transposeB);
}

Value NodeImporter::reduce(ReduceKind kind, Value x, ArrayRef<int64_t> axes,
                           bool keepDims) {
  return create<ReduceOp>(kind, x, axes, keepDims);
}

Value NodeImporter::softmax(Value x, int64_t axis) {
  if (!x)
    return {};
  return createTyped<SoftmaxOp>(x.getType(), x, axis);
}

Value NodeImporter::layerNorm(Value x, Value scale, Value bias, int64_t axis,
                              float epsilon) {
  if (!x || !scale)
    return {};
  // ORT's LayerNormalization allows f32 parameters on f16 data and then
  // computes and returns the parameters' type.
  Type et = mlir::cast<RankedTensorType>(scale.getType()).getElementType();
  x = cast(x, et);
  if (bias)
    bias = cast(bias, et);
  return createAllowNull<LayerNormOp>(x, scale, bias, axis,
                                      llvm::APFloat(epsilon));
}

Value NodeImporter::rmsNorm(Value x, Value scale, int64_t axis, float epsilon) {
  if (!x || !scale)
    return {};
  x = cast(x, mlir::cast<RankedTensorType>(scale.getType()).getElementType());
  return create<RmsNormOp>(x, scale, axis, llvm::APFloat(epsilon));
}

Value NodeImporter::gelu(Value x, GeluApproximation approx) {
  if (!x)
    return {};
  return createTyped<GeluOp>(x.getType(), x, approx);
}

Value NodeImporter::compare(ComparePredicate pred, Value a, Value b) {
  return create<CmpOp>(pred, a, b);
}

Value NodeImporter::where(Value c, Value a, Value b) {
  return create<WhereOp>(c, a, b);
}

Value NodeImporter::concat(ArrayRef<Value> values, int64_t axis) {
  if (values.size() == 1)
    return values.front();
  return create<ConcatOp>(ValueRange(values), axis);
}

} // namespace kiln
