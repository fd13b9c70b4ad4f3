//===- OpTable.h - the one table from ONNX ops to kiln builders --*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_OPTABLE_H
#define KILN_COMPILER_IMPORTER_OPTABLE_H

#include "compiler/importer/NodeImporter.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace kiln {

/// Builds the kiln ops for one node and sets its outputs.
using OpBuilderFn = mlir::LogicalResult (*)(NodeImporter &);
/// Checks a node's attributes before any IR is built, so that every
/// unsupported attribute in a model is reported in one pass. Returns the
/// problem, or nullopt when the node is fine.
using OpCheckFn = std::optional<std::string> (*)(const onnx::NodeProto &,
                                                 int64_t opset);

struct OpEntry {
  const char *domain; // "" for the default ONNX domain
  const char *opType;
  int minOpset;       // oldest version whose semantics the builder handles
  OpBuilderFn build;
  OpCheckFn check;
};

/// The entry for (domain, op_type), or null. "ai.onnx" means "".
const OpEntry *lookupOp(llvm::StringRef domain, llvm::StringRef opType);

/// Every entry, for `kilnc --list-ops` and the docs.
llvm::ArrayRef<OpEntry> allOps();

} // namespace kiln

#endif
