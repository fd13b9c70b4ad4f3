//===- kilnc.cpp - the Kiln compiler driver ---------------------------------===//
//
// kilnc model.onnx -o model.so          shared library + model.h
// kilnc -c model.onnx -o model.o        relocatable object + model.h
// kilnc --emit=mlir model.onnx          the imported kiln IR
//
// See docs/kilnc.md.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/OnnxImporter.h"
#include "compiler/importer/OpTable.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace llvm;

namespace {
cl::OptionCategory kilncCategory("kilnc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::cat(kilncCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::cat(kilncCategory));
cl::opt<std::string> emit("emit",
                          cl::desc("What to write: mlir (the imported kiln IR)"),
                          cl::value_desc("mlir"), cl::init(""),
                          cl::cat(kilncCategory));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Fix a graph input's shape, e.g. input_ids=1x128 (repeatable, or "
             "comma-separated)"),
    cl::value_desc("name=DxD..."), cl::cat(kilncCategory));
cl::list<std::string> dimParams(
    "dim", cl::desc("Size a symbolic ONNX dim by name, e.g. sequence=128"),
    cl::value_desc("name=N"), cl::cat(kilncCategory));
cl::opt<int64_t> defaultDim("default-dim",
                            cl::desc("Size of dims still unknown (default 1)"),
                            cl::init(1), cl::cat(kilncCategory));
cl::opt<bool> elideWeights("elide-weights",
                           cl::desc("With --emit=mlir, leave weight bytes out "
                                    "of the printed IR"),
                           cl::cat(kilncCategory));
cl::opt<bool> listOps("list-ops",
                      cl::desc("Print the ONNX ops Kiln imports and exit"),
                      cl::cat(kilncCategory));

void printErrors(const kiln::ImportReport &report) {
  for (const auto &note : report.notes)
    errs() << "kilnc: note: " << note << "\n";
  for (const auto &err : report.errors)
    errs() << "kilnc: error: " << err << "\n";
}

/// Splits "a=1x2,b=3" style lists.
bool parseAssignments(const cl::list<std::string> &values, bool shapes,
                      kiln::ImportOptions &options) {
  for (const std::string &value : values) {
    SmallVector<StringRef> items;
    StringRef(value).split(items, ',', -1, /*KeepEmpty=*/false);
    for (StringRef item : items) {
      auto [name, spec] = item.rsplit('=');
      if (name.empty() || spec.empty() || !item.contains('=')) {
        errs() << "kilnc: error: expected name=" << (shapes ? "DxD..." : "N")
               << ", got '" << item << "'\n";
        return false;
      }
      SmallVector<StringRef> dims;
      spec.split(dims, 'x', -1, /*KeepEmpty=*/true);
      std::vector<int64_t> parsed;
      for (StringRef d : dims) {
        int64_t v;
        if (d.getAsInteger(10, v) || v < 0) {
          errs() << "kilnc: error: bad size '" << d << "' in '" << item << "'\n";
          return false;
        }
        parsed.push_back(v);
      }
      if (shapes) {
        if (spec == "scalar")
          parsed.clear();
        options.inputShapes[name.str()] = parsed;
      } else if (parsed.size() != 1) {
        errs() << "kilnc: error: --dim takes one size, got '" << item << "'\n";
        return false;
      } else {
        options.dimParams[name.str()] = parsed[0];
      }
    }
  }
  return true;
}

int emitMlir(mlir::ModuleOp module) {
  std::string path = outputFile.empty() ? std::string("-") : outputFile.getValue();
  std::string err;
  auto out = mlir::openOutputFile(path, &err);
  if (!out) {
    errs() << "kilnc: error: " << err << "\n";
    return 1;
  }
  mlir::OpPrintingFlags flags;
  if (elideWeights)
    flags.elideLargeResourceString(64).elideLargeElementsAttrs(16);
  module->print(out->os(), flags);
  out->os() << "\n";
  out->keep();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(kilncCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "kilnc: compile an ONNX model to native code\n");
  if (listOps) {
    for (const kiln::OpEntry &e : kiln::allOps())
      outs() << (*e.domain ? e.domain : "ai.onnx") << "\t" << e.opType
             << "\tfrom opset " << e.minOpset << "\n";
    return 0;
  }
  if (inputFile.empty()) {
    errs() << "kilnc: error: no input model (see --help)\n";
    return 1;
  }
  kiln::ImportOptions options;
  options.defaultDim = defaultDim;
  if (!parseAssignments(inputShapes, true, options) ||
      !parseAssignments(dimParams, false, options))
    return 1;

  mlir::MLIRContext ctx;
  kiln::ImportReport report;
  auto module = kiln::importOnnxFile(ctx, inputFile, options, report);
  printErrors(report);
  if (!module) {
    errs() << "kilnc: " << report.errors.size() << " error"
           << (report.errors.size() == 1 ? "" : "s") << " importing "
           << inputFile << "\n";
    return 1;
  }
  if (emit == "mlir")
    return emitMlir(*module);
  errs() << "kilnc: error: --emit=" << emit << " is not available yet\n";
  return 1;
}
