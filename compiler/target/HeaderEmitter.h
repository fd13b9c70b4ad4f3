//===- HeaderEmitter.h - the C header of a compiled model -------*- C++ -*-===//
#ifndef KILN_COMPILER_TARGET_HEADEREMITTER_H
#define KILN_COMPILER_TARGET_HEADEREMITTER_H

#include "compiler/target/ModelObject.h"

namespace kiln {

struct HeaderInfo {
  std::string sourceModel; // the .onnx path, for the comment
  std::string target;      // triple and CPU, for the comment
};

/// Writes NAME.h: the descriptor declaration, sizes, a table of inputs and
/// outputs in comments and macros, and typed create/run wrappers.
llvm::Error writeModelHeader(const std::string &path, const ModelFacts &facts,
                             const HeaderInfo &info);

} // namespace kiln

#endif
