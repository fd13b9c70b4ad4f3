//===- NodeAttributes.cpp - typed reads of ONNX node attributes ------------===//
#include "compiler/importer/NodeAttributes.h"

namespace kiln {

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     llvm::StringRef name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t attrInt(const onnx::NodeProto &node, llvm::StringRef name,
                int64_t dflt) {
  const auto *a = findAttr(node, name);
  if (!a)
    return dflt;
  if (a->type() == onnx::AttributeProto::FLOAT)
    return (int64_t)a->f();
  return a->i();
}

float attrFloat(const onnx::NodeProto &node, llvm::StringRef name, float dflt) {
  const auto *a = findAttr(node, name);
  if (!a)
    return dflt;
  if (a->type() == onnx::AttributeProto::INT)
    return (float)a->i();
  return a->f();
}

std::string attrString(const onnx::NodeProto &node, llvm::StringRef name,
                       llvm::StringRef dflt) {
  const auto *a = findAttr(node, name);
  return a ? a->s() : dflt.str();
}

std::optional<llvm::SmallVector<int64_t>> attrInts(const onnx::NodeProto &node,
                                                   llvm::StringRef name) {
  const auto *a = findAttr(node, name);
  if (!a)
    return std::nullopt;
  llvm::SmallVector<int64_t> v(a->ints().begin(), a->ints().end());
  if (v.empty() && a->type() == onnx::AttributeProto::INT)
    v.push_back(a->i());
  return v;
}

std::optional<llvm::SmallVector<float>> attrFloats(const onnx::NodeProto &node,
                                                   llvm::StringRef name) {
  const auto *a = findAttr(node, name);
  if (!a)
    return std::nullopt;
  llvm::SmallVector<float> v(a->floats().begin(), a->floats().end());
  if (v.empty() && a->type() == onnx::AttributeProto::FLOAT)
    v.push_back(a->f());
  return v;
}

std::string describeNode(const onnx::NodeProto &node, size_t index) {
  std::string op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    op = node.domain() + "." + op;
  if (node.name().empty())
    return "#" + std::to_string(index) + " (" + op + ")";
  return "'" + node.name() + "' (" + op + ")";
}

} // namespace kiln
