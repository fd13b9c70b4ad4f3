//===- Pipeline.h - Kiln's named pass pipelines ------------------*- C++ -*-===//
//
// ONNX -> kiln -> optimized kiln -> linalg on tensors -> buffers in one arena
// -> loops -> LLVM dialect. Each stage is a named pipeline that kiln-opt runs
// alone: --kiln-optimize-graph, --kiln-lower-to-linalg, --kiln-bufferize,
// --kiln-lower-to-llvm.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_PIPELINE_PIPELINE_H
#define KILN_COMPILER_PIPELINE_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

struct PipelineOptions {
  /// 0: no graph or tensor-level optimisation; 1+: the graph optimizer and
  /// elementwise fusion.
  unsigned optLevel = 2;
  /// Kernel library variant for GEMMs, attention, norms and softmax at -O1+
  /// (generic, avx2, avx512, neon); "none" lowers everything through linalg.
  std::string kernels = "none";
};

/// The graph optimizer (kiln -> kiln): folding and the fusion passes.
mlir::LogicalResult addGraphOptimizationPasses(mlir::OpPassManager &pm,
                                               const PipelineOptions &options);
mlir::LogicalResult addLowerToLinalgPasses(mlir::OpPassManager &pm,
                                           const PipelineOptions &options);
mlir::LogicalResult addBufferizePasses(mlir::OpPassManager &pm,
                                       const PipelineOptions &options);
mlir::LogicalResult addLowerToLLVMPasses(mlir::OpPassManager &pm,
                                         const PipelineOptions &options);
/// All four, in order.
mlir::LogicalResult addCompilePasses(mlir::OpPassManager &pm,
                                     const PipelineOptions &options);

/// Registers the pipelines above with the pass registry (for kiln-opt).
void registerKilnPipelines();

} // namespace kiln

#endif
