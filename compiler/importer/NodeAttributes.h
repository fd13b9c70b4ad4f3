//===- NodeAttributes.h - typed reads of ONNX node attributes ----*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_NODEATTRIBUTES_H
#define KILN_COMPILER_IMPORTER_NODEATTRIBUTES_H

#include "onnx/onnx_pb.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace kiln {

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name);
int64_t attrInt(const onnx::NodeProto &node, llvm::StringRef name, int64_t dflt);
float attrFloat(const onnx::NodeProto &node, llvm::StringRef name, float dflt);
std::string attrString(const onnx::NodeProto &node, llvm::StringRef name,
                       llvm::StringRef dflt);
std::optional<llvm::SmallVector<int64_t>> attrInts(const onnx::NodeProto &node,
                                                   llvm::StringRef name);
std::optional<llvm::SmallVector<float>> attrFloats(const onnx::NodeProto &node,
                                                   llvm::StringRef name);

/// "'name' (OpType)" or "'name' (domain.OpType)" for messages; unnamed nodes
/// are "#index (OpType)".
std::string describeNode(const onnx::NodeProto &node, size_t index);

} // namespace kiln

#endif
