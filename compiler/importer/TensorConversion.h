//===- TensorConversion.h - ONNX tensors and types to MLIR ------*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_TENSORCONVERSION_H
#define KILN_COMPILER_IMPORTER_TENSORCONVERSION_H

#include "compiler/importer/ImportOptions.h"
#include "compiler/importer/ModelLoader.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

namespace kiln {

/// The MLIR element type of an ONNX TensorProto::DataType, or null when Kiln
/// does not support it (strings, float8, 4-bit, complex).
mlir::Type onnxElementType(mlir::MLIRContext *ctx, int32_t dataType);

/// True when Kiln has an element type for the ONNX data type.
bool isSupportedOnnxType(int32_t dataType);

/// "FLOAT", "INT64", ... for messages.
std::string onnxTypeName(int32_t dataType);

/// Converts an initializer or Constant value. Large tensors become
/// `dense_resource` blobs that take over the proto's raw bytes (or point into
/// a mapped external-data file) instead of copying them; `tensor` may be left
/// without its raw data afterwards.
llvm::Expected<mlir::ElementsAttr>
convertTensor(mlir::MLIRContext *ctx, onnx::TensorProto &tensor,
              LoadedModel &model, const ImportOptions &options);

} // namespace kiln

#endif
