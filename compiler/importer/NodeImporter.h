//===- NodeImporter.h - what an op builder sees of one ONNX node -*- C++ -*-===//
//
// Builders take a NodeImporter and write the node's outputs. Helpers return a
// null Value after recording an error, and every helper passes a null operand
// straight through, so builders read as straight-line math and check once, at
// setOutput.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_IMPORTER_NODEIMPORTER_H
#define KILN_COMPILER_IMPORTER_NODEIMPORTER_H

#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "onnx/onnx_pb.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {

class GraphImporter;

class NodeImporter {
public:
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
               int64_t opset, mlir::Location loc);

  // Node facts.
  const onnx::NodeProto &proto() const { return node; }
  const std::string &opType() const { return node.op_type(); }
  /// The opset version of this node's domain.
  int64_t opset() const { return opsetVersion; }
  mlir::MLIRContext *context() const { return ctx; }

  // Inputs. Optional inputs may be absent (empty name or past the end).
  size_t numInputs() const { return (size_t)node.input_size(); }
  bool hasInput(size_t i) const;
  /// The input value, or null (with an error recorded) when absent.
  mlir::Value input(size_t i);
  /// The input value, or null without an error when absent.
  mlir::Value optionalInput(size_t i);
  mlir::RankedTensorType inputType(size_t i);
  /// The input's elements when it is a small compile-time constant.
  std::optional<HostTensor> constantInput(size_t i);
  /// The input's integer elements; an error naming `what` when the input is
  /// not a compile-time constant.
  std::optional<llvm::SmallVector<int64_t>> constantInts(size_t i,
                                                         llvm::StringRef what);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t dflt) const;
  float attrFloat(llvm::StringRef name, float dflt) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::optional<llvm::SmallVector<int64_t>> attrInts(llvm::StringRef name) const;
  std::optional<llvm::SmallVector<float>> attrFloats(llvm::StringRef name) const;

  // Outputs.
  size_t numOutputs() const { return (size_t)node.output_size(); }
  /// True when output `i` exists and something may read it.
  bool wantsOutput(size_t i) const;
  mlir::LogicalResult setOutput(size_t i, mlir::Value v);

  // Errors.
  /// Records a problem with this node; returns failure for `return fail(..)`.
  mlir::LogicalResult fail(const llvm::Twine &msg);
  /// Records a problem and yields a null Value.
  mlir::Value error(const llvm::Twine &msg);
  bool hadError() const { return !errors.empty(); }
  const std::vector<std::string> &errorMessages() const { return errors; }

  // Op construction. Every op is verified as it is made; a failure becomes
  // this node's error. Results fold to constants when their inputs are.
  /// Ops whose result type their shape rule infers.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    if (anyNull(args...))
      return {};
    return createAllowNull<OpTy>(std::forward<Args>(args)...);
  }
  /// As create, for ops with optional operands (null means absent).
  template <typename OpTy, typename... Args>
  mlir::Value createAllowNull(Args &&...args) {
    auto op = OpTy::create(builder, loc, builder.getNoneType(),
                           std::forward<Args>(args)...);
    return finish(op.getOperation(), /*infer=*/true);
  }
  /// Ops whose result type the caller gives.
  template <typename OpTy, typename... Args>
  mlir::Value createTyped(mlir::Type resultType, Args &&...args) {
    if (!resultType || anyNull(args...))
      return {};
    auto op = OpTy::create(builder, loc, resultType, std::forward<Args>(args)...);
    return finish(op.getOperation(), /*infer=*/false);
  }
  /// Multi-result ops: creates and verifies, returns null on failure.
  mlir::Operation *finishMulti(mlir::Operation *op);

  // Building blocks shared by many builders.
  mlir::Value constant(mlir::ElementsAttr value);
  /// A constant from a TensorProto held in an attribute.
  mlir::Value constant(const onnx::TensorProto &tensor);
  /// A rank-0 constant of the given element type.
  mlir::Value scalar(mlir::Type elementType, double value);
  mlir::Value scalarLike(mlir::Value like, double value);
  mlir::Value i64Vector(llvm::ArrayRef<int64_t> values);
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm);
  mlir::Value cast(mlir::Value x, mlir::Type elementType);
  /// x[..., start : start + size * step : step, ...] along one axis.
  mlir::Value sliceAxis(mlir::Value x, int64_t axis, int64_t start,
                        int64_t size, int64_t step = 1);
  mlir::Value expand(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value matmul(mlir::Value a, mlir::Value b, bool transposeA = false,
                     bool transposeB = false);
  mlir::Value reduce(ReduceKind kind, mlir::Value x,
                     llvm::ArrayRef<int64_t> axes, bool keepDims);
  mlir::Value softmax(mlir::Value x, int64_t axis);
  mlir::Value layerNorm(mlir::Value x, mlir::Value scale, mlir::Value bias,
                        int64_t axis, float epsilon);
  mlir::Value rmsNorm(mlir::Value x, mlir::Value scale, int64_t axis,
                      float epsilon);
  mlir::Value gelu(mlir::Value x, GeluApproximation approx);
  mlir::Value compare(ComparePredicate pred, mlir::Value a, mlir::Value b);
  mlir::Value where(mlir::Value c, mlir::Value a, mlir::Value b);
  mlir::Value concat(llvm::ArrayRef<mlir::Value> values, int64_t axis);

  /// Normalises an axis against a rank, recording an error when out of range.
  std::optional<int64_t> axis(int64_t axis, int64_t rank,
                              llvm::StringRef what = "axis");

  mlir::OpBuilder &builder;
  mlir::Location loc;

private:
  template <typename... Args>
  static bool anyNull(const Args &...args) {
    return (isNull(args) || ...);
  }
  template <typename T>
  static bool isNull(const T &v) {
    if constexpr (std::is_convertible_v<const T &, mlir::Value>)
      return !mlir::Value(v);
    else if constexpr (std::is_convertible_v<const T &, mlir::ValueRange>)
      return llvm::any_of(mlir::ValueRange(v), [](mlir::Value x) { return !x; });
    else
      return false;
  }
  mlir::Value finish(mlir::Operation *op, bool infer);

  GraphImporter &graph;
  const onnx::NodeProto &node;
  int64_t opsetVersion;
  mlir::MLIRContext *ctx;
  std::vector<std::string> errors;
};

} // namespace kiln

#endif
