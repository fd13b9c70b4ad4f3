//===- FuseEpilogues.cpp - bias, activation and residual into the GEMM ------===//
//
// Anchored at each kiln.matmul against a 2-D weight. Epilogue ops are taken
// in the order a GEMM can apply them to its output tile: bias, activation,
// residual; each must be the only reader of the value before it.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEEPILOGUES
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// A bias varies along the output columns only: shape [N], [1, N], ...
bool isRowBias(Value b, RankedTensorType result) {
  auto bt = cast<RankedTensorType>(b.getType());
  if (bt.getElementType() != result.getElementType() || bt.getRank() == 0 ||
      bt.getRank() > result.getRank() || bt.getShape().back() != result.getShape().back())
    return false;
  return llvm::all_of(bt.getShape().drop_back(), [](int64_t d) { return d == 1; });
}

LogicalResult fuseEpilogue(MatmulOp mm, RewriterBase &rw, Miss &why) {
  if (!mm->hasOneUse()) {
    why = "the product is also read by other ops";
    return failure();
  }
  auto rt = mm.getType();
  Subgraph sub;
  sub.add(mm.getOperation());
  Value y = mm.getResult(), bias, residual;
  Activation act = Activation::none;
  if (auto add = dyn_cast_or_null<AddOp>(onlyUser(y))) {
    Value b = otherOperand(add, y);
    if (b && add.getType() == rt && isRowBias(b, rt)) {
      bias = b;
      sub.add(add.getOperation());
      y = add.getResult();
    }
  }
  if (Operation *u = onlyUser(y)) {
    if (auto gelu = dyn_cast<GeluOp>(u)) {
      act = gelu.getApproximate() == GeluApproximation::tanh ? Activation::gelu_tanh
                                                            : Activation::gelu;
    } else if (isa<ReluOp>(u)) {
      act = Activation::relu;
    }
    if (act != Activation::none) {
      sub.add(u);
      y = u->getResult(0);
    }
  }
  if (auto add = dyn_cast_or_null<AddOp>(onlyUser(y))) {
    Value r = otherOperand(add, y);
    if (r && r != y && r.getType() == rt && add.getType() == rt) {
      residual = r;
      sub.add(add.getOperation());
      y = add.getResult();
    }
  }
  if (!bias && act == Activation::none && !residual) {
    why = "no bias add, activation or residual add reads the product alone";
    return failure();
  }
  rw.setInsertionPoint(y.getDefiningOp());
  auto linear = LinearOp::create(rw, y.getLoc(), mm.getLhs(), mm.getRhs(), bias, residual,
                                 mm.getTransposeRhsAttr(),
                                 ActivationAttr::get(rw.getContext(), act));
  std::string variant;
  for (auto [on, name] : {std::pair{bool(bias), "bias"},
                          std::pair{act != Activation::none, "activation"},
                          std::pair{bool(residual), "residual"}})
    if (on)
      variant += (variant.empty() ? "" : "+") + std::string(name);
  commitFusion(rw, sub, linear, {y}, linear->getResults(), "linear", variant);
  return success();
}

struct FuseEpiloguesPass : impl::KilnFuseEpiloguesBase<FuseEpiloguesPass> {
  void runOnOperation() override {
    runFusion<MatmulOp>(getOperation(), "linear", {{"epilogue", fuseEpilogue}},
                        [](MatmulOp mm) {
                          return !mm.getTransposeLhs() && mm.getRhs().getType().getRank() == 2 &&
                                 isa<FloatType>(mm.getType().getElementType()) &&
                                 llvm::any_of(mm->getUsers(), [](Operation *u) {
                                   return isa<AddOp, GeluOp, ReluOp>(u);
                                 });
                        });
  }
};
} // namespace
} // namespace kiln
