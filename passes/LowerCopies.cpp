//===- LowerCopies.cpp - memref.copy as linalg.copy -------------------------===//
#include "passes/Passes.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERCOPIES
#include "passes/Passes.h.inc"

namespace {
struct LowerCopiesPass : impl::KilnLowerCopiesBase<LowerCopiesPass> {
  void runOnOperation() override {
    getOperation()->walk([](memref::CopyOp copy) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    });
  }
};
} // namespace
} // namespace kiln
