//===- OnnxImporter.h - ONNX model to kiln IR --------------------*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_ONNXIMPORTER_H
#define KILN_COMPILER_IMPORTER_ONNXIMPORTER_H

#include "compiler/importer/ImportOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace kiln {

/// What went wrong, one line per problem, each naming the file or the node.
struct ImportReport {
  std::vector<std::string> errors;
  std::vector<std::string> notes;
};

/// Reads `path` and builds a module with one `func.func` of kiln ops. On
/// failure returns null and fills `report` with every problem found.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &ctx,
                                                 const std::string &path,
                                                 const ImportOptions &options,
                                                 ImportReport &report);

/// Loads the dialects the importer creates ops of.
void loadImporterDialects(mlir::MLIRContext &ctx);

} // namespace kiln

#endif
