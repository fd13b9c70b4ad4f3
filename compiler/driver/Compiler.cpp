//===- Compiler.cpp - kilnc's compile job as a library ----------------------===//
#include "compiler/driver/Compiler.h"

#include "compiler/driver/CompileReport.h"
#include "compiler/importer/OnnxImporter.h"
#include "compiler/pipeline/Pipeline.h"
#include "compiler/target/HeaderEmitter.h"
#include "compiler/target/KernelLibrary.h"
#include "compiler/target/Linker.h"
#include "compiler/target/ModelObject.h"
#include "compiler/target/TargetSpec.h"
#include "compiler/target/WeightsBlob.h"
#include "dialects/kernel/KernelDialect.h"
#include "dialects/kiln/KilnDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"

#include <mutex>

using namespace mlir;

namespace kiln {
namespace {

class Job {
public:
  Job(const CompileOptions &o, llvm::raw_ostream &diag) : o(o), diag(diag) {}
  int run();

private:
  /// Everything up to the objects on disk; fills the members below. Returns
  /// -1 when linking should follow, else the exit code.
  int produce();

private:
  int error(const llvm::Twine &msg) {
    diag << "kilnc: error: " << msg << "\n";
    return 1;
  }
  int error(llvm::Error e) { return error(llvm::toString(std::move(e))); }
  std::string defaultName() const;
  std::string outputPath(const char *ext) const;
  int emitText(const std::function<void(llvm::raw_ostream &)> &print);
  /// Prints IR after the passes --print-ir-after* names.
  void configureIRPrinting(PassManager &pm);
  /// Writes --report; returns the exit code.
  int writeReport();

  const CompileOptions &o;
  llvm::raw_ostream &diag;
  std::string name;
  CompileReport report;
  // Results of produce() for the link step.
  ModelFacts facts;
  std::string output, header, targetText;
  llvm::Triple triple;
  std::vector<std::string> objects;
  struct Cleanup {
    std::vector<std::string> files;
    ~Cleanup() {
      for (auto &f : files)
        llvm::sys::fs::remove(f);
    }
  } cleanup;
};

std::string Job::defaultName() const {
  std::string base = o.output.empty() || o.output == "-" ? o.input : o.output;
  llvm::StringRef stem = llvm::sys::path::stem(base);
  return toCIdentifier(stem.empty() ? "model" : stem);
}

std::string Job::outputPath(const char *ext) const {
  return o.output.empty() ? name + ext : o.output;
}

int Job::emitText(const std::function<void(llvm::raw_ostream &)> &print) {
  std::string path = o.output.empty() ? "-" : o.output;
  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return error(err);
  print(out->os());
  out->keep();
  return 0;
}

void Job::configureIRPrinting(PassManager &pm) {
  if (!o.printIrAfterAll && o.printIrAfter.empty())
    return;
  OpPrintingFlags flags;
  flags.elideLargeResourceString(64).elideLargeElementsAttrs(16);
  std::vector<std::string> names = o.printIrAfter;
  bool all = o.printIrAfterAll;
  pm.enableIRPrinting(
      /*shouldPrintBeforePass=*/[](Pass *, Operation *) { return false; },
      /*shouldPrintAfterPass=*/
      [names, all](Pass *p, Operation *) {
        return all || llvm::is_contained(names, p->getArgument().str());
      },
      /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
      /*printAfterOnlyOnFailure=*/false, llvm::errs(), flags);
}

int Job::writeReport() {
  if (o.report == ReportFormat::None)
    return 0;
  std::string path = o.reportPath.empty() ? "-" : o.reportPath;
  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return error("--report-file: " + err);
  if (o.report == ReportFormat::Json)
    report.printJson(out->os());
  else
    report.printText(out->os());
  out->keep();
  return 0;
}


int Job::run() {
  name = o.name.empty() ? defaultName() : o.name;
  if (name != toCIdentifier(name))
    return error("--name=" + name + " is not a C identifier");
  // The MLIR context (holding every weight) is gone once produce() returns,
  // so the linker's copy of the weights is the only one in memory.
  if (int rc = produce(); rc >= 0)
    return rc == 0 ? writeReport() : rc;
  if (auto e = linkObjects(objects, output,
                           o.emit == EmitKind::Object ? LinkKind::Relocatable
                                                      : LinkKind::Shared,
                           triple, o.linker))
    return error(std::move(e));
  if (auto e = writeModelHeader(header, facts, HeaderInfo{o.input, targetText}))
    return error(std::move(e));
  return writeReport();
}

int Job::produce() {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<KilnDialect, kernel::KilnKernelDialect>();
  MLIRContext ctx(registry);
  ctx.disableMultithreading(); // deterministic diagnostics, little to gain here
  registerCompilerPasses();

  ImportReport imported;
  auto module = importOnnxFile(ctx, o.input, o.import, imported);
  for (const auto &n : imported.notes)
    diag << "kilnc: note: " << n << "\n";
  for (const auto &e : imported.errors)
    diag << "kilnc: error: " << e << "\n";
  if (!module) {
    diag << "kilnc: " << imported.errors.size() << " error"
         << (imported.errors.size() == 1 ? "" : "s") << " importing " << o.input << "\n";
    return 1;
  }
  auto printModule = [&](llvm::raw_ostream &os) {
    OpPrintingFlags flags;
    if (o.elideWeights)
      flags.elideLargeResourceString(64).elideLargeElementsAttrs(16);
    module->print(os, flags);
    os << "\n";
  };
  report.model = o.input;
  report.imported = countOps(module->getOperation());
  if (o.emit == EmitKind::Mlir)
    return emitText(printModule);

  auto signature = readSignature(*module);
  if (!signature)
    return error(signature.takeError());
  auto spec = resolveTarget(o.target, o.cpu, o.attrs);
  if (!spec)
    return error(spec.takeError());

  std::optional<KernelIsa> kernels =
      o.kernels == "auto" ? kernelIsaForTarget(*spec) : parseKernelIsa(o.kernels);
  if (!kernels)
    return error("--kernels=" + o.kernels +
                 " is not a kernel library (auto, none, generic, avx2, avx512, neon)");
  if (!targetRunsKernelIsa(*spec, *kernels))
    return error("--kernels=" + o.kernels + " does not run on " + spec->triple.str() +
                 " (cpu " + spec->cpu + (spec->features.empty() ? "" : ", " + spec->features) +
                 ")");

  // Lower, printing any failure at the ONNX node it came from.
  PipelineOptions popts{o.optLevel, kernelIsaName(*kernels).str()};
  int failures = 0;
  ReportInstrumentation *instrumentation = nullptr;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    if (d.getSeverity() == DiagnosticSeverity::Remark && instrumentation) {
      collectFusionRemark(d, instrumentation->currentPass(), report);
      return success();
    }
    if (d.getSeverity() != DiagnosticSeverity::Error)
      return success();
    ++failures;
    std::string where;
    if (auto n = dyn_cast<NameLoc>(d.getLocation()))
      where = "node '" + n.getName().str() + "': ";
    diag << "kilnc: error: " << where << d.str() << "\n";
    return success();
  });
  {
    PassManager pm(&ctx);
    auto owned = std::make_unique<ReportInstrumentation>(report);
    instrumentation = owned.get();
    pm.addInstrumentation(std::move(owned));
    configureIRPrinting(pm);
    if (failed(addGraphOptimizationPasses(pm, popts)))
      return error("internal error: cannot build the pass pipeline");
    if (failed(pm.run(*module)))
      return error("optimizing " + o.input + " failed" +
                   (failures ? "" : " (no diagnostic was given)"));
  }
  instrumentation = nullptr;
  report.optimized = countOps(module->getOperation());
  report.flops = countFlops(module->getOperation());
  if (o.emit == EmitKind::OptimizedMlir)
    return emitText(printModule);
  {
    PassManager pm(&ctx);
    configureIRPrinting(pm);
    if (failed(addLowerToLinalgPasses(pm, popts)) || failed(addBufferizePasses(pm, popts)))
      return error("internal error: cannot build the pass pipeline");
    if (failed(pm.run(*module)))
      return error("lowering " + o.input + " failed" +
                   (failures ? "" : " (no diagnostic was given)"));
  }
  report.lowered = countOps(module->getOperation());
  report.kernels = o.optLevel >= 1 ? kernelIsaName(*kernels).str() : "none";
  auto weights = WeightsBlob::fromModule(*module);
  if (!weights)
    return error(weights.takeError());
  uint64_t arena = 0, scratch = 0;
  std::vector<std::vector<int64_t>> entryArgShapes;
  for (auto f : module->getOps<func::FuncOp>()) {
    if (f.isExternal() || f.isPrivate())
      continue;
    if (auto a = f->getAttrOfType<IntegerAttr>(kArenaSizeAttr))
      arena = a.getInt();
    if (auto a = f->getAttrOfType<IntegerAttr>(kScratchPerThreadAttr))
      scratch = a.getInt();
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      auto t = cast<MemRefType>(f.getArgument(i).getType());
      entryArgShapes.emplace_back(t.getShape().begin(), t.getShape().end());
      f.setArgAttrs(i, DictionaryAttr::get(&ctx));
    }
  }
  report.weightsBytes = weights->size();
  report.arenaBytes = arena;
  report.scratchPerThreadBytes = scratch;
  {
    PassManager pm(&ctx);
    configureIRPrinting(pm);
    if (failed(addLowerToLLVMPasses(pm, popts)))
      return error("internal error: cannot build the pass pipeline");
    if (failed(pm.run(*module)))
      return error("lowering " + o.input + " to LLVM failed");
  }

  facts.name = name;
  facts.signature = std::move(*signature);
  facts.arenaSize = arena;
  facts.scratchPerThread = scratch;
  facts.entryArgShapes = std::move(entryArgShapes);
  facts.weightsSize = weights->size();
  facts.weightsId = weights->id();
  facts.embedWeights = o.embedWeights;
  facts.exportDefaultAlias = o.emit == EmitKind::SharedLibrary;

  auto tm = createTargetMachine(*spec, o.optLevel);
  if (!tm)
    return error(tm.takeError());
  llvm::LLVMContext llvmCtx;
  auto llvmModule = buildModelModule(*module, llvmCtx, facts, **tm);
  if (!llvmModule)
    return error(llvmModule.takeError());
  auto callsKernels = bindKernelCalls(**llvmModule, *kernels);
  if (!callsKernels)
    return error(callsKernels.takeError());
  // The MLIR module (and the weights it holds) is still needed for the
  // weights object; its LLVM-dialect body is not.
  optimizeModule(**llvmModule, **tm, o.optLevel);

  if (o.emit == EmitKind::Llvm)
    return emitText([&](llvm::raw_ostream &os) { (*llvmModule)->print(os, nullptr); });
  if (o.emit == EmitKind::Asm) {
    std::string path = o.output.empty() ? "-" : o.output;
    std::string err;
    auto out = openOutputFile(path, &err);
    if (!out)
      return error(err);
    if (auto e = emitMachineCode(**llvmModule, **tm, /*assembly=*/true, out->os()))
      return error(std::move(e));
    out->keep();
    return 0;
  }

  output = outputPath(o.emit == EmitKind::Object ? ".o" : ".so");
  llvm::SmallString<256> dir(output);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  if (!llvm::sys::fs::is_directory(dir))
    return error("cannot write " + output + ": directory '" + dir + "' does not exist");
  // Intermediate objects live next to the output and go away at the end.
  llvm::SmallString<256> codeObj, weightsObj;
  auto tempIn = [&](llvm::SmallString<256> &path, const char *tag) -> std::error_code {
    llvm::SmallString<256> model(dir);
    llvm::sys::path::append(model, "." + name + "-" + tag + "-%%%%%%.o");
    int fd;
    std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, path);
    if (!ec)
      llvm::sys::Process::SafelyCloseFileDescriptor(fd);
    return ec;
  };
  if (auto ec = tempIn(codeObj, "code"))
    return error(dir + ": cannot create a temporary file: " + ec.message());
  cleanup.files.push_back(codeObj.str().str());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(codeObj, ec, llvm::sys::fs::OF_None);
    if (ec)
      return error(codeObj + ": " + ec.message());
    if (auto e = emitMachineCode(**llvmModule, **tm, /*assembly=*/false, os))
      return error(std::move(e));
  }
  objects = {codeObj.str().str()};
  if (*callsKernels) {
    llvm::SmallString<256> kernelObj;
    if (auto ec = tempIn(kernelObj, "kernels"))
      return error(dir + ": cannot create a temporary file: " + ec.message());
    cleanup.files.push_back(kernelObj.str().str());
    if (auto e = writeKernelObject(*kernels, kernelObj.str().str()))
      return error(std::move(e));
    objects.push_back(kernelObj.str().str());
  }
  if (o.embedWeights) {
    if (auto ec = tempIn(weightsObj, "weights"))
      return error(dir + ": cannot create a temporary file: " + ec.message());
    cleanup.files.push_back(weightsObj.str().str());
    if (auto e = weights->writeObject(weightsObj.str().str(), spec->triple,
                                      weightsSymbol(name)))
      return error(std::move(e));
    objects.push_back(weightsObj.str().str());
  } else {
    llvm::SmallString<256> wpath(dir);
    llvm::sys::path::append(wpath, name + ".weights");
    if (auto e = weights->writeFile(wpath.str().str()))
      return error(std::move(e));
  }
  header = o.headerPath;
  if (header.empty()) {
    llvm::SmallString<256> h(dir);
    llvm::sys::path::append(h, name + ".h");
    header = h.str().str();
  }
  triple = spec->triple;
  targetText = spec->triple.str() + " (" + spec->cpu + ")";
  return -1;
}

} // namespace

void registerCompilerPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllPasses();
    registerKilnPasses();
  });
}

int compileModel(const CompileOptions &options, llvm::raw_ostream &diag) {
  return Job(options, diag).run();
}

} // namespace kiln
