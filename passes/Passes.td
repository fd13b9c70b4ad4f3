//===- Passes.td - Kiln's passes ---------------------------*- tablegen -*-===//

#ifndef KILN_PASSES_TD
#define KILN_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnToLinalg : Pass<"kiln-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower kiln ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every kiln op becomes linalg.generic/named ops, tensor reshapes and slices,
    or arith constants. Unsigned integer tensors become signless; the
    lowerings pick unsigned arithmetic from the kiln types. Function
    signatures are converted the same way.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def KilnBindWeights : Pass<"kiln-bind-weights", "mlir::ModuleOp"> {
  let summary = "Read weights from one blob argument instead of constants";
  let description = [{
    Each `dense_resource` constant of the entry function becomes a view into a
    new trailing `memref<Nxi8>` argument at a 64-byte aligned offset. The
    module records the layout in `kiln.weights` (offsets and the resources),
    which the emitter writes into `.rodata` or a `.weights` file. The weights
    never pass through LLVM IR.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::arith::ArithDialect"];
}

def KilnPlanMemory : Pass<"kiln-plan-memory", "mlir::ModuleOp"> {
  let summary = "Place every activation buffer in one arena, reusing space";
  let description = [{
    After bufferization, each static `memref.alloc` in the entry function gets
    an offset in one arena, passed as a new trailing `memref<Nxi8>` argument.
    Buffers whose live ranges (through views) do not overlap share space;
    placement is greedy by size. The arena size is recorded as
    `kiln.arena_size` on the function.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64",
           "Byte alignment of every buffer in the arena">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def KilnLowerCopies : Pass<"kiln-lower-copies"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Upstream lowers a non-contiguous `memref.copy` to a call into MLIR's
    runner library, which a Kiln artifact must not depend on. As `linalg.copy`
    it becomes plain loops.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def KilnOutlineKernels : Pass<"kiln-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Move each top-level linalg op into its own kernel function";
  let description = [{
    After bufferization, every linalg op in the body of a public function
    becomes a call to a private `@<func>_kN` function taking the op's buffers.
    Small kernels keep LLVM's loop optimizations linear in model size, and
    each kernel is the unit the runtime can later split across threads.
    Scalar constants the op captures are cloned into the kernel.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def KilnFuseElementwise : Pass<"kiln-fuse-elementwise"> {
  let summary = "Fuse elementwise producers into consumers that read each element once";
  let description = [{
    Upstream elementwise fusion also pulls a producer into a consumer with
    more loops, such as a GELU into the matmul that reads it, which then
    recomputes the producer once per extra iteration. This pass fuses only
    where the consumer reads the producer's result through a permutation, so
    fusion never adds work.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // KILN_PASSES_TD
