//===- Compiler.h - kilnc's compile job as a library -------------*- C++ -*-===//
#ifndef KILN_COMPILER_DRIVER_COMPILER_H
#define KILN_COMPILER_DRIVER_COMPILER_H

#include "compiler/importer/ImportOptions.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace kiln {

enum class EmitKind {
  SharedLibrary, // NAME.so + NAME.h (the default)
  Object,        // NAME.o + NAME.h (-c, --emit=obj)
  Mlir,          // the imported kiln IR
  OptimizedMlir, // the kiln IR after the graph optimizer (--emit=kiln)
  Llvm,          // LLVM IR of the model code (weights not included)
  Asm,           // assembly of the model code
};

enum class ReportFormat { None, Text, Json };

struct CompileOptions {
  std::string input;
  std::string output;     // empty: NAME.so / NAME.o, or stdout for text
  EmitKind emit = EmitKind::SharedLibrary;
  std::string name;       // symbol prefix; empty: from the output/input name
  std::string target;     // empty: the host
  std::string cpu;
  std::string attrs;
  unsigned optLevel = 2;
  // --kernels: "auto" (the widest the target runs), none, generic, avx2,
  // avx512 or neon.
  std::string kernels = "auto";
  bool embedWeights = true;
  std::string headerPath; // empty: NAME.h beside the output
  std::string linker;
  bool elideWeights = false;
  ImportOptions import;
  // --report: what the graph optimizer did and the memory the model needs.
  ReportFormat report = ReportFormat::None;
  std::string reportPath; // empty: stdout
  // --print-ir-after=PASS / --print-ir-after-all, to stderr as mlir-opt does.
  std::vector<std::string> printIrAfter;
  bool printIrAfterAll = false;
};

/// Registers every pass kilnc can run (upstream and Kiln's), once.
void registerCompilerPasses();

/// Runs one compilation; prints `kilnc: error:`/`note:` lines to `diag` and
/// returns the process exit code.
int compileModel(const CompileOptions &options, llvm::raw_ostream &diag);

} // namespace kiln

#endif
