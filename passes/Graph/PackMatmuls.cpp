//===- PackMatmuls.cpp - one GEMM for projections that share an input -------===//
//
// Q, K and V (and SwiGLU's gate and up) multiply one activation by different
// weights. One matmul against the weights concatenated along N reads the
// activation once and gives the GEMM kernel a wider N. The concatenation is
// a kiln.concat of constants, which kiln-fold-weights turns into one blob.
// Each output column is computed exactly as before.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNPACKMATMULS
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

struct Member {
  MatmulOp mm;
  AddOp biasAdd; // null when the product has no constant [N] bias
  Value bias;
};

Value cloneConstant(RewriterBase &rw, Location loc, Value c) {
  return ConstantOp::create(rw, loc, cast<ConstantOp>(c.getDefiningOp()).getValue());
}

/// Packs one group; members are in program order.
void pack(RewriterBase &rw, MutableArrayRef<Member> members) {
  MatmulOp first = members.front().mm;
  bool transposed = first.getTransposeRhs();
  bool allBias = llvm::all_of(members, [](const Member &m) { return m.biasAdd != nullptr; });
  rw.setInsertionPoint(first);
  Location loc = first.getLoc();
  SmallVector<Value> weights, biases;
  Subgraph sub;
  for (Member &m : members) {
    weights.push_back(cloneConstant(rw, loc, m.mm.getRhs()));
    sub.add(m.mm.getOperation());
    if (allBias) {
      biases.push_back(cloneConstant(rw, loc, m.bias));
      sub.add(m.biasAdd.getOperation());
    }
  }
  Value w = ConcatOp::create(rw, loc, weights, rw.getI64IntegerAttr(transposed ? 0 : 1));
  Value y = MatmulOp::create(rw, loc, first.getLhs(), w, UnitAttr(), first.getTransposeRhsAttr());
  Operation *packed = y.getDefiningOp();
  if (allBias)
    y = AddOp::create(rw, loc, y, ConcatOp::create(rw, loc, biases, rw.getI64IntegerAttr(0)));
  auto yt = cast<RankedTensorType>(y.getType());
  int64_t rank = yt.getRank(), offset = 0;
  SmallVector<Value> outputs, slices;
  for (Member &m : members) {
    Value out = allBias ? m.biasAdd.getResult() : m.mm.getResult();
    auto ot = cast<RankedTensorType>(out.getType());
    SmallVector<int64_t> starts(rank, 0), steps(rank, 1);
    starts.back() = offset;
    offset += ot.getShape().back();
    slices.push_back(SliceOp::create(rw, loc, ot, y, starts, steps));
    outputs.push_back(out);
  }
  commitFusion(rw, sub, packed, outputs, slices, "packed_matmul",
               std::to_string(members.size()) + (allBias ? " with bias" : ""));
}

struct PackMatmulsPass : impl::KilnPackMatmulsBase<PackMatmulsPass> {
  using KilnPackMatmulsBase::KilnPackMatmulsBase;

  void runOnOperation() override {
    // Group by (activation, transpose flag) within a block.
    llvm::MapVector<std::pair<Value, int>, SmallVector<Member>> groups;
    getOperation()->walk([&](MatmulOp mm) {
      auto wt = mm.getRhs().getType();
      if (mm.getTransposeLhs() || wt.getRank() != 2 || !isConstant(mm.getRhs()) ||
          !isa<FloatType>(wt.getElementType()) ||
          mm.getType().getRank() != mm.getLhs().getType().getRank())
        return;
      Member m{mm, AddOp(), Value()};
      if (mm->hasOneUse())
        if (auto add = dyn_cast<AddOp>(*mm->getUsers().begin())) {
          Value b = otherOperand(add, mm.getResult());
          auto bt = cast<RankedTensorType>(b.getType());
          if (isConstant(b) && bt.getRank() == 1 && add.getType() == mm.getType() &&
              bt.getDimSize(0) == mm.getType().getShape().back()) {
            m.biasAdd = add;
            m.bias = b;
          }
        }
      groups[{mm.getLhs(), mm.getTransposeRhs() ? 1 : 0}].push_back(m);
    });
    IRRewriter rewriter(&getContext());
    for (auto &entry : groups) {
      SmallVector<Member> &members = entry.second;
      // Members of one block, of one contraction size.
      unsigned kDim = entry.first.second ? 1 : 0;
      Block *block = members.front().mm->getBlock();
      int64_t K = members.front().mm.getRhs().getType().getDimSize(kDim);
      if ((int64_t)members.size() < minCount ||
          llvm::any_of(members, [&](Member &m) {
            return m.mm->getBlock() != block || m.mm.getRhs().getType().getDimSize(kDim) != K;
          }))
        continue;
      llvm::sort(members, [](Member &a, Member &b) { return a.mm->isBeforeInBlock(b.mm); });
      pack(rewriter, members);
    }
  }
};
} // namespace
} // namespace kiln
