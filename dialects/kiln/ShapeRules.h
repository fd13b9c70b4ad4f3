//===- ShapeRules.h - shape arithmetic shared by kiln ops -------*- C++ -*-===//
//
// Dims may be dynamic (ShapedType::kDynamic); every rule propagates that.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECTS_KILN_SHAPERULES_H
#define KILN_DIALECTS_KILN_SHAPERULES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace kiln {

/// Numpy broadcast of two shapes, or nullopt when a pair of static dims
/// differs and neither is 1.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// True when `from` broadcasts to exactly `to` (right-aligned, dims equal or 1).
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Maps a possibly negative axis into [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Product of the dims, or nullopt when one is dynamic.
std::optional<int64_t> staticNumElements(llvm::ArrayRef<int64_t> shape);

/// Result shape of a batched matmul, or nullopt when the operands don't fit.
/// Both operands must have rank >= 2.
std::optional<llvm::SmallVector<int64_t>>
matmulShape(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs,
            bool transposeLhs, bool transposeRhs);

/// "2x?x4"; for diagnostics.
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

} // namespace kiln

#endif
