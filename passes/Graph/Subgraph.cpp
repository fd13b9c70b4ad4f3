//===- Subgraph.cpp - matched subgraphs and fusion remarks ------------------===//
#include "passes/Graph/Subgraph.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

using namespace mlir;

namespace kiln::graph {

Operation *Subgraph::addDef(Value v) {
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (op)
    ops.insert(op);
  return op;
}

Operation *Subgraph::escapingOp(ArrayRef<Value> outputs) const {
  for (Operation *op : ops)
    for (Value r : op->getResults()) {
      if (llvm::is_contained(outputs, r))
        continue;
      for (Operation *user : r.getUsers())
        if (!ops.contains(user))
          return op;
    }
  return nullptr;
}

Location Subgraph::fusedLoc(MLIRContext *ctx) const {
  SmallVector<Location> locs;
  for (Operation *op : ops)
    locs.push_back(op->getLoc());
  return FusedLoc::get(ctx, locs);
}

void Subgraph::eraseDead(RewriterBase &rewriter) const {
  // Users come after producers in a block, so erase in reverse program order
  // until nothing changes.
  SmallVector<Operation *> pending(ops.begin(), ops.end());
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation *&op : pending) {
      if (op && op->use_empty()) {
        rewriter.eraseOp(op);
        op = nullptr;
        changed = true;
      }
    }
  }
}

void commitFusion(RewriterBase &rewriter, Subgraph &sub, Operation *fused,
                  ArrayRef<Value> outputs, ValueRange replacements, StringRef kind,
                  StringRef variant) {
  fused->setLoc(sub.fusedLoc(fused->getContext()));
  for (auto [from, to] : llvm::zip_equal(outputs, replacements))
    rewriter.replaceAllUsesWith(from, to);
  sub.eraseDead(rewriter);
  remarkFused(fused, kind, variant);
}

static constexpr llvm::StringLiteral kFused = "fused ";
static constexpr llvm::StringLiteral kMissed = "not fused ";

void remarkFused(Operation *fused, StringRef kind, StringRef variant) {
  emitRemark(fused->getLoc()) << kFused << kind << " (" << variant << ")";
}

void remarkMissed(Operation *anchor, StringRef kind, StringRef reason) {
  emitRemark(anchor->getLoc()) << kMissed << kind << ": " << reason;
}

std::optional<FusionRemark> parseFusionRemark(StringRef message) {
  FusionRemark r;
  if (message.consume_front(kFused)) {
    r.fused = true;
    auto [kind, rest] = message.split(" (");
    if (!rest.consume_back(")"))
      return std::nullopt;
    r.kind = kind.str();
    r.detail = rest.str();
    return r;
  }
  if (message.consume_front(kMissed)) {
    auto [kind, rest] = message.split(": ");
    r.kind = kind.str();
    r.detail = rest.str();
    return r;
  }
  return std::nullopt;
}

SmallVector<std::string> nodeNames(Location loc) {
  SmallVector<std::string> names;
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      std::string s = n.getName().str();
      if (!llvm::is_contained(names, s))
        names.push_back(s);
    }
    return WalkResult::advance();
  });
  return names;
}

} // namespace kiln::graph
