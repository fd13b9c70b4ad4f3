//===- WeightPacking.h - GEMM weights in the kernels' panel layout -*- C++ -*-===//
//
// Constant GEMM operands are packed at compile time into the layout
// kiln_k_gemm_f32 reads (runtime/kernels/kernel_config.h): ceil(N/NR)
// panels, each K rows of NR columns, zero padded.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_KERNELS_WEIGHTPACKING_H
#define KILN_PASSES_KERNELS_WEIGHTPACKING_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace kiln {

/// The kernel library variant kilnc links for a target.
enum class KernelIsa { None, Generic, Avx2, Avx512, Neon };

/// "generic", "avx2", "avx512", "neon"; "" and "none" are None.
std::optional<KernelIsa> parseKernelIsa(llvm::StringRef name);
llvm::StringRef kernelIsaName(KernelIsa isa);
/// GEMM panel width of the variant (KILN_GEMM_NR_*).
int64_t gemmPanelWidth(KernelIsa isa);

/// Packs `src` ([K, N], or [N, K] when `transposed`) into panels of `nr`
/// columns: out[(p * K + k) * nr + j] = B[k][p * nr + j], 0 past N.
void packPanels(const float *src, int64_t k, int64_t n, bool transposed, int64_t nr,
                float *out);

/// The f32 constant `weights` packed as a new dense_resource named after it,
/// of type [ceil(N/nr), K, nr]; nullopt if its data cannot be read.
std::optional<mlir::ElementsAttr> packWeights(mlir::ElementsAttr weights, bool transposed,
                                              int64_t nr);

} // namespace kiln

#endif
