//===- PlanMemory.cpp - one arena for all activations -----------------------===//
//
// Live ranges are measured in top-level op positions of the entry block; a
// buffer is live from its alloc to the last op that touches it or any view
// of it. Placement is greedy: largest buffers first, each at the lowest
// aligned offset that does not overlap a placed buffer it is live with.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNPLANMEMORY
#include "passes/Passes.h.inc"

namespace {

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0;
  int64_t start = 0, end = 0; // inclusive op positions
  int64_t offset = 0;
};

int64_t elementBytes(Type t) {
  return std::max<int64_t>(t.getIntOrFloatBitWidth() / 8, 1);
}

struct PlanMemoryPass : impl::KilnPlanMemoryBase<PlanMemoryPass> {
  using KilnPlanMemoryBase::KilnPlanMemoryBase;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(plan(func)))
        return signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    Block &body = func.getBody().front();
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t pos = 0;
    for (Operation &op : body)
      position[&op] = pos++;

    SmallVector<Buffer> buffers;
    WalkResult walk = func.walk([&](memref::AllocOp alloc) {
      MemRefType t = alloc.getType();
      if (alloc->getBlock() != &body)
        return alloc.emitError("allocation inside a region is not planned"),
               WalkResult::interrupt();
      if (!t.hasStaticShape() || !t.getLayout().isIdentity())
        return alloc.emitError("only static, contiguous allocations are planned"),
               WalkResult::interrupt();
      Buffer buf;
      buf.alloc = alloc;
      buf.bytes = t.getNumElements() * elementBytes(t.getElementType());
      buf.start = buf.end = position[alloc];
      // Follow views; a use inside a region counts at its top-level op.
      SmallVector<Value> worklist = {alloc.getResult()};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (OpOperand &use : v.getUses()) {
          Operation *user = use.getOwner();
          // A deallocation ends the buffer's life rather than using it.
          if (isa<memref::DeallocOp>(user))
            continue;
          if (auto view = dyn_cast<ViewLikeOpInterface>(user))
            if (view.getViewSource() == v)
              for (Value r : user->getResults())
                worklist.push_back(r);
          Operation *top = body.findAncestorOpInBlock(*user);
          if (top)
            buf.end = std::max(buf.end, position[top]);
        }
      }
      buffers.push_back(buf);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // Largest first; ties keep program order so the plan is deterministic.
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
    SmallVector<Buffer *> placed;
    int64_t arena = 0;
    for (Buffer *buf : order) {
      // Ranges of live-overlapping placed buffers, sorted by offset.
      SmallVector<std::pair<int64_t, int64_t>> busy;
      for (Buffer *p : placed)
        if (p->start <= buf->end && buf->start <= p->end)
          busy.push_back({p->offset, p->offset + p->bytes});
      llvm::sort(busy);
      int64_t offset = 0;
      for (auto [lo, hi] : busy) {
        if (offset + buf->bytes <= lo)
          break;
        offset = std::max(offset, (int64_t)llvm::alignTo(hi, alignment));
      }
      buf->offset = offset;
      arena = std::max(arena, offset + buf->bytes);
      placed.push_back(buf);
    }
    arena = llvm::alignTo(arena, alignment);

    OpBuilder b(func.getContext());
    auto arenaType = MemRefType::get({arena}, b.getI8Type());
    unsigned argIndex = func.getNumArguments();
    if (failed(func.insertArgument(argIndex, arenaType,
                                   b.getDictionaryAttr(b.getNamedAttr("kiln.role", b.getStringAttr("arena"))),
                                   func.getLoc())))
      return failure();
    Value arenaArg = func.getArgument(argIndex);
    for (Buffer &buf : buffers) {
      b.setInsertionPoint(buf.alloc);
      Location loc = buf.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(b, loc, buf.offset);
      Value view = memref::ViewOp::create(b, loc, buf.alloc.getType(), arenaArg, offset,
                                          ValueRange{});
      // Deallocations of planned buffers go away with them.
      for (Operation *user : llvm::make_early_inc_range(buf.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buf.alloc.replaceAllUsesWith(view);
      buf.alloc.erase();
    }
    func->setAttr(kArenaSizeAttr, b.getI64IntegerAttr(arena));
    return success();
  }
};

} // namespace
} // namespace kiln
