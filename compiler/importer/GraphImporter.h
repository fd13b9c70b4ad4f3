//===- GraphImporter.h - walks an ONNX graph into one function ---*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_GRAPHIMPORTER_H
#define KILN_COMPILER_IMPORTER_GRAPHIMPORTER_H

#include "compiler/importer/ImportOptions.h"
#include "compiler/importer/ModelLoader.h"
#include "compiler/importer/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {

class NodeImporter;

class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext &ctx, LoadedModel &model,
                const ImportOptions &options, ImportReport &report);

  /// Builds the module; null when anything failed (see the report).
  mlir::OwningOpRef<mlir::ModuleOp> run();

  /// The value an ONNX name refers to: a graph input, an initializer (made a
  /// constant on first use) or a node output. Null when unknown.
  mlir::Value lookup(const std::string &name);

  /// Binds a node output name to its value.
  void define(const std::string &name, mlir::Value v) { values[name] = v; }

  mlir::OpBuilder &opBuilder() { return builder; }

  /// Converts a tensor held in a node attribute (Constant, ConstantOfShape).
  llvm::Expected<mlir::ElementsAttr> convertTensor(const onnx::TensorProto &t);

  /// The node under construction receives diagnostics emitted by op verifiers.
  NodeImporter *currentNode = nullptr;

  const ImportOptions &options;

private:
  mlir::LogicalResult readOpsets();
  mlir::LogicalResult createFunction();
  mlir::LogicalResult sortNodes(std::vector<int> &order);
  void checkSupport(const std::vector<int> &order);
  void importNodes(const std::vector<int> &order);
  mlir::LogicalResult finishFunction();
  mlir::RankedTensorType inputType(const onnx::ValueInfoProto &info);
  int64_t opsetOf(const std::string &domain) const;
  void error(const std::string &msg) { report.errors.push_back(msg); }

  mlir::MLIRContext &ctx;
  LoadedModel &model;
  const onnx::GraphProto &graph;
  ImportReport &report;
  mlir::OpBuilder builder;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp func;
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<onnx::TensorProto *> initializers;
  std::map<std::string, int64_t> opsets;
  /// Names whose producer failed; consumers are skipped, not re-reported.
  llvm::StringSet<> poisoned;
  /// Constant nodes whose output a later Constant of the same name replaces.
  llvm::DenseSet<int> shadowed;
};

} // namespace kiln

#endif
