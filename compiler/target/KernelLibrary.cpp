//===- KernelLibrary.cpp - the kernels linked into every model --------------===//
#include "compiler/target/KernelLibrary.h"

#include "runtime/kernels/kernel_config.h"

#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {
namespace {

// The objects, built by runtime/kernels/CMakeLists.txt.
const unsigned char kGeneric[] = {
#include "runtime/kernels/kernels_generic.inc"
};
const unsigned char kAvx2[] = {
#include "runtime/kernels/kernels_avx2.inc"
};
const unsigned char kAvx512[] = {
#include "runtime/kernels/kernels_avx512.inc"
};
const unsigned char kNeon[] = {
#include "runtime/kernels/kernels_neon.inc"
};

llvm::StringRef objectOf(KernelIsa isa) {
  auto ref = [](const unsigned char *p, size_t n) {
    return llvm::StringRef(reinterpret_cast<const char *>(p), n);
  };
  switch (isa) {
  case KernelIsa::Generic: return ref(kGeneric, sizeof kGeneric);
  case KernelIsa::Avx2: return ref(kAvx2, sizeof kAvx2);
  case KernelIsa::Avx512: return ref(kAvx512, sizeof kAvx512);
  case KernelIsa::Neon: return ref(kNeon, sizeof kNeon);
  case KernelIsa::None: break;
  }
  return {};
}

/// The features each object was compiled with (runtime/kernels/CMakeLists.txt).
const char *requiredFeatures(KernelIsa isa) {
  switch (isa) {
  case KernelIsa::Avx2: return "+avx2,+fma";
  case KernelIsa::Avx512: return "+avx2,+fma,+avx512f,+avx512vl,+avx512bw,+avx512dq";
  default: return "";
  }
}

bool hasFeatures(const TargetSpec &spec, const char *features) {
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(spec.triple, error);
  if (!t)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      t->createMCSubtargetInfo(spec.triple, spec.cpu, spec.features));
  return sti && sti->checkFeatures(features);
}

} // namespace

KernelIsa kernelIsaForTarget(const TargetSpec &spec) {
  if (spec.isAArch64())
    return KernelIsa::Neon;
  if (hasFeatures(spec, requiredFeatures(KernelIsa::Avx512)))
    return KernelIsa::Avx512;
  if (hasFeatures(spec, requiredFeatures(KernelIsa::Avx2)))
    return KernelIsa::Avx2;
  return KernelIsa::Generic;
}

bool targetRunsKernelIsa(const TargetSpec &spec, KernelIsa isa) {
  switch (isa) {
  case KernelIsa::None: return true;
  case KernelIsa::Neon: return spec.isAArch64();
  case KernelIsa::Generic: return !spec.isAArch64();
  case KernelIsa::Avx2:
  case KernelIsa::Avx512: return !spec.isAArch64() && hasFeatures(spec, requiredFeatures(isa));
  }
  return false;
}

llvm::Expected<bool> bindKernelCalls(llvm::Module &m, KernelIsa isa) {
  std::string suffix =
      ("_" + kernelIsaName(isa) + "_v" + llvm::Twine(KILN_KERNEL_ABI)).str();
  bool any = false;
  for (llvm::Function &f : m) {
    if (!f.isDeclaration() || !f.getName().starts_with("kiln_k_"))
      continue;
    if (isa == KernelIsa::None)
      return llvm::createStringError("the model calls %s but no kernel library was chosen",
                                     f.getName().str().c_str());
    f.setName(f.getName() + suffix);
    f.setVisibility(llvm::GlobalValue::HiddenVisibility);
    f.setDSOLocal(true);
    any = true;
  }
  return any;
}

llvm::Error writeKernelObject(KernelIsa isa, const std::string &path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("%s: %s", path.c_str(), ec.message().c_str());
  os << objectOf(isa);
  os.close();
  if (os.has_error())
    return llvm::createStringError("%s: write failed", path.c_str());
  return llvm::Error::success();
}

} // namespace kiln
