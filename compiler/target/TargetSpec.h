//===- TargetSpec.h - which machine kilnc generates code for ----*- C++ -*-===//
#ifndef KILN_COMPILER_TARGET_TARGETSPEC_H
#define KILN_COMPILER_TARGET_TARGETSPEC_H

#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <memory>
#include <string>

namespace kiln {

struct TargetSpec {
  llvm::Triple triple;
  std::string cpu;
  std::string features;
  bool isHost = false;
  bool isAArch64() const { return triple.getArch() == llvm::Triple::aarch64; }
};

/// Resolves --target/--mcpu/--mattr. An empty target means the host with its
/// own CPU and features; an explicit x86-64 target defaults to x86-64-v3
/// (AVX2 + FMA) and AArch64 to `generic` (NEON).
llvm::Expected<TargetSpec> resolveTarget(const std::string &target,
                                         const std::string &cpu,
                                         const std::string &attrs);

/// A TargetMachine for position-independent code at the given -O level.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel);

} // namespace kiln

#endif
