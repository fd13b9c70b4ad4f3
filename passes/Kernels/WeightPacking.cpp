//===- WeightPacking.cpp - GEMM weights in the kernels' panel layout --------===//
#include "passes/Kernels/WeightPacking.h"

#include "runtime/kernels/kernel_config.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace kiln {

std::optional<KernelIsa> parseKernelIsa(llvm::StringRef name) {
  if (name.empty() || name == "none")
    return KernelIsa::None;
  if (name == "generic")
    return KernelIsa::Generic;
  if (name == "avx2")
    return KernelIsa::Avx2;
  if (name == "avx512")
    return KernelIsa::Avx512;
  if (name == "neon")
    return KernelIsa::Neon;
  return std::nullopt;
}

llvm::StringRef kernelIsaName(KernelIsa isa) {
  switch (isa) {
  case KernelIsa::None: return "none";
  case KernelIsa::Generic: return "generic";
  case KernelIsa::Avx2: return "avx2";
  case KernelIsa::Avx512: return "avx512";
  case KernelIsa::Neon: return "neon";
  }
  return "none";
}

int64_t gemmPanelWidth(KernelIsa isa) {
  switch (isa) {
  case KernelIsa::Avx2: return KILN_GEMM_NR_AVX2;
  case KernelIsa::Avx512: return KILN_GEMM_NR_AVX512;
  case KernelIsa::Neon: return KILN_GEMM_NR_NEON;
  case KernelIsa::Generic:
  case KernelIsa::None: return KILN_GEMM_NR_GENERIC;
  }
  return KILN_GEMM_NR_GENERIC;
}

void packPanels(const float *src, int64_t k, int64_t n, bool transposed, int64_t nr,
                float *out) {
  int64_t panels = (n + nr - 1) / nr;
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t r = 0; r < k; ++r) {
      float *row = out + (p * k + r) * nr;
      for (int64_t j = 0; j < nr; ++j) {
        int64_t col = p * nr + j;
        row[j] = col >= n ? 0.0f : transposed ? src[col * k + r] : src[r * n + col];
      }
    }
}

std::optional<ElementsAttr> packWeights(ElementsAttr weights, bool transposed, int64_t nr) {
  auto type = cast<RankedTensorType>(weights.getType());
  if (type.getRank() != 2 || !type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  int64_t k = type.getDimSize(transposed ? 1 : 0), n = type.getDimSize(transposed ? 0 : 1);
  int64_t count = type.getNumElements();
  std::vector<float> inlineCopy;
  const float *src = nullptr;
  std::string name = "weights";
  if (auto res = dyn_cast<DenseResourceElementsAttr>(weights)) {
    const AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != size_t(count) * sizeof(float))
      return std::nullopt;
    src = reinterpret_cast<const float *>(blob->getData().data());
    name = res.getRawHandle().getKey().str();
  } else if (auto dense = dyn_cast<DenseElementsAttr>(weights)) {
    inlineCopy.assign(dense.value_begin<float>(), dense.value_end<float>());
    src = inlineCopy.data();
  } else {
    return std::nullopt;
  }
  int64_t panels = (n + nr - 1) / nr;
  auto packedType = RankedTensorType::get({panels, k, nr}, type.getElementType());
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocate(size_t(panels * k * nr) * sizeof(float), 64);
  packPanels(src, k, n, transposed, nr,
             reinterpret_cast<float *>(blob.getMutableData().data()));
  return DenseResourceElementsAttr::get(packedType, name + ".packed" + std::to_string(nr),
                                        std::move(blob));
}

} // namespace kiln
