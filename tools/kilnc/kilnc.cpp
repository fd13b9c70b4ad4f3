//===- kilnc.cpp - the Kiln compiler driver ---------------------------------===//
//
// kilnc model.onnx -o model.so          shared library + model.h
// kilnc -c model.onnx -o model.o        relocatable object + model.h
// kilnc --emit=mlir model.onnx          the imported kiln IR
//
// See docs/kilnc.md.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Compiler.h"
#include "compiler/importer/OpTable.h"

#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace llvm;

namespace {
cl::OptionCategory cat("kilnc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::cat(cat));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' is stdout for text)"),
                                cl::value_desc("file"), cl::cat(cat));
cl::opt<bool> compileOnly("c", cl::desc("Write a relocatable object (.o) instead of a "
                                        "shared library"),
                          cl::cat(cat));
cl::opt<std::string> emit("emit",
                          cl::desc("What to write: so (default), obj, mlir (the "
                                   "imported kiln IR), kiln (the kiln IR after the "
                                   "graph optimizer), llvm (LLVM IR), asm"),
                          cl::value_desc("kind"), cl::init(""), cl::cat(cat));
cl::opt<std::string> name("name",
                          cl::desc("Prefix of every exported symbol and of the header "
                                   "(default: the output's file name)"),
                          cl::value_desc("NAME"), cl::cat(cat));
cl::opt<std::string> target("target",
                            cl::desc("x86_64-linux-gnu or aarch64-linux-gnu "
                                     "(default: the host)"),
                            cl::value_desc("triple"), cl::cat(cat));
cl::opt<std::string> mcpu("mcpu", cl::desc("CPU to tune and select features for "
                                           "(default: host CPU; x86-64-v3 / generic "
                                           "with an explicit --target)"),
                          cl::value_desc("cpu"), cl::cat(cat));
cl::opt<std::string> mattr("mattr", cl::desc("Extra target features, e.g. +avx512f"),
                           cl::value_desc("+feat,-feat"), cl::cat(cat));
cl::opt<std::string> kernels(
    "kernels",
    cl::desc("Kernel library for GEMMs, attention, norms and softmax at -O1+: auto (the "
             "widest the target runs: avx512, avx2, generic on x86-64; neon on AArch64), "
             "avx512, avx2, generic, neon, or none (plain loops)"),
    cl::init("auto"), cl::cat(cat));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level 0-3 (default 2)"),
                           cl::Prefix, cl::init(2), cl::cat(cat));
cl::opt<std::string> weights("weights",
                             cl::desc("embed (default): weights in the object's "
                                      ".rodata; file: write NAME.weights to be "
                                      "memory-mapped at run time"),
                             cl::value_desc("embed|file"), cl::init("embed"),
                             cl::cat(cat));
cl::opt<std::string> headerPath("header",
                                cl::desc("Where to write the C header (default: "
                                         "NAME.h beside the output)"),
                                cl::value_desc("file"), cl::cat(cat));
cl::opt<std::string> linker("linker", cl::desc("The ld.lld to run (default: search)"),
                            cl::value_desc("path"), cl::cat(cat));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Fix a graph input's shape, e.g. input_ids=1x128 (repeatable, or "
             "comma-separated)"),
    cl::value_desc("name=DxD..."), cl::cat(cat));
cl::list<std::string> dimParams(
    "dim", cl::desc("Size a symbolic ONNX dim by name, e.g. sequence=128"),
    cl::value_desc("name=N"), cl::cat(cat));
cl::opt<int64_t> defaultDim("default-dim",
                            cl::desc("Size of dims still unknown (default 1)"),
                            cl::init(1), cl::cat(cat));
cl::opt<bool> elideWeights("elide-weights",
                           cl::desc("With --emit=mlir, leave weight bytes out "
                                    "of the printed IR"),
                           cl::cat(cat));
cl::opt<std::string> reportFormat(
    "report", cl::desc("Print what the graph optimizer fused (and why not), op counts "
                       "per pass group and memory sizes: --report (text) or "
                       "--report=json"),
    cl::value_desc("text|json"), cl::ValueOptional, cl::cat(cat));
cl::opt<std::string> reportFile("report-file",
                                cl::desc("Where --report writes (default: stdout)"),
                                cl::value_desc("file"), cl::cat(cat));
cl::list<std::string> printIrAfter(
    "print-ir-after", cl::desc("Print the IR to stderr after each run of PASS (repeatable, "
                               "or comma-separated), e.g. kiln-fuse-attention"),
    cl::value_desc("PASS"), cl::CommaSeparated, cl::cat(cat));
cl::opt<bool> printIrAfterAll("print-ir-after-all",
                              cl::desc("Print the IR to stderr after every pass"),
                              cl::cat(cat));
cl::opt<bool> listOps("list-ops", cl::desc("Print the ONNX ops Kiln imports and exit"),
                      cl::cat(cat));

/// Splits "a=1x2,b=3" style lists.
bool parseAssignments(const cl::list<std::string> &values, bool shapes,
                      kiln::ImportOptions &options) {
  for (const std::string &value : values) {
    SmallVector<StringRef> items;
    StringRef(value).split(items, ',', -1, /*KeepEmpty=*/false);
    for (StringRef item : items) {
      auto [key, spec] = item.rsplit('=');
      if (key.empty() || spec.empty() || !item.contains('=')) {
        errs() << "kilnc: error: expected name=" << (shapes ? "DxD..." : "N")
               << ", got '" << item << "'\n";
        return false;
      }
      std::vector<int64_t> parsed;
      if (!(shapes && spec == "scalar")) {
        SmallVector<StringRef> dims;
        spec.split(dims, 'x', -1, /*KeepEmpty=*/true);
        for (StringRef d : dims) {
          int64_t v;
          if (d.getAsInteger(10, v) || v < 0) {
            errs() << "kilnc: error: bad size '" << d << "' in '" << item << "'\n";
            return false;
          }
          parsed.push_back(v);
        }
      }
      if (shapes) {
        options.inputShapes[key.str()] = parsed;
      } else if (parsed.size() != 1) {
        errs() << "kilnc: error: --dim takes one size, got '" << item << "'\n";
        return false;
      } else {
        options.dimParams[key.str()] = parsed[0];
      }
    }
  }
  return true;
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv,
                              "kilnc: compile an ONNX model to native code\n\n"
                              "  kilnc model.onnx -o model.so     shared library + model.h\n"
                              "  kilnc -c model.onnx -o model.o   object + model.h\n"
                              "  kilnc --emit=mlir model.onnx     the imported kiln IR\n");
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
  kiln::CompileOptions o;
  o.input = inputFile;
  o.output = outputFile;
  o.name = name;
  o.target = target;
  o.cpu = mcpu;
  o.attrs = mattr;
  o.headerPath = headerPath;
  o.linker = linker;
  o.elideWeights = elideWeights;
  if (optLevel > 3) {
    errs() << "kilnc: error: -O" << optLevel << " is not an optimization level (0-3)\n";
    return 1;
  }
  o.optLevel = optLevel;
  o.kernels = kernels;
  if (weights == "embed" || weights == "file") {
    o.embedWeights = weights == "embed";
  } else {
    errs() << "kilnc: error: --weights=" << weights << ": expected embed or file\n";
    return 1;
  }
  std::string kind = emit.empty() ? (compileOnly ? "obj" : "so") : emit.getValue();
  if (kind == "so")
    o.emit = kiln::EmitKind::SharedLibrary;
  else if (kind == "obj")
    o.emit = kiln::EmitKind::Object;
  else if (kind == "mlir")
    o.emit = kiln::EmitKind::Mlir;
  else if (kind == "kiln")
    o.emit = kiln::EmitKind::OptimizedMlir;
  else if (kind == "llvm")
    o.emit = kiln::EmitKind::Llvm;
  else if (kind == "asm")
    o.emit = kiln::EmitKind::Asm;
  else {
    errs() << "kilnc: error: --emit=" << kind
           << ": expected so, obj, mlir, kiln, llvm or asm\n";
    return 1;
  }
  if (compileOnly && o.emit == kiln::EmitKind::SharedLibrary) {
    errs() << "kilnc: error: -c conflicts with --emit=so\n";
    return 1;
  }
  if (reportFormat.getNumOccurrences()) {
    if (reportFormat.empty() || reportFormat == "text")
      o.report = kiln::ReportFormat::Text;
    else if (reportFormat == "json")
      o.report = kiln::ReportFormat::Json;
    else {
      errs() << "kilnc: error: --report=" << reportFormat << ": expected text or json\n";
      return 1;
    }
  }
  o.reportPath = reportFile;
  bool textToStdout = (o.emit == kiln::EmitKind::Mlir || o.emit == kiln::EmitKind::OptimizedMlir ||
                       o.emit == kiln::EmitKind::Llvm || o.emit == kiln::EmitKind::Asm) &&
                      (o.output.empty() || o.output == "-");
  if (o.report != kiln::ReportFormat::None && o.reportPath.empty() && textToStdout) {
    errs() << "kilnc: error: --report and --emit=" << kind
           << " both write to stdout; give -o FILE or --report-file=FILE\n";
    return 1;
  }
  if (!printIrAfter.empty())
    kiln::registerCompilerPasses();
  for (const std::string &p : printIrAfter)
    if (!mlir::PassInfo::lookup(p)) {
      errs() << "kilnc: error: --print-ir-after=" << p
             << ": no such pass (see kiln-opt --help for pass names)\n";
      return 1;
    }
  o.printIrAfter.assign(printIrAfter.begin(), printIrAfter.end());
  o.printIrAfterAll = printIrAfterAll;
  o.import.defaultDim = defaultDim;
  if (!parseAssignments(inputShapes, true, o.import) ||
      !parseAssignments(dimParams, false, o.import))
    return 1;
  return kiln::compileModel(o, errs());
}
