//===- KilnToLinalgPass.cpp - the kiln -> linalg conversion pass ------------===//
#include "dialects/kernel/KernelDialect.h"
#include "dialects/kiln/KilnDialect.h"
#include "passes/KilnToLinalg/Patterns.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNTOLINALG
#include "passes/Passes.h.inc"

namespace {
struct KilnToLinalgPass : impl::KilnToLinalgBase<KilnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    KilnTypeConverter converter;
    RewritePatternSet patterns(ctx);
    populateElementwiseLowering(converter, patterns);
    populateDataMovementLowering(converter, patterns);
    populateContractionLowering(converter, patterns);
    populateNormalizationLowering(converter, patterns);
    populateAttentionLowering(converter, patterns);
    populateQuantLowering(converter, patterns);
    populateFusedOpsLowering(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*ctx);
    target.addIllegalDialect<KilnDialect>();
    target.addLegalOp<ModuleOp>();
    // Kernel calls that kiln-select-kernels chose stay as they are.
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           kernel::KilnKernelDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return converter.isSignatureLegal(f.getFunctionType()) &&
             converter.isLegal(&f.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp r) { return converter.isLegal(r.getOperandTypes()); });
    if (failed(applyFullConversion(getOperation(), target, std::move(patterns))))
      return signalPassFailure();
    copyRepeatedResults();
  }

  /// A model whose outputs are one value twice (two equal subgraphs that CSE
  /// merged) returns a copy for the repeats: every output gets its own
  /// buffer, which buffer-results-to-out-params requires.
  void copyRepeatedResults() {
    getOperation()->walk([](func::ReturnOp ret) {
      OpBuilder b(ret);
      llvm::SmallPtrSet<Value, 8> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        // alloc_tensor allocates (tensor.empty would be CSE'd into one buffer).
        operand.set(bufferization::AllocTensorOp::create(b, ret.getLoc(), type, ValueRange{}, v));
      }
    });
  }
};
} // namespace
} // namespace kiln
