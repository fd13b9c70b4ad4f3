//===- ConstantFolding.h - host evaluation of small constants ---*- C++ -*-===//
//
// Exporters compute shapes with small int64 subgraphs (Shape, Gather, Concat,
// Unsqueeze, ...). Kiln folds those while importing, so later ops see static
// shapes. Folding is bounded: large tensors are weights and stay as they are.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECTS_KILN_CONSTANTFOLDING_H
#define KILN_DIALECTS_KILN_CONSTANTFOLDING_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <functional>
#include <optional>
#include <vector>

namespace kiln {

/// Folders give up on results larger than this (splats are always fine).
constexpr int64_t kMaxFoldElements = 1 << 16;

/// A small constant tensor unpacked on the host. Floats are held as double,
/// integers (signed, unsigned and i1) as int64_t with their value semantics.
class HostTensor {
public:
  HostTensor(mlir::Type elementType, llvm::ArrayRef<int64_t> shape);

  /// Unpacks a DenseElementsAttr (and, with `readBlobs`, a blob-backed
  /// DenseResourceElementsAttr); nullopt for anything else or when it has
  /// more than `maxElements` elements. Folders leave blobs alone: folding a
  /// weight into a uniqued attribute would copy it into the context.
  static std::optional<HostTensor> fromAttr(mlir::Attribute attr,
                                            int64_t maxElements = kMaxFoldElements,
                                            bool readBlobs = false);

  mlir::DenseElementsAttr toAttr() const;

  mlir::Type elementType() const { return elemType; }
  llvm::ArrayRef<int64_t> shape() const { return dims; }
  int64_t size() const { return isFloat() ? (int64_t)f.size() : (int64_t)i.size(); }
  bool isFloat() const { return floating; }

  double getF(int64_t idx) const { return floating ? f[idx] : (double)i[idx]; }
  int64_t getI(int64_t idx) const { return floating ? (int64_t)f[idx] : i[idx]; }
  void setF(int64_t idx, double v);
  void setI(int64_t idx, int64_t v);
  /// Copies element `from` of `src` (same element kind) to element `to`.
  void copyElement(int64_t to, const HostTensor &src, int64_t from);

  std::vector<int64_t> &ints() { return i; }
  std::vector<double> &floats() { return f; }

private:
  mlir::Type elemType;
  llvm::SmallVector<int64_t> dims;
  bool floating;
  std::vector<double> f;
  std::vector<int64_t> i;
};

/// Row-major strides of a shape.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Visits every index of `resultShape`, passing the linear result index and,
/// for each input shape, the linear index of its broadcast element.
void forEachBroadcastIndex(
    llvm::ArrayRef<int64_t> resultShape,
    llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputShapes,
    llvm::function_ref<void(int64_t, llvm::ArrayRef<int64_t>)> fn);

/// Wraps a value into the range of an integer type (two's complement, or the
/// unsigned range for uiN, or 0/1 for i1).
int64_t wrapToIntType(mlir::Type type, int64_t v);

} // namespace kiln

#endif
