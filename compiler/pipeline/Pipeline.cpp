//===- Pipeline.cpp - Kiln's named pass pipelines ---------------------------===//
#include "compiler/pipeline/Pipeline.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace kiln {

// The stages are spelled as textual pipelines, so that what kilnc runs is
// exactly what `kiln-opt --kiln-<stage>` runs, pass by pass.

// Normalize (fold constants, weights and shape arithmetic; canonical operand
// order), then fuse. Each fusion leaves new small ops (slices of cos/sin
// tables, transposes of keys) for the folds that follow it.
static const char *kGraphStage =
    "canonicalize,cse,kiln-fold-weights,canonicalize,cse,"
    "kiln-fuse-norms,kiln-fuse-gelu,kiln-fuse-rotary,cse,kiln-fold-weights,canonicalize,cse,"
    "kiln-fuse-attention,kiln-fuse-skip-norms,kiln-pack-matmuls,kiln-fold-weights,"
    "kiln-fuse-epilogues,canonicalize,cse";

static std::string linalgStage(const PipelineOptions &o) {
  std::string p = "canonicalize,cse,";
  // Kernels first: they take the fused ops whole, before kiln-to-linalg
  // expands what is left.
  if (o.optLevel >= 1 && o.kernels != "none")
    p += "kiln-select-kernels{isa=" + o.kernels +
         "},canonicalize,cse,kiln-align-k-splits,kiln-fuse-gemm-norms,"
         "kiln-mark-streamed-outputs,";
  p += "kiln-to-linalg,kiln-bind-weights,canonicalize,cse";
  if (o.optLevel >= 1)
    p += ",func.func(kiln-fuse-elementwise),canonicalize,cse";
  return p;
}

static const char *kBufferizeStage =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
    "kiln-lower-copies,canonicalize,kiln-plan-memory";

static const char *kLLVMStage =
    "kiln-lower-kernel-calls,kiln-outline-kernels,func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,"
    "canonicalize,expand-strided-metadata,finalize-memref-to-llvm,"
    "convert-math-to-funcs,convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
    "convert-index-to-llvm,convert-func-to-llvm,"
    "convert-cf-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts";

LogicalResult addGraphOptimizationPasses(OpPassManager &pm, const PipelineOptions &o) {
  if (o.optLevel == 0)
    return success();
  return parsePassPipeline(kGraphStage, pm);
}
LogicalResult addLowerToLinalgPasses(OpPassManager &pm, const PipelineOptions &o) {
  return parsePassPipeline(linalgStage(o), pm);
}
LogicalResult addBufferizePasses(OpPassManager &pm, const PipelineOptions &) {
  return parsePassPipeline(kBufferizeStage, pm);
}
LogicalResult addLowerToLLVMPasses(OpPassManager &pm, const PipelineOptions &) {
  return parsePassPipeline(kLLVMStage, pm);
}
LogicalResult addCompilePasses(OpPassManager &pm, const PipelineOptions &o) {
  if (failed(addGraphOptimizationPasses(pm, o)) || failed(addLowerToLinalgPasses(pm, o)) ||
      failed(addBufferizePasses(pm, o)) ||
      failed(addLowerToLLVMPasses(pm, o)))
    return failure();
  return success();
}

namespace {
struct CliOptions : PassPipelineOptions<CliOptions> {
  Option<unsigned> optLevel{*this, "opt-level", llvm::cl::desc("0..3"),
                            llvm::cl::init(2)};
  Option<std::string> kernels{*this, "kernels",
                              llvm::cl::desc("kernel library variant: generic, avx2, "
                                             "avx512, neon or none"),
                              llvm::cl::init("none")};
  PipelineOptions get() const { return {optLevel, kernels}; }
};
} // namespace

void registerKilnPipelines() {
  PassPipelineRegistration<CliOptions>(
      "kiln-optimize-graph", "fold and fuse kiln ops (nothing at opt-level=0)",
      [](OpPassManager &pm, const CliOptions &o) {
        (void)addGraphOptimizationPasses(pm, o.get());
      });
  PassPipelineRegistration<CliOptions>(
      "kiln-lower-to-linalg", "kiln ops -> linalg on tensors, weights bound",
      [](OpPassManager &pm, const CliOptions &o) {
        (void)addLowerToLinalgPasses(pm, o.get());
      });
  PassPipelineRegistration<CliOptions>(
      "kiln-bufferize", "tensors -> buffers in one planned arena",
      [](OpPassManager &pm, const CliOptions &o) {
        (void)addBufferizePasses(pm, o.get());
      });
  PassPipelineRegistration<CliOptions>(
      "kiln-lower-to-llvm", "buffers and loops -> LLVM dialect",
      [](OpPassManager &pm, const CliOptions &o) {
        (void)addLowerToLLVMPasses(pm, o.get());
      });
  PassPipelineRegistration<CliOptions>(
      "kiln-compile", "all stages, kiln -> optimized kiln -> LLVM dialect",
      [](OpPassManager &pm, const CliOptions &o) {
        (void)addCompilePasses(pm, o.get());
      });
}

} // namespace kiln
