//===- KernelOps.td - calls of Kiln's hand-tiled kernels ----*- tablegen -*-===//
//
// The kiln_kernel dialect stands between the graph and the kernel library
// (runtime/kernels): each op is one call of a kernel, in destination-passing
// style so that it bufferizes like linalg, and works on tensors before
// bufferization and on memrefs after it. `kiln-select-kernels` creates them
// from kiln ops for one ISA; `kiln-lower-kernel-calls` turns them into calls.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_KERNEL_OPS_TD
#define KILN_KERNEL_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"

def KilnKernel_Dialect : Dialect {
  let name = "kiln_kernel";
  let cppNamespace = "::kiln::kernel";
  let summary = "Calls of Kiln's kernel library, in destination-passing style";
  let description = [{
    One op per kernel of `runtime/kernels/kiln_kernels.h`. Operands are f32
    tensors (before bufferization) or memrefs whose innermost dimension is
    contiguous (after it); the results tie to the `outs` operands.
  }];
}

def KilnKernel_BLayout : I32EnumAttr<"BLayout", "How a GEMM reads its B operand", [
    I32EnumAttrCase<"packed", 0>,
    I32EnumAttrCase<"row_major", 1>,
    I32EnumAttrCase<"transposed", 2>
  ]> {
  let cppNamespace = "::kiln::kernel";
}

def KilnKernel_Epilogue : I32EnumAttr<"Activation", "GEMM epilogue activation", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"gelu", 2>,
    I32EnumAttrCase<"gelu_tanh", 3>
  ]> {
  let cppNamespace = "::kiln::kernel";
}

def KilnKernel_F32Shaped : AnyTypeOf<[RankedTensorOf<[F32]>, MemRefOf<[F32]>]>;
def KilnKernel_MaskShaped : AnyTypeOf<[RankedTensorOf<[F32, I1]>, MemRefOf<[F32, I1]>]>;

class KilnKernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<KilnKernel_Dialect, mnemonic, !listconcat(traits, [
        DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DeclareOpInterfaceMethods<BufferizableOpInterface,
            ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
             "getAliasingValues", "bufferize"]>])> {
  let results = (outs Variadic<RankedTensorOf<[F32]>>:$results);
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
  }];
}

def KilnKernel_GemmOp : KilnKernel_Op<"gemm", [AttrSizedOperandSegments]> {
  let summary = "act(a b + bias) + residual with a packed or plain B, and an optional norm";
  let description = [{
    `a: [batch..., M, K]`; `b` is `[ceil(N/NR), K, NR]` panels when
    `b_layout = packed` (written at compile time for one ISA's NR), else
    `[batch..., K, N]` (`row_major`) or `[batch..., N, K]` (`transposed`);
    `bias: [N]`; `residual` and `outs`: the result's shape `[batch..., M, N]`.
    Batch dims of `a` and `b` are either the result's or all 1 (broadcast).

    `k_split = C` (> 0) says that the kernel which wrote `a` split its
    columns over threads in contiguous shares of C-column units; the GEMM
    then splits K over threads at the same bounds, so each thread multiplies
    the columns it wrote, and sums the partial products after.

    `stream_c` says that only GEMMs read the result, as their A (set by
    `kiln-mark-streamed-outputs`): the kernel may then write a large result
    past the caches (non-temporal stores), since those readers take it in
    long rows straight from memory.

    With `norm_scale` (and `norm_bias`, `norm_epsilon`, `norm_rms` as
    `kiln_kernel.norm` takes them), the GEMM also normalises each row of its
    result, as `kiln_kernel.norm` would: into a second `outs`, for results
    `(c, norm(c))`, or with one `outs` over c itself, for the one result
    `norm(c)`. `kiln-fuse-gemm-norms` makes these from the norm of a K-split
    GEMM's result: the kernel normalises each row in its summing pass, on
    the thread that summed the row, while the row is in its cache.
  }];
  let arguments = (ins KilnKernel_F32Shaped:$a, KilnKernel_F32Shaped:$b,
                       Optional<KilnKernel_F32Shaped>:$bias,
                       Optional<KilnKernel_F32Shaped>:$residual,
                       Optional<KilnKernel_F32Shaped>:$norm_scale,
                       Optional<KilnKernel_F32Shaped>:$norm_bias,
                       Variadic<KilnKernel_F32Shaped>:$outs,
                       KilnKernel_BLayout:$b_layout,
                       DefaultValuedAttr<KilnKernel_Epilogue,
                                         "::kiln::kernel::Activation::none">:$activation,
                       DefaultValuedAttr<I64Attr, "0">:$k_split,
                       OptionalAttr<F32Attr>:$norm_epsilon,
                       UnitAttr:$norm_rms,
                       UnitAttr:$stream_c);
  let assemblyFormat = [{
    $a `,` $b $b_layout (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`residual` `(` $residual^ `:` type($residual) `)`)?
    (`activation` `=` $activation^)? (`k_split` `=` $k_split^)?
    (`norm_scale` `(` $norm_scale^ `:` type($norm_scale) `)`)?
    (`norm_bias` `(` $norm_bias^ `:` type($norm_bias) `)`)?
    `outs` `(` $outs `:` type($outs) `)`
    attr-dict `:` type($a) `,` type($b) (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    /// The product's destination, and the norm epilogue's when it is not c
    /// itself (or null).
    ::mlir::Value getC() { return getOuts().front(); }
    ::mlir::Value getNormOut() { return getOuts().size() > 1 ? getOuts()[1] : ::mlir::Value(); }
  private:
    ::mlir::LogicalResult verifyNormEpilogue(int64_t n, ::llvm::ArrayRef<int64_t> c);
  public:
  }];
}

def KilnKernel_AttentionOp : KilnKernel_Op<"attention"> {
  let summary = "softmax(softcap(scale q k^T) + mask) v, one key block at a time";
  let description = [{
    Logical layout `[batch, heads, seq, head_dim]` for `q` (`Hq` heads, `S`
    queries), `k`/`v` (`Hkv` heads, `T` keys) and the result. An operand
    listed in `seq_major` (0 q, 1 k, 2 v, 3 the result) is stored
    `[batch, seq, heads, head_dim]` instead, which lets the kernel read the
    projections and write the output without transposes. `mask` (f32
    additive, or i1 keeping a key where true) broadcasts to `[B, Hq, S, T]`.
    `causal` hides key j from query i when `j > i + causal_offset` (the
    number of past keys before the first query). Rows whose keys are all
    hidden give zeros.
  }];
  let arguments = (ins KilnKernel_F32Shaped:$q, KilnKernel_F32Shaped:$k,
                       KilnKernel_F32Shaped:$v,
                       Optional<KilnKernel_MaskShaped>:$mask,
                       KilnKernel_F32Shaped:$outs,
                       F32Attr:$scale, UnitAttr:$causal,
                       DefaultValuedAttr<I64Attr, "0">:$causal_offset,
                       DefaultValuedAttr<F32Attr, "0.0f">:$softcap,
                       DefaultValuedAttr<DenseBoolArrayAttr, "{false, false, false, false}">:$seq_major);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`mask` `(` $mask^ `:` type($mask) `)`)?
    `outs` `(` $outs `:` type($outs) `)` attr-dict `:`
    type($q) `,` type($k) `,` type($v) (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutsMutable(); }
    /// The operand's dims as (batch, heads, seq, head_dim).
    ::llvm::SmallVector<int64_t, 4> logicalShape(::mlir::Value v, unsigned which);
  }];
}

def KilnKernel_NormOp : KilnKernel_Op<"norm", [AttrSizedOperandSegments]> {
  let summary = "LayerNorm or RMSNorm over the last dim, with an optional residual add";
  let description = [{
    Normalises each row (the last dim) of `x`, or of `x + skip` when `skip`
    is given; `scale` and `bias` are `[cols]`. The first `outs` receives the
    normalised rows; a second one, if present, `x + skip`.
  }];
  let arguments = (ins KilnKernel_F32Shaped:$x,
                       Optional<KilnKernel_F32Shaped>:$skip,
                       KilnKernel_F32Shaped:$scale,
                       Optional<KilnKernel_F32Shaped>:$bias,
                       Variadic<KilnKernel_F32Shaped>:$outs,
                       F32Attr:$epsilon, UnitAttr:$rms);
  let assemblyFormat = [{
    $x (`skip` `(` $skip^ `:` type($skip) `)`)? `scale` `(` $scale `:` type($scale) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $outs `:` type($outs) `)` attr-dict `:` type($x) (`->` type($results)^)?
  }];
}

def KilnKernel_SoftmaxOp : KilnKernel_Op<"softmax"> {
  let summary = "softmax or log-softmax over the last dim";
  let arguments = (ins KilnKernel_F32Shaped:$x, KilnKernel_F32Shaped:$outs,
                       UnitAttr:$log);
  let assemblyFormat = [{
    $x `outs` `(` $outs `:` type($outs) `)` attr-dict `:` type($x) (`->` type($results)^)?
  }];
}

#endif // KILN_KERNEL_OPS_TD
