//===- Linker.h - running ld.lld on kilnc's objects --------------*- C++ -*-===//
#ifndef KILN_COMPILER_TARGET_LINKER_H
#define KILN_COMPILER_TARGET_LINKER_H

#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

#include <string>
#include <vector>

namespace kiln {

enum class LinkKind { Relocatable, Shared };

/// Links `objects` with ld.lld into one relocatable object (ld -r) or a
/// shared library that needs only libc and libm. `linker` overrides the
/// search ($KILN_LD, ld.lld-22, ld.lld, the LLVM 22 install).
llvm::Error linkObjects(const std::vector<std::string> &objects,
                        const std::string &output, LinkKind kind,
                        const llvm::Triple &triple, const std::string &linker);

} // namespace kiln

#endif
