//===- AlignKSplits.cpp - GEMMs split K where their producer split N -------===//
//
// A GEMM with packed weights splits its output columns over threads, each
// thread a contiguous share of panels. The GEMM that reads that output as A
// ordinarily splits its own columns too, so every thread reads all of A,
// most of it written by other threads; between cores of different CCDs that
// costs the reads, and then the producer's next stores into lines the reader
// still holds. Marking the reader `k_split = NR` makes it split K at the
// producer's bounds instead (each thread multiplies what it wrote) and sum
// the partial products after, which pays when A is the larger operand.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"
#include "dialects/kiln/KilnOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNALIGNKSPLITS
#include "passes/Passes.h.inc"

namespace {

/// Splitting K adds a pass over the (slices - 1) partial products of the
/// result; it saves moving (threads - 1) / threads of A. Worth it when A has
/// at least this many times the result's columns.
constexpr int64_t kMinKOverN = 2;

/// The GEMM with packed weights whose result `a` is, through reshapes that
/// keep the last dim (the columns the producer split); null otherwise.
kernel::GemmOp producerOf(Value a) {
  int64_t cols = cast<ShapedType>(a.getType()).getShape().back();
  while (auto reshape = a.getDefiningOp<ReshapeOp>()) {
    a = reshape.getInput();
    if (cast<ShapedType>(a.getType()).getShape().back() != cols)
      return {};
  }
  // A norm epilogue writes its rows by rows, not by columns.
  auto gemm = a.getDefiningOp<kernel::GemmOp>();
  return gemm && !gemm.getNormScale() && gemm.getBLayout() == kernel::BLayout::packed
             ? gemm
             : kernel::GemmOp();
}

struct AlignKSplitsPass : impl::KilnAlignKSplitsBase<AlignKSplitsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      int64_t scratch = 0;
      func.walk([&](kernel::GemmOp gemm) {
        auto c = cast<ShapedType>(gemm.getC().getType());
        int64_t k = cast<ShapedType>(gemm.getA().getType()).getShape().back();
        kernel::GemmOp producer = producerOf(gemm.getA());
        if (!producer || k < kMinKOverN * c.getShape().back())
          return;
        // Packed B is [panels, K, NR].
        int64_t nr = cast<ShapedType>(producer.getB().getType()).getShape().back();
        gemm.setKSplit(nr);
        scratch = std::max(scratch, c.getNumElements() * int64_t(sizeof(float)));
      });
      if (scratch)
        func->setAttr(kScratchPerThreadAttr, IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                                              scratch));
    }
  }
};

} // namespace
} // namespace kiln
