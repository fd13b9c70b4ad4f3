//===- LoweringUtils.h - building blocks for kiln -> linalg -----*- C++ -*-===//
//
// Lowerings see signless tensors (the type converter maps uiN to iN) and read
// signedness from the original kiln op's types through ElemInfo.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_KILNTOLINALG_LOWERINGUTILS_H
#define KILN_PASSES_KILNTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// What scalar code needs to know about an element type.
struct ElemInfo {
  mlir::Type type;   // signless
  bool isFloat = false;
  bool isUnsigned = false;
  bool isBool = false;
  static ElemInfo of(mlir::Type kilnElementType);
};

/// tensor<..xuiN> -> tensor<..xiN>; everything else unchanged.
class KilnTypeConverter : public mlir::TypeConverter {
public:
  KilnTypeConverter();
};

mlir::Type signless(mlir::Type t);
mlir::RankedTensorType signlessTensor(mlir::Type t);

/// The map from a result iteration space to an operand broadcast numpy-style
/// (right-aligned; size-1 operand dims read index 0).
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx,
                             llvm::ArrayRef<int64_t> operandShape,
                             llvm::ArrayRef<int64_t> resultShape);

mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<int64_t> shape, mlir::Type elem);
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<int64_t> shape, mlir::Value init);

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// A linalg.generic producing `resultType` elementwise from broadcast operands.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange operands, BodyFn body);

using CombineFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::Value elem, mlir::Value acc)>;

/// Scalar combiners for buildReduction: `combine(element, accumulator)`.
namespace combine {
mlir::Value addF(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value addI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value addSquareF(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value addSquareI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value mulF(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value mulI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value maxF(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value minF(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value maxSI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value maxUI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value minSI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
mlir::Value minUI(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value);
} // namespace combine

/// Reduces `input` over the sorted `axes` (removed from the result), starting
/// from `init`.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value input, llvm::ArrayRef<int64_t> axes,
                           mlir::Value init, CombineFn combine);

/// softmax(x) along `axis` (log-softmax with `log`), max-subtracted. With
/// `zeroMaskedRows`, a row that is entirely -inf yields zeros instead of NaN
/// (attention's rule for fully masked queries).
mlir::Value buildSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         int64_t axis, bool log, bool zeroMaskedRows = false);

/// The type to accumulate products of `t` in: f32 for half types.
mlir::Type accumulatorType(mlir::Type t);

/// Reinserts size-1 dims at `axes` (the inverse of a reduction's dim removal).
mlir::Value expandReducedDims(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value reduced, llvm::ArrayRef<int64_t> axes,
                              int64_t fullRank);

/// Reshapes between any two static shapes with the same element count,
/// through collapse/expand_shape (views, no copies after bufferization).
mlir::Value reshapeTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          llvm::ArrayRef<int64_t> shape);

/// A scalar constant of a signless int or float type.
mlir::Value scalarConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type t,
                        double v);
/// The smallest and largest values of an element type (-inf/+inf for floats).
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc,
                        const ElemInfo &e);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc,
                         const ElemInfo &e);

/// Converts a scalar between element types with ONNX Cast semantics.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          const ElemInfo &from, const ElemInfo &to);

} // namespace kiln

#endif
