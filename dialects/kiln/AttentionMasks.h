//===- AttentionMasks.h - what a constant attention mask hides ---*- C++ -*-===//
#ifndef KILN_DIALECTS_KILN_ATTENTIONMASKS_H
#define KILN_DIALECTS_KILN_ATTENTIONMASKS_H

#include "mlir/IR/Value.h"

namespace kiln {

/// A constant mask (i1 kept-where-true, or float added to the scores) seen
/// over S queries and T = P + L keys, when it is the same for every batch and
/// head and each entry either passes its key or hides it (0 or <= -1e4).
struct MaskShape {
  bool hidesNothing = false;  // every key visible
  bool isCausal = false;      // visible exactly when j <= i + P
  bool withinCausal = false;  // hides nothing that causality keeps
};

/// nullopt when `mask` is not such a constant.
std::optional<MaskShape> classifyConstantMask(mlir::Value mask, int64_t S, int64_t T,
                                              int64_t P);

} // namespace kiln

#endif
