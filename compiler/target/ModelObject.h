//===- ModelObject.h - the lowered model as an LLVM module -------*- C++ -*-===//
//
// Translates the LLVM-dialect module, names its symbols after the model, adds
// the `NAME_model` descriptor the runtime reads and the `NAME__entry`
// trampoline it calls, optimizes and emits code.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TARGET_MODELOBJECT_H
#define KILN_COMPILER_TARGET_MODELOBJECT_H

#include "compiler/target/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

namespace kiln {

struct ModelFacts {
  std::string name; // C identifier prefixing every symbol
  ModelSignature signature;
  uint64_t arenaSize = 0;
  uint64_t scratchPerThread = 0;
  uint64_t weightsSize = 0;
  uint64_t weightsId = 0;
  bool embedWeights = true;
  /// Shapes of the entry function's memref arguments, in its order: inputs,
  /// weights, outputs, arena. The trampoline builds their descriptors.
  std::vector<std::vector<int64_t>> entryArgShapes;
  /// Also export `kiln_default_model` (shared libraries only: a program that
  /// dlopens any Kiln .so finds the descriptor under this name).
  bool exportDefaultAlias = false;
};

/// The symbol holding embedded weights.
std::string weightsSymbol(const std::string &modelName);

llvm::Expected<std::unique_ptr<llvm::Module>>
buildModelModule(mlir::ModuleOp lowered, llvm::LLVMContext &ctx,
                 const ModelFacts &facts, llvm::TargetMachine &tm);

/// Runs LLVM's default optimization pipeline for -O`level`.
void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, unsigned level);

/// Writes an object file or assembly.
llvm::Error emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm,
                            bool assembly, llvm::raw_pwrite_stream &os);

} // namespace kiln

#endif
