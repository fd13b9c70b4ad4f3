//===- KernelLibrary.h - the kernels linked into every model ----*- C++ -*-===//
//
// kilnc embeds the kernel library (runtime/kernels) as one precompiled
// object per ISA variant and links the variant a target wants into the
// model's .so or .o: a model needs nothing else at link time.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TARGET_KERNELLIBRARY_H
#define KILN_COMPILER_TARGET_KERNELLIBRARY_H

#include "compiler/target/TargetSpec.h"
#include "passes/Kernels/WeightPacking.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace kiln {

/// The widest variant the target runs: AVX-512 (F, VL, BW, DQ), else AVX2
/// with FMA, else 128-bit SSE2 on x86-64; NEON on AArch64.
KernelIsa kernelIsaForTarget(const TargetSpec &spec);

/// Whether the target has every feature the `isa` object was compiled for.
bool targetRunsKernelIsa(const TargetSpec &spec, KernelIsa isa);

/// Points the module's `kiln_k_<kernel>` calls at the `isa` object's
/// symbols (hidden). Returns whether the module calls any kernel.
llvm::Expected<bool> bindKernelCalls(llvm::Module &m, KernelIsa isa);

/// Writes the `isa` kernel object for the linker.
llvm::Error writeKernelObject(KernelIsa isa, const std::string &path);

} // namespace kiln

#endif
