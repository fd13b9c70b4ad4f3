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
                           "mlir::math::MathDialect",
                           "mlir::bufferization::BufferizationDialect"];
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

//===----------------------------------------------------------------------===//
// Graph optimizer (kiln -> kiln). Each fusion pass tries every exporter
// variant it knows at each candidate and remarks what it fused, or why not.
//===----------------------------------------------------------------------===//

def KilnFoldWeights : Pass<"kiln-fold-weights"> {
  let summary = "Evaluate weight-only subgraphs at compile time";
  let description = [{
    An op whose operands are all constants, at least one of them a weight
    blob, is computed on the host into a new blob: transposed, scaled, cast,
    sliced, gathered or concatenated weights become plain weights. (Small
    dense constants already fold through the ops' folders.) Quantization
    ops are left alone so that int8 kernels can see them.
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", "int64_t(1) << 31",
           "Largest result, in bytes, to evaluate">
  ];
}

def KilnFuseNorms : Pass<"kiln-fuse-norms"> {
  let summary = "Fuse LayerNorm and RMSNorm subgraphs into kiln.layer_norm / kiln.rms_norm";
  let description = [{
    Anchored at each mean over trailing dims. LayerNorm: the PyTorch form
    `(x - mean) / sqrt(var + eps) * gamma + beta` (with Pow or Mul for the
    square, and Div, Reciprocal, Rsqrt or Pow(-0.5) for the inverse), the
    TF/Keras form `x * (gamma * rstd) + (beta - mean * gamma * rstd)`, with
    or without gamma/beta. RMSNorm (T5, Llama): `x * rstd(mean(x^2)) * gamma`
    in the same spellings.
  }];
}

def KilnFuseSkipNorms : Pass<"kiln-fuse-skip-norms"> {
  let summary = "Fuse a residual add into the norm that reads it";
  let description = [{
    `layer_norm(a + b)` becomes `kiln.skip_layer_norm` and `rms_norm(a + b)`
    `kiln.skip_rms_norm`, whose second result is the sum; other readers of
    the sum (the next residual in pre-norm models) read that result.
  }];
}

def KilnFuseGelu : Pass<"kiln-fuse-gelu"> {
  let summary = "Fuse erf and tanh GELU subgraphs into kiln.gelu";
  let description = [{
    Matches GELU by its algebra: the expression around an erf, tanh or
    sigmoid is expanded into polynomials and compared with GELU's
    coefficients (within 1e-5 relative), so every operand order and constant
    spelling (1.4142, 0.7071, sqrt(2/pi), Megatron's factored cubic) fuses.
  }];
}

def KilnFuseRotary : Pass<"kiln-fuse-rotary"> {
  let summary = "Fuse rotary position embeddings into kiln.rotary_embedding";
  let description = [{
    The half-split form `x * cos + rotate_half(x) * sin` (Hugging Face Llama,
    GPT-NeoX) and the interleaved complex-product form of llama2.c/Meta
    (pairs split with Gather or Slice and restacked with Concat).
  }];
}

def KilnFuseAttention : Pass<"kiln-fuse-attention"> {
  let summary = "Fuse scaled dot-product attention subgraphs into kiln.attention";
  let description = [{
    Anchored at each softmax over the last dim of a 4-D score tensor:
    `softmax(scale * q k^T + mask) v`. Sees through the exporter's spelling
    of K^T (a transpose, or keys transposed while split into heads), of the
    scale (Div or Mul after the product, or split over q and k as PyTorch's
    scaled_dot_product_attention exports), of the mask (additive, or Where
    with a boolean condition and a large negative fill), of past keys and
    values (Concat along the sequence), of grouped-query K/V repetition
    (Expand + Reshape) and of RoPE on q and k (kiln.rotary_embedding). A
    constant causal mask becomes the `causal` flag.
  }];
}

def KilnPackMatmuls : Pass<"kiln-pack-matmuls"> {
  let summary = "Pack matmuls of one input against constant weights into one matmul";
  let description = [{
    Two or more `kiln.matmul`s (each optionally followed by a bias add) that
    read the same activations against constant 2-D weights become one
    matmul against the concatenated weights, and slices of its result: the
    Q/K/V projections of attention, and gate/up of SwiGLU.
  }];
  let options = [
    Option<"minCount", "min-count", "int64_t", "2",
           "Fewest matmuls worth packing">
  ];
}

def KilnFuseEpilogues : Pass<"kiln-fuse-epilogues"> {
  let summary = "Fuse bias, activation and residual adds into kiln.linear";
  let description = [{
    `kiln.matmul` against a 2-D weight, followed by a bias add (broadcast
    along rows), then GELU or ReLU, then a residual add of the result's
    shape, becomes one `kiln.linear`. A residual add that a skip norm
    already holds stays there.
  }];
}

def KilnSelectKernels : Pass<"kiln-select-kernels", "mlir::ModuleOp"> {
  let summary = "Compute GEMMs, attention, norms and softmax with library kernels";
  let description = [{
    Rewrites the f32 kiln ops that runtime/kernels implements into
    kiln_kernel ops for one ISA variant: linear/matmul into `gemm` (constant
    2-D weights packed now into the variant's panel layout; the unpacked
    blob is freed when nothing else reads it), attention into `attention`
    (rotary embedding and past keys become kiln ops before it; transposes
    between [B,S,H,D] and [B,H,S,D] around it are absorbed), the norms over
    the last dim into `norm`, softmax over the last dim into `softmax`.
    Everything else is left for kiln-to-linalg. `isa=none` does nothing.
  }];
  let options = [
    Option<"isaName", "isa", "std::string", "\"none\"",
           "Kernel library variant: generic, avx2, avx512, neon or none">
  ];
  let dependentDialects = ["::kiln::kernel::KilnKernelDialect",
                           "mlir::tensor::TensorDialect"];
}

def KilnAlignKSplits : Pass<"kiln-align-k-splits", "mlir::ModuleOp"> {
  let summary = "Split K over threads where the GEMM that wrote A split its columns";
  let description = [{
    Sets `k_split` on a `kiln_kernel.gemm` whose A is the result of a GEMM
    with packed weights (through reshapes that keep the columns) and has at
    least twice as many columns as the result: the kernel then splits K at
    the bounds where the producer's threads split their columns, so each
    thread reads the part of A it wrote, and sums the partial products. The
    function gets `kiln.scratch_per_thread`, the bytes of partial product
    each thread beyond the first needs (the runtime's kernel scratch).
  }];
  let dependentDialects = ["::kiln::kernel::KilnKernelDialect"];
}

def KilnMarkStreamedOutputs : Pass<"kiln-mark-streamed-outputs", "mlir::ModuleOp"> {
  let summary = "Mark GEMMs whose results only GEMMs read, as their A";
  let description = [{
    Sets `stream_c` on a `kiln_kernel.gemm` whose result is read only as
    the A of other `kiln_kernel.gemm`s (directly or through reshapes): the
    kernel may then write a large result with non-temporal stores, since a
    GEMM reads its A in long rows that come from memory as fast as from
    the last-level cache. Results read by anything else (attention, norms,
    elementwise loops, the function's return) keep ordinary stores.
  }];
  let dependentDialects = ["::kiln::kernel::KilnKernelDialect"];
}

def KilnFuseGemmNorms : Pass<"kiln-fuse-gemm-norms", "mlir::ModuleOp"> {
  let summary = "Give a norm of a GEMM's result to the GEMM as its epilogue";
  let description = [{
    A `kiln_kernel.norm` whose x or skip is the result of a K-split
    `kiln_kernel.gemm` (run after kiln-align-k-splits) read nowhere else
    becomes that GEMM's norm epilogue: the norm's other operand (the skip)
    becomes the GEMM's residual. When the norm kept the sum, the GEMM's
    first result is the sum and its second the normalised rows; otherwise
    the rows are normalised over the sum, in the GEMM's one outs. The kernel
    normalises each row in the pass that sums the threads' partial products,
    on the thread that summed it. A GEMM that already has a residual takes
    only a norm without a skip.
  }];
  let dependentDialects = ["::kiln::kernel::KilnKernelDialect"];
}

def KilnLowerKernelCalls : Pass<"kiln-lower-kernel-calls", "mlir::ModuleOp"> {
  let summary = "Turn kiln_kernel ops on memrefs into calls of the kernel library";
  let description = [{
    Each kiln_kernel op becomes `llvm.call @kiln_k_<op>_f32(exec, args)`,
    with `args` the kernel's argument struct built on the stack from the
    buffers' addresses, shapes and strides. Every public function gets a
    trailing `!llvm.ptr` argument (`kiln.role = "exec"`): the `kiln_exec`
    the runtime passes to the model. kilnc links the kernel library's
    bitcode for the target into the object.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // KILN_PASSES_TD
