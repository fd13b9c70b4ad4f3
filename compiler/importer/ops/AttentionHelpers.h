//===- AttentionHelpers.h - layouts and masks for attention ops --*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_OPS_ATTENTIONHELPERS_H
#define KILN_COMPILER_IMPORTER_OPS_ATTENTIONHELPERS_H

#include "compiler/importer/NodeImporter.h"

namespace kiln::ops {

/// [B, S, H*D] -> [B, H, S, D]
mlir::Value splitHeads(NodeImporter &n, mlir::Value x, int64_t heads);
/// [B, H, S, D] -> [B, S, H*D]
mlir::Value mergeHeads(NodeImporter &n, mlir::Value x);

struct AttentionValues {
  mlir::Value output, presentKey, presentValue;
};

/// Builds kiln.attention on [B, H, S, D] operands. `mask` and the past values
/// may be null.
AttentionValues buildAttention(NodeImporter &n, mlir::Value q, mlir::Value k,
                               mlir::Value v, mlir::Value mask,
                               mlir::Value pastKey, mlir::Value pastValue,
                               double scale, bool causal, double softcap,
                               bool wantPresents);

/// Pads the last dim of a mask to `length` with "masked out" (-inf, or false
/// for i1 masks).
mlir::Value padMaskTo(NodeImporter &n, mlir::Value mask, int64_t length);

/// A keep-mask of 1/0 (any numeric or i1 type) as an additive float mask:
/// 0 where kept, `filter` where masked.
mlir::Value keepToAdditive(NodeImporter &n, mlir::Value keep, mlir::Type floatType,
                           double filter);

} // namespace kiln::ops

#endif
