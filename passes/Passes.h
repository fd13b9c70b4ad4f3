//===- Passes.h - Kiln's passes and pipelines --------------------*- C++ -*-===//
#ifndef KILN_PASSES_PASSES_H
#define KILN_PASSES_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Attribute names shared by the passes and the emitter.
inline constexpr llvm::StringLiteral kWeightsAttr = "kiln.weights";
inline constexpr llvm::StringLiteral kWeightsSizeAttr = "kiln.weights_size";
inline constexpr llvm::StringLiteral kArenaSizeAttr = "kiln.arena_size";
inline constexpr llvm::StringLiteral kScratchPerThreadAttr = "kiln.scratch_per_thread";

} // namespace kiln

#endif
