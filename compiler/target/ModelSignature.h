//===- ModelSignature.h - a model's inputs and outputs for its ABI -*- C++ -*-===//
#ifndef KILN_COMPILER_TARGET_MODELSIGNATURE_H
#define KILN_COMPILER_TARGET_MODELSIGNATURE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace kiln {

struct TensorSignature {
  std::string name;     // the ONNX name
  std::string cName;    // a C identifier derived from it, unique in the model
  int32_t dtype = 0;    // kiln_dtype (ONNX numbering)
  std::vector<int64_t> shape;
  int64_t numElements() const;
  int64_t byteSize() const;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the entry function's inputs and outputs from the kiln-level module
/// (before lowering erases the element types' signedness).
llvm::Expected<ModelSignature> readSignature(mlir::ModuleOp module);

/// "float32", "int64", ... and the C element type for a kiln_dtype.
const char *dtypeName(int32_t dtype);
const char *dtypeCType(int32_t dtype);
int64_t dtypeSize(int32_t dtype);

/// Turns any string into a C identifier ([A-Za-z_][A-Za-z0-9_]*).
std::string toCIdentifier(llvm::StringRef s);

} // namespace kiln

#endif
