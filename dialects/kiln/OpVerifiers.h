//===- OpVerifiers.h - checks shared by several kiln ops ---------*- C++ -*-===//
#ifndef KILN_DIALECTS_KILN_OPVERIFIERS_H
#define KILN_DIALECTS_KILN_OPVERIFIERS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace kiln {

/// The rules of every normalisation op: `axis` in range, `epsilon >= 0`, and
/// `scale`/`bias` (either may be null) of the input's element type,
/// broadcasting to the normalised trailing dims.
mlir::LogicalResult verifyNorm(mlir::Operation *op, mlir::RankedTensorType input,
                               int64_t axis, float epsilon, mlir::Value scale,
                               mlir::Value bias);

} // namespace kiln

#endif
