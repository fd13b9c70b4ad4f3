//===- Linker.cpp - running ld.lld on kilnc's objects -----------------------===//
#include "compiler/target/Linker.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

#ifndef KILN_DEFAULT_LLD
#define KILN_DEFAULT_LLD "/usr/lib/llvm-22/bin/ld.lld"
#endif

namespace kiln {

static std::string findLinker(const std::string &requested) {
  if (!requested.empty())
    return requested;
  if (const char *env = std::getenv("KILN_LD"))
    return env;
  for (const char *name : {"ld.lld-22", "ld.lld"})
    if (auto p = llvm::sys::findProgramByName(name))
      return *p;
  if (llvm::sys::fs::can_execute(KILN_DEFAULT_LLD))
    return KILN_DEFAULT_LLD;
  return {};
}

/// The directory holding the target's libm, for -lm in shared libraries.
static std::string libmDir(const llvm::Triple &triple) {
  std::vector<std::string> candidates;
  if (triple.getArch() == llvm::Triple::aarch64)
    candidates = {"/usr/aarch64-linux-gnu/lib", "/usr/lib/aarch64-linux-gnu",
                  "/lib/aarch64-linux-gnu"};
  else
    candidates = {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64"};
  for (const auto &d : candidates)
    for (const char *lib : {"libm.so.6", "libm.so"})
      if (llvm::sys::fs::exists(d + "/" + lib))
        return d;
  return {};
}

llvm::Error linkObjects(const std::vector<std::string> &objects,
                        const std::string &output, LinkKind kind,
                        const llvm::Triple &triple, const std::string &linker) {
  std::string lld = findLinker(linker);
  if (lld.empty())
    return llvm::createStringError(
        "cannot find ld.lld (install lld-22, or set KILN_LD or --linker)");
  std::vector<std::string> args = {lld};
  if (kind == LinkKind::Relocatable) {
    args.push_back("-r");
  } else {
    args.insert(args.end(), {"-shared", "--no-undefined-version", "-z", "noexecstack",
                             "--hash-style=gnu", "--build-id",
                             "-soname=" + llvm::sys::path::filename(output).str()});
    args.push_back(triple.getArch() == llvm::Triple::aarch64 ? "-maarch64linux"
                                                             : "-melf_x86_64");
  }
  for (const auto &o : objects)
    args.push_back(o);
  if (kind == LinkKind::Shared) {
    // The generated code may call libm (expf, tanhf, erff, ...).
    std::string dir = libmDir(triple);
    if (!dir.empty()) {
      // libm.so.6 by name: libm.so may be a linker script naming host paths.
      std::string so = dir + "/libm.so.6";
      if (llvm::sys::fs::exists(so))
        args.push_back(so);
    }
  }
  args.insert(args.end(), {"-o", output});
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string errMsg;
  std::string log;
  llvm::SmallString<128> errFile;
  llvm::sys::fs::createTemporaryFile("kilnc-ld", "log", errFile);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, std::nullopt,
                                                llvm::StringRef(errFile)};
  int rc = llvm::sys::ExecuteAndWait(lld, refs, std::nullopt, redirects, 0, 0, &errMsg);
  if (auto buf = llvm::MemoryBuffer::getFile(errFile))
    log = (*buf)->getBuffer().str();
  llvm::sys::fs::remove(errFile);
  if (rc != 0)
    return llvm::createStringError("%s failed (%s): %s", lld.c_str(),
                                   errMsg.empty() ? ("exit code " + std::to_string(rc)).c_str()
                                                  : errMsg.c_str(),
                                   log.c_str());
  return llvm::Error::success();
}

} // namespace kiln
