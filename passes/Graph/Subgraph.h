//===- Subgraph.h - what a graph fusion matched and how it reports -*- C++ -*-===//
//
// Every fusion pass follows one recipe: find candidate anchors (a softmax for
// attention, a mean for LayerNorm, an erf or tanh for GELU, ...), try each
// exporter variant's matcher on the anchor in turn, and either build the fused
// op or say why not. A matcher records the ops it absorbs in a Subgraph; the
// fused op's location merges theirs, so the ONNX node names survive into the
// compile report and into later diagnostics.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_GRAPH_SUBGRAPH_H
#define KILN_PASSES_GRAPH_SUBGRAPH_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

#include <functional>
#include <string>

namespace kiln::graph {

/// The ops one fusion replaces.
class Subgraph {
public:
  /// Adds the op defining `v` (block arguments add nothing). Returns `v`'s
  /// defining op or null.
  mlir::Operation *addDef(mlir::Value v);
  void add(mlir::Operation *op) {
    if (op)
      ops.insert(op);
  }
  bool contains(mlir::Operation *op) const { return ops.contains(op); }
  llvm::ArrayRef<mlir::Operation *> getOps() const { return ops.getArrayRef(); }

  /// The first interior op whose result is read outside the subgraph, other
  /// than through `outputs` (the values the fused op replaces); null when
  /// none is. Fusing such a subgraph would compute its inside twice.
  mlir::Operation *escapingOp(llvm::ArrayRef<mlir::Value> outputs) const;

  /// One location for the fused op: the merged locations of every op.
  mlir::Location fusedLoc(mlir::MLIRContext *ctx) const;

  /// Erases the ops that are dead once the outputs were replaced, users
  /// first.
  void eraseDead(mlir::RewriterBase &rewriter) const;

private:
  llvm::SetVector<mlir::Operation *> ops;
};

/// Why a variant did not match; empty while it still might.
using Miss = std::string;

/// One exporter variant of a fusion. `apply` either rewrites (and returns
/// success) or leaves the IR untouched and explains itself in `why`.
template <typename AnchorOp>
struct Variant {
  const char *name;
  std::function<mlir::LogicalResult(AnchorOp, mlir::RewriterBase &, Miss &)> apply;
};

/// Finishes a fusion: gives `fused` the subgraph's merged location, replaces
/// each of `outputs` with the matching value of `replacements`, erases the ops
/// that died and remarks the fusion.
void commitFusion(mlir::RewriterBase &rewriter, Subgraph &sub, mlir::Operation *fused,
                  llvm::ArrayRef<mlir::Value> outputs, mlir::ValueRange replacements,
                  llvm::StringRef kind, llvm::StringRef variant);

/// Reports a fusion as an MLIR remark at the fused op: "fused KIND (VARIANT)".
/// The remark is what `kilnc --report` collects; kiln-opt prints it.
void remarkFused(mlir::Operation *fused, llvm::StringRef kind, llvm::StringRef variant);
/// Reports a candidate left alone: "not fused KIND: REASON".
void remarkMissed(mlir::Operation *anchor, llvm::StringRef kind, llvm::StringRef reason);

/// A fusion remark taken apart again (for the compile report).
struct FusionRemark {
  bool fused = false;
  std::string kind, detail; // detail: the variant, or why not
};
std::optional<FusionRemark> parseFusionRemark(llvm::StringRef message);

/// The ONNX node names behind a location (NameLocs, also inside FusedLocs).
llvm::SmallVector<std::string> nodeNames(mlir::Location loc);

/// Runs a fusion over `root`: every op of type AnchorOp that `isCandidate`
/// accepts gets each variant in order until one fuses; candidates no variant
/// fuses get a "not fused" remark with the reasons. Returns the number fused.
template <typename AnchorOp>
int runFusion(mlir::Operation *root, llvm::StringRef kind,
              llvm::ArrayRef<Variant<AnchorOp>> variants,
              llvm::function_ref<bool(AnchorOp)> isCandidate = nullptr);

} // namespace kiln::graph

#include "passes/Graph/SubgraphImpl.h"

#endif
