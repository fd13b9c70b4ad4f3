//===- TargetSpec.cpp - which machine kilnc generates code for --------------===//
#include "compiler/target/TargetSpec.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

namespace kiln {

static void initTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

llvm::Expected<TargetSpec> resolveTarget(const std::string &target,
                                         const std::string &cpu,
                                         const std::string &attrs) {
  initTargets();
  TargetSpec spec;
  std::string host = llvm::sys::getDefaultTargetTriple();
  std::string wanted = target.empty() ? host : target;
  spec.triple = llvm::Triple(llvm::Triple::normalize(wanted));
  auto arch = spec.triple.getArch();
  if (arch != llvm::Triple::x86_64 && arch != llvm::Triple::aarch64)
    return llvm::createStringError(
        "unsupported target '%s': kilnc generates x86_64-linux-gnu and "
        "aarch64-linux-gnu code",
        wanted.c_str());
  if (spec.triple.getOS() == llvm::Triple::UnknownOS)
    spec.triple.setOS(llvm::Triple::Linux);
  if (spec.triple.getEnvironment() == llvm::Triple::UnknownEnvironment)
    spec.triple.setEnvironment(llvm::Triple::GNU);
  llvm::Triple hostTriple(llvm::Triple::normalize(host));
  spec.isHost = target.empty() || (spec.triple.getArch() == hostTriple.getArch() &&
                                   cpu == "native");
  if (!cpu.empty() && cpu != "native") {
    spec.cpu = cpu;
  } else if (spec.isHost) {
    spec.cpu = llvm::sys::getHostCPUName().str();
    std::string features;
    for (auto &kv : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") + std::string(kv.second ? "+" : "-") +
                  kv.first().str();
    spec.features = features;
  } else {
    spec.cpu = arch == llvm::Triple::x86_64 ? "x86-64-v3" : "generic";
  }
  if (!attrs.empty())
    spec.features = spec.features.empty() ? attrs : spec.features + "," + attrs;
  std::string error;
  if (!llvm::TargetRegistry::lookupTarget(spec.triple, error))
    return llvm::createStringError("target '%s': %s", spec.triple.str().c_str(),
                                   error.c_str());
  return spec;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel) {
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(spec.triple, error);
  if (!t)
    return llvm::createStringError("%s", error.c_str());
  llvm::CodeGenOptLevel level = optLevel == 0   ? llvm::CodeGenOptLevel::None
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                                : llvm::CodeGenOptLevel::Aggressive;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      spec.triple, spec.cpu, spec.features, options, llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!tm)
    return llvm::createStringError("cannot create a target machine for %s (cpu %s)",
                                   spec.triple.str().c_str(), spec.cpu.c_str());
  return tm;
}

} // namespace kiln
