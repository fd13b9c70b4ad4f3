//===- SubgraphImpl.h - runFusion, the driver of every fusion pass -*- C++ -*-===//
#ifndef KILN_PASSES_GRAPH_SUBGRAPHIMPL_H
#define KILN_PASSES_GRAPH_SUBGRAPHIMPL_H

#include "llvm/ADT/DenseSet.h"

namespace kiln::graph {

namespace detail {
/// Tracks erased ops so the driver never touches an anchor a fusion removed.
struct ErasureTracker : mlir::RewriterBase::Listener {
  llvm::DenseSet<mlir::Operation *> erased;
  void notifyOperationErased(mlir::Operation *op) override { erased.insert(op); }
};
} // namespace detail

template <typename AnchorOp>
int runFusion(mlir::Operation *root, llvm::StringRef kind,
              llvm::ArrayRef<Variant<AnchorOp>> variants,
              llvm::function_ref<bool(AnchorOp)> isCandidate) {
  llvm::SmallVector<AnchorOp> anchors;
  root->walk([&](AnchorOp op) {
    if (!isCandidate || isCandidate(op))
      anchors.push_back(op);
  });
  detail::ErasureTracker tracker;
  mlir::IRRewriter rewriter(root->getContext(), &tracker);
  int fused = 0;
  for (AnchorOp anchor : anchors) {
    if (tracker.erased.contains(anchor.getOperation()))
      continue;
    std::string reasons;
    bool done = false;
    for (const Variant<AnchorOp> &v : variants) {
      Miss why;
      rewriter.setInsertionPoint(anchor);
      if (mlir::succeeded(v.apply(anchor, rewriter, why))) {
        ++fused;
        done = true;
        break;
      }
      if (!reasons.empty())
        reasons += "; ";
      reasons += std::string(v.name) + ": " + (why.empty() ? "no match" : why);
    }
    if (!done)
      remarkMissed(anchor, kind, reasons);
  }
  return fused;
}

} // namespace kiln::graph

#endif
