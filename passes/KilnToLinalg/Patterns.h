//===- Patterns.h - the kiln -> linalg pattern sets by op family -*- C++ -*-===//
#ifndef KILN_PASSES_KILNTOLINALG_PATTERNS_H
#define KILN_PASSES_KILNTOLINALG_PATTERNS_H

#include "passes/KilnToLinalg/LoweringUtils.h"

#include "mlir/IR/PatternMatch.h"

namespace kiln {

void populateElementwiseLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
void populateDataMovementLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
void populateContractionLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
void populateNormalizationLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
void populateAttentionLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
void populateQuantLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);
/// linear, skip norms: expanded into the kiln ops they fuse.
void populateFusedOpsLowering(KilnTypeConverter &tc, mlir::RewritePatternSet &p);

} // namespace kiln

#endif
