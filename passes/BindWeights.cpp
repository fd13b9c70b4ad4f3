//===- BindWeights.cpp - weights as views of one blob argument --------------===//
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNBINDWEIGHTS
#include "passes/Passes.h.inc"

namespace {

int64_t byteSize(RankedTensorType t) {
  int64_t bits = t.getElementType().getIntOrFloatBitWidth();
  return t.getNumElements() * std::max<int64_t>(bits / 8, 1);
}

struct BindWeightsPass : impl::KilnBindWeightsBase<BindWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(bind(module, func)))
        return signalPassFailure();
    }
  }

  LogicalResult bind(ModuleOp module, func::FuncOp func) {
    OpBuilder b(func.getContext());
    // One slot per distinct resource, 64-byte aligned, in the order of the
    // constants (folding hoists them to the top, last used first; laying
    // the blob out in use order measured no faster).
    llvm::MapVector<Attribute, int64_t> offsets;
    SmallVector<arith::ConstantOp> constants;
    int64_t size = 0;
    func.walk([&](arith::ConstantOp c) {
      auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue());
      if (!res)
        return;
      constants.push_back(c);
      if (offsets.count(res))
        return;
      size = llvm::alignTo(size, 64);
      offsets[res] = size;
      size += byteSize(cast<RankedTensorType>(res.getType()));
    });
    auto blobType = MemRefType::get({size}, b.getI8Type());
    unsigned argIndex = func.getNumArguments();
    if (failed(func.insertArgument(argIndex, blobType,
                                   b.getDictionaryAttr(b.getNamedAttr("kiln.role", b.getStringAttr("weights"))),
                                   func.getLoc())))
      return failure();
    Value blob = func.getArgument(argIndex);
    for (arith::ConstantOp c : constants) {
      auto type = cast<RankedTensorType>(c.getType());
      b.setInsertionPoint(c);
      Location loc = c.getLoc();
      Value offset = arith::ConstantIndexOp::create(b, loc, offsets[c.getValue()]);
      auto viewType = MemRefType::get(type.getShape(), type.getElementType());
      Value view = memref::ViewOp::create(b, loc, viewType, blob, offset, ValueRange{});
      // restrict: nothing else aliases it; not writable: bufferization copies
      // before any in-place write, so weights stay read-only.
      auto t = bufferization::ToTensorOp::create(b, loc, type, view, /*restrict=*/true,
                                                 /*writable=*/false);
      c.replaceAllUsesWith(t.getResult());
      c.erase();
    }
    SmallVector<Attribute> table;
    for (auto [attr, off] : offsets)
      table.push_back(b.getDictionaryAttr({b.getNamedAttr("offset", b.getI64IntegerAttr(off)),
                                           b.getNamedAttr("value", attr)}));
    module->setAttr(kWeightsAttr, b.getArrayAttr(table));
    module->setAttr(kWeightsSizeAttr, b.getI64IntegerAttr(size));
    return success();
  }
};

} // namespace
} // namespace kiln
