//===- GraphImporter.cpp - walks an ONNX graph into one function ------------===//
#include "compiler/importer/GraphImporter.h"
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/NodeImporter.h"
#include "compiler/importer/OpTable.h"
#include "compiler/importer/TensorConversion.h"

#include "dialects/kiln/KilnDialect.h"
#include "dialects/kiln/ShapeRules.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

#include <deque>

using namespace mlir;

namespace kiln {

static std::string normalizeDomain(const std::string &domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

GraphImporter::GraphImporter(MLIRContext &ctx, LoadedModel &model,
                             const ImportOptions &options, ImportReport &report)
    : options(options), ctx(ctx), model(model), graph(model.proto().graph()),
      report(report), builder(&ctx) {}

int64_t GraphImporter::opsetOf(const std::string &domain) const {
  auto it = opsets.find(normalizeDomain(domain));
  return it == opsets.end() ? -1 : it->second;
}

LogicalResult GraphImporter::readOpsets() {
  for (const auto &o : model.proto().opset_import())
    opsets[normalizeDomain(o.domain())] = o.version();
  // IR version 2 and older predate opset_import and mean opset 1.
  if (opsets.empty())
    opsets[""] = 1;
  // ORT's optimizer writes com.microsoft ops without always importing the
  // domain; ONNX Runtime then resolves them at version 1, and so does Kiln.
  opsets.emplace("com.microsoft", 1);
  return success();
}

Value GraphImporter::lookup(const std::string &name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init == initializers.end())
    return {};
  auto attr = kiln::convertTensor(&ctx, *init->second, model, options);
  if (!attr) {
    error(model.path() + ": " + llvm::toString(attr.takeError()));
    poisoned.insert(name);
    return {};
  }
  Value v = ConstantOp::create(builder, NameLoc::get(builder.getStringAttr(name)),
                               *attr);
  values[name] = v;
  return v;
}

llvm::Expected<ElementsAttr>
GraphImporter::convertTensor(const onnx::TensorProto &t) {
  // The importer owns the parsed model, so attribute tensors may hand their
  // raw bytes over to a blob just as initializers do.
  return kiln::convertTensor(&ctx, const_cast<onnx::TensorProto &>(t), model,
                             options);
}

RankedTensorType GraphImporter::inputType(const onnx::ValueInfoProto &info) {
  const std::string &name = info.name();
  if (!info.type().has_tensor_type()) {
    error("graph input '" + name + "' is not a tensor; sequence, map and "
          "optional types are not supported");
    return {};
  }
  const auto &tt = info.type().tensor_type();
  Type elem = onnxElementType(&ctx, tt.elem_type());
  if (!elem) {
    error("graph input '" + name + "' has element type " +
          onnxTypeName(tt.elem_type()) + ", which Kiln does not support");
    return {};
  }
  auto given = options.inputShapes.find(name);
  if (given != options.inputShapes.end()) {
    const auto &shape = given->second;
    if (tt.has_shape() && tt.shape().dim_size() != (int)shape.size()) {
      error("--input-shape " + name + " gives rank " +
            std::to_string(shape.size()) + " but the model declares rank " +
            std::to_string(tt.shape().dim_size()));
      return {};
    }
    for (int d = 0; tt.has_shape() && d < tt.shape().dim_size(); ++d) {
      const auto &dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0 &&
          dim.dim_value() != shape[d]) {
        error("--input-shape " + name + " sets dim " + std::to_string(d) +
              " to " + std::to_string(shape[d]) + " but the model fixes it at " +
              std::to_string(dim.dim_value()));
        return {};
      }
    }
    return RankedTensorType::get(shape, elem);
  }
  if (!tt.has_shape()) {
    error("graph input '" + name + "' has no shape in the model; give one with "
          "--input-shape " + name + "=DxDx...");
    return {};
  }
  SmallVector<int64_t> shape;
  for (int d = 0; d < tt.shape().dim_size(); ++d) {
    const auto &dim = tt.shape().dim(d);
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    int64_t size = options.defaultDim;
    std::string label = dim.has_dim_param() ? "'" + dim.dim_param() + "'" : "unnamed";
    auto byName = dim.has_dim_param() ? options.dimParams.find(dim.dim_param())
                                      : options.dimParams.end();
    if (byName != options.dimParams.end()) {
      size = byName->second;
    } else {
      report.notes.push_back("input '" + name + "' dim " + std::to_string(d) +
                             " (" + label + ") has no size; using " +
                             std::to_string(size) +
                             " (set it with --input-shape or --dim)");
    }
    shape.push_back(size);
  }
  return RankedTensorType::get(shape, elem);
}

LogicalResult GraphImporter::createFunction() {
  for (auto &t : *model.proto().mutable_graph()->mutable_initializer())
    initializers[t.name()] = &t;
  llvm::StringSet<> inputNames;
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    // Before IR 4, initializers were listed as inputs too; they are constants.
    if (initializers.count(in.name()))
      continue;
    inputNames.insert(in.name());
    RankedTensorType t = inputType(in);
    if (!t)
      continue;
    argTypes.push_back(t);
    argNames.push_back(in.name());
  }
  for (const auto &kv : options.inputShapes)
    if (!inputNames.count(kv.first))
      error("--input-shape names '" + kv.first +
            "', which is not an input of the graph");
  if (!report.errors.empty())
    return failure();

  Location loc = FileLineColLoc::get(&ctx, model.path(), 0, 0);
  module = ModuleOp::create(loc);
  module->getOperation()->setAttr("kiln.source",
                                  builder.getStringAttr(model.path()));
  builder.setInsertionPointToEnd(module->getBody());
  func = func::FuncOp::create(builder, loc, options.entryName,
                              builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "kiln.name", builder.getStringAttr(name));
    values[name] = entry->getArgument(i);
  }
  builder.setInsertionPointToEnd(entry);
  return success();
}

LogicalResult GraphImporter::sortNodes(std::vector<int> &order) {
  int n = graph.node_size();
  llvm::StringMap<int> producer;
  bool ok = true;
  for (int i = 0; i < n; ++i)
    for (const auto &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(out, i);
      if (inserted)
        continue;
      const auto &prev = graph.node(it->second);
      if (prev.op_type() == "Constant" && graph.node(i).op_type() == "Constant") {
        // Some exporters repeat Constant names; ONNX Runtime keeps the last.
        report.notes.push_back("constant '" + out + "' is defined twice; using "
                               "the later definition, as ONNX Runtime does");
        shadowed.insert(it->second);
        it->second = i;
        continue;
      }
      error("node " + describeNode(graph.node(i), i) + " writes '" + out +
            "', which node " + describeNode(prev, it->second) + " also writes");
      ok = false;
    }
  std::vector<std::vector<int>> users(n);
  std::vector<int> pending(n, 0);
  for (int i = 0; i < n; ++i) {
    if (shadowed.count(i))
      continue;
    llvm::SmallDenseSet<int> deps;
    for (const auto &in : graph.node(i).input()) {
      if (in.empty())
        continue;
      auto it = producer.find(in);
      if (it != producer.end()) {
        deps.insert(it->second);
        continue;
      }
      if (!values.count(in) && !initializers.count(in)) {
        error("node " + describeNode(graph.node(i), i) + " reads '" + in +
              "', which no node, graph input or initializer provides");
        ok = false;
      }
    }
    for (int d : deps) {
      users[d].push_back(i);
      ++pending[i];
    }
  }
  // Kahn's algorithm, keeping the file's order among ready nodes.
  std::deque<int> ready;
  for (int i = 0; i < n; ++i)
    if (pending[i] == 0 && !shadowed.count(i))
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.front();
    ready.pop_front();
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  if (order.size() + shadowed.size() != (size_t)n) {
    std::string names;
    int shown = 0;
    for (int i = 0; i < n && shown < 5; ++i)
      if (pending[i] > 0 && !shadowed.count(i)) {
        names += (shown++ ? ", " : "") + describeNode(graph.node(i), i);
      }
    error("the graph has a cycle through nodes " + names);
    ok = false;
  }
  return success(ok);
}

void GraphImporter::checkSupport(const std::vector<int> &order) {
  for (int i : order) {
    const auto &node = graph.node(i);
    std::string domain = normalizeDomain(node.domain());
    std::string where = "node " + describeNode(node, i);
    int64_t version = opsetOf(domain);
    const OpEntry *entry = lookupOp(domain, node.op_type());
    std::string problem;
    if (!entry) {
      problem = "unsupported op " + node.op_type() +
                (domain.empty() ? "" : " in domain '" + domain + "'");
    } else if (version < 0) {
      problem = "the model imports no opset for domain '" + domain + "'";
    } else if (version < entry->minOpset) {
      problem = "Kiln supports " + node.op_type() + " from opset " +
                std::to_string(entry->minOpset) + "; the model uses opset " +
                std::to_string(version);
    } else if (entry->check) {
      if (auto p = entry->check(node, version))
        problem = *p;
    }
    if (problem.empty())
      continue;
    error(where + ": " + problem);
    for (const auto &out : node.output())
      poisoned.insert(out);
  }
}

void GraphImporter::importNodes(const std::vector<int> &order) {
  for (int i : order) {
    const auto &node = graph.node(i);
    bool skip = false;
    for (const auto &out : node.output())
      skip |= poisoned.count(out) > 0;
    for (const auto &in : node.input())
      skip |= !in.empty() && poisoned.count(in) > 0;
    if (skip) {
      for (const auto &out : node.output())
        poisoned.insert(out);
      continue;
    }
    std::string domain = normalizeDomain(node.domain());
    const OpEntry *entry = lookupOp(domain, node.op_type());
    std::string label = node.name().empty()
                            ? node.op_type() + "#" + std::to_string(i)
                            : node.name();
    Location loc = NameLoc::get(builder.getStringAttr(label));
    NodeImporter ni(*this, node, opsetOf(domain), loc);
    currentNode = &ni;
    LogicalResult built = entry->build(ni);
    currentNode = nullptr;
    std::string where = "node " + describeNode(node, i) + ": ";
    if (failed(built) || ni.hadError()) {
      for (const auto &msg : ni.errorMessages())
        error(where + msg);
      if (ni.errorMessages().empty())
        error(where + "could not be imported");
      for (const auto &out : node.output())
        poisoned.insert(out);
      continue;
    }
    for (int k = 0; k < node.output_size(); ++k) {
      const std::string &out = node.output(k);
      if (!out.empty() && !values.count(out)) {
        error(where + "output " + std::to_string(k) + " ('" + out +
              "') is not supported by Kiln's import of " + node.op_type());
        poisoned.insert(out);
      }
    }
  }
}

LogicalResult GraphImporter::finishFunction() {
  SmallVector<Value> results;
  SmallVector<std::string> names;
  for (const auto &out : graph.output()) {
    if (poisoned.count(out.name()))
      continue;
    Value v = lookup(out.name());
    if (!v) {
      error("graph output '" + out.name() + "' is not produced by any node");
      continue;
    }
    if (out.type().has_tensor_type() && out.type().tensor_type().elem_type()) {
      int32_t declared = out.type().tensor_type().elem_type();
      Type want = onnxElementType(&ctx, declared);
      Type have = cast<RankedTensorType>(v.getType()).getElementType();
      if (want && want != have) {
        std::string haveStr;
        llvm::raw_string_ostream os(haveStr);
        os << have;
        error("graph output '" + out.name() + "' is declared " +
              onnxTypeName(declared) + " but computes " + haveStr);
        continue;
      }
    }
    results.push_back(v);
    names.push_back(out.name());
  }
  if (!report.errors.empty())
    return failure();
  func::ReturnOp::create(builder, func.getLoc(), results);
  // Folding shape arithmetic leaves constants nothing reads any more.
  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  func.setFunctionType(builder.getFunctionType(
      func.getArgumentTypes(), TypeRange(ValueRange(results))));
  for (auto [i, name] : llvm::enumerate(names))
    func.setResultAttr(i, "kiln.name", builder.getStringAttr(name));
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  // Verifier messages of the op being built belong to the node being built.
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    std::string msg = diag.str();
    if (currentNode)
      (void)currentNode->fail(msg);
    else
      error(msg);
    return success();
  });
  if (failed(readOpsets()) || failed(createFunction()))
    return nullptr;
  std::vector<int> order;
  if (failed(sortNodes(order)))
    return nullptr;
  checkSupport(order);
  // Convert every initializer a node reads now, so a corrupt one is reported
  // once and the nodes reading it are skipped rather than failed again.
  for (int i : order)
    for (const auto &in : graph.node(i).input())
      if (!in.empty() && initializers.count(in))
        (void)lookup(in);
  importNodes(order);
  if (failed(finishFunction()))
    return nullptr;
  return std::move(module);
}

void loadImporterDialects(MLIRContext &ctx) {
  ctx.loadDialect<KilnDialect, func::FuncDialect>();
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &ctx, const std::string &path,
                                     const ImportOptions &options,
                                     ImportReport &report) {
  loadImporterDialects(ctx);
  auto model = LoadedModel::load(path);
  if (!model) {
    report.errors.push_back(llvm::toString(model.takeError()));
    return nullptr;
  }
  GraphImporter importer(ctx, **model, options, report);
  return importer.run();
}

} // namespace kiln
