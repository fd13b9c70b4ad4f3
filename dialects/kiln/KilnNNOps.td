//===- KilnNNOps.td - matmul, normalisation, attention ------*- tablegen -*-===//

#ifndef KILN_NN_OPS_TD
#define KILN_NN_OPS_TD

include "dialects/kiln/KilnBase.td"

def Kiln_MatmulOp : Kiln_Op<"matmul", [Pure, SameOperandsElementType,
                                       InferTypeOpAdaptor]> {
  let summary = "batched matrix product with broadcast batch dims";
  let description = [{
    Both operands have rank >= 2. The last two dims multiply (`[M, K] x [K,
    N]`), after swapping them on an operand whose `transpose_*` flag is set.
    Leading dims broadcast numpy-style. ONNX `MatMul` with 1-D operands and
    `Gemm` import as reshapes, elementwise ops and this op.

    ```mlir
    %y = kiln.matmul %x, %w transpose_rhs : (tensor<1x8x64xf32>, tensor<32x64xf32>) -> tensor<1x8x32xf32>
    ```
  }];
  let arguments = (ins Kiln_NumericTensor:$lhs, Kiln_NumericTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Kiln_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)? (`transpose_rhs` $transpose_rhs^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasCanonicalizer = 1;
}

class Kiln_AxisOp<string mnemonic, string doc>
    : Kiln_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = doc;
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kiln_SoftmaxOp : Kiln_AxisOp<"softmax", "softmax along one dim"> {
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis` (non-negative). The
    opset < 13 "coerce to 2-D" form is rewritten by the importer.
  }];
}
def Kiln_LogSoftmaxOp : Kiln_AxisOp<"log_softmax", "log of softmax along one dim">;

def Kiln_LayerNormOp : Kiln_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "layer normalisation over the trailing dims from `axis`";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, where mean and variance
    run over dims `axis..rank-1`. `scale` and the optional `bias` broadcast to
    those trailing dims.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       Optional<Kiln_FloatTensor>:$bias, I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_RmsNormOp : Kiln_Op<"rms_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "RMS normalisation over the trailing dims from `axis`";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * scale`, the mean running over dims
    `axis..rank-1`. Llama's RMSNorm and T5's LayerNorm import as this op.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `axis` `=` $axis `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_GeluOp : Kiln_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `none`: `0.5 * x * (1 + erf(x / sqrt(2)))`. `tanh`: `0.5 * x * (1 +
    tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`, the form GPT-2 and ORT's
    `FastGelu` use.
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       Kiln_GeluApproximationAttr:$approximate);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input $approximate attr-dict `:` type($input)";
  let hasCanonicalizer = 1;
}

def Kiln_ReduceOp : Kiln_Op<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "reduce over a set of dims";
  let description = [{
    Combines elements along `axes` (sorted, non-negative, no duplicates)
    with `kind`. With `keep_dims` the reduced dims stay with size 1.
    `sum_square` is the sum of squares and `l2` its square root.

    ```mlir
    %m = kiln.reduce mean %x axes [2] keep_dims : tensor<1x8x64xf32> -> tensor<1x8x1xf32>
    ```
  }];
  let arguments = (ins Kiln_ReduceKindAttr:$kind, Kiln_NumericTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keep_dims);
  let results = (outs Kiln_NumericTensor:$result);
  let assemblyFormat = [{
    $kind $input `axes` $axes (`keep_dims` $keep_dims^)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_ArgMaxOp : Kiln_Op<"argmax", [Pure, InferTypeOpAdaptor]> {
  let summary = "index of the largest element along one dim";
  let description = [{
    Yields `i64` indices. Ties go to the first index, or to the last with
    `select_last_index`.
  }];
  let arguments = (ins Kiln_NumericTensor:$input, I64Attr:$axis,
                       UnitAttr:$keep_dims, UnitAttr:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`keep_dims` $keep_dims^)?
    (`select_last_index` $select_last_index^)? attr-dict `:` type($input) `->` type($result)
  }];
}

def Kiln_AttentionOp : Kiln_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "fused scaled dot-product attention";
  let description = [{
    `softmax(softcap(scale * q k^T) + mask) v` per head, on the layout
    `[batch, heads, seq, head_dim]`:

    - `q: [B, Hq, S, D]`, `k: [B, Hkv, L, D]`, `v: [B, Hkv, L, Dv]`, with
      `Hq % Hkv == 0`. Query head `h` reads key/value head `h / (Hq / Hkv)`
      (grouped-query attention).
    - With `rotary(cos, sin)`, `q` and the new `k` are first rotated as
      `kiln.rotary_embedding` does with `rotary_dim` and
      `rotary_interleaved`; `cos`/`sin` broadcast to `[B, S, rotary_dim/2]`
      and `L == S`.
    - With `past_key`/`past_value` (`[B, Hkv, P, D]`), keys and values are
      the concatenation `past ++ new` of length `T = P + L`, returned as
      `present_key`/`present_value`.
    - `mask` broadcasts to `[B, Hq, S, T]`. A float mask is added to the
      scores; an `i1` mask keeps positions where it is true.
    - `causal`: query `i` sees key `j` only when `j <= i + P`.
    - `softcap > 0` maps scores through `softcap * tanh(s / softcap)` before
      the mask.
    - A query row whose keys are all masked yields zeros.

    Importers and `kiln-fuse-attention` produce this op. Canonicalization
    turns a constant causal mask into `causal` and drops masks that hide
    nothing.
  }];
  let arguments = (ins Kiln_FloatTensor:$q, Kiln_FloatTensor:$k,
                       Kiln_FloatTensor:$v,
                       Optional<Kiln_Tensor>:$mask,
                       Optional<Kiln_FloatTensor>:$past_key,
                       Optional<Kiln_FloatTensor>:$past_value,
                       Optional<Kiln_FloatTensor>:$rotary_cos,
                       Optional<Kiln_FloatTensor>:$rotary_sin,
                       F32Attr:$scale, UnitAttr:$causal,
                       DefaultValuedAttr<F32Attr, "0.0f">:$softcap,
                       DefaultValuedAttr<I64Attr, "0">:$rotary_dim,
                       UnitAttr:$rotary_interleaved);
  // `presents` is empty or holds (present_key, present_value).
  let results = (outs Kiln_FloatTensor:$result,
                      Variadic<Kiln_FloatTensor>:$presents);
  let extraClassDeclaration = [{
    ::mlir::Value getPresentKey() {
      return getPresents().empty() ? ::mlir::Value() : getPresents()[0];
    }
    ::mlir::Value getPresentValue() {
      return getPresents().size() < 2 ? ::mlir::Value() : getPresents()[1];
    }
  }];
  let assemblyFormat = [{
    $q `,` $k `,` $v (`mask` `(` $mask^ `)`)?
    (`past` `(` $past_key^ `,` $past_value `)`)?
    (`rotary` `(` $rotary_cos^ `,` $rotary_sin `)`)?
    `scale` `=` $scale (`causal` $causal^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Kiln_RotaryEmbeddingOp : Kiln_Op<"rotary_embedding",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding (RoPE)";
  let description = [{
    Rotates the first `rotary_dim` features of `input: [B, H, S, D]` pairwise
    by per-position angles given as `cos`/`sin: [B, S, rotary_dim / 2]`.
    Pairs are `(i, i + rotary_dim/2)`, or `(2i, 2i+1)` with `interleaved`.
    Features past `rotary_dim` pass through.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$cos,
                       Kiln_FloatTensor:$sin, I64Attr:$rotary_dim,
                       UnitAttr:$interleaved);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin `rotary_dim` `=` $rotary_dim
    (`interleaved` $interleaved^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // KILN_NN_OPS_TD
