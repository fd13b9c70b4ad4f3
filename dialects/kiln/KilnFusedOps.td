//===- KilnFusedOps.td - ops the graph optimizer fuses into -*- tablegen -*-===//
//
// Each op here is a subgraph that exporters spell many ways and that a fast
// kernel computes in one pass over its data. Until those kernels exist, each
// lowers to its reference dataflow (see passes/KilnToLinalg).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FUSED_OPS_TD
#define KILN_FUSED_OPS_TD

include "dialects/kiln/KilnBase.td"

def Kiln_LinearOp : Kiln_Op<"linear", [Pure, AttrSizedOperandSegments,
                                       InferTypeOpAdaptor]> {
  let summary = "matmul with a fused epilogue: act(lhs x rhs + bias) + residual";
  let description = [{
    `lhs: [..., M, K]` times `rhs: [K, N]` (`[N, K]` with `transpose_rhs`),
    then, while the output tile is hot: add `bias` (broadcast to the result,
    usually `[N]`), apply `activation`, add `residual` (the result's shape).
    Produced by `kiln-fuse-epilogues` from `kiln.matmul` and the ops that
    consume it.

    ```mlir
    %h = kiln.linear %x, %w1 bias(%b1) activation = gelu : (tensor<1x128x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<1x128x3072xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs,
                       Optional<Kiln_FloatTensor>:$bias,
                       Optional<Kiln_FloatTensor>:$residual,
                       UnitAttr:$transpose_rhs,
                       DefaultValuedAttr<Kiln_ActivationAttr,
                                         "::kiln::Activation::none">:$activation);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_rhs` $transpose_rhs^)? (`bias` `(` $bias^ `)`)?
    (`activation` `=` $activation^)? (`residual` `(` $residual^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class Kiln_SkipNormOp<string mnemonic, string doc>
    : Kiln_Op<mnemonic, [Pure, AllTypesMatch<["input", "skip", "result", "sum"]>]> {
  let summary = doc;
  let results = (outs Kiln_FloatTensor:$result, Kiln_FloatTensor:$sum);
  let hasVerifier = 1;
}

def Kiln_SkipLayerNormOp : Kiln_SkipNormOp<"skip_layer_norm",
    "residual add followed by layer normalisation"> {
  let description = [{
    `sum = input + skip` and `result = layer_norm(sum)` as `kiln.layer_norm`
    computes it. `sum` is the residual stream that pre-norm models carry to
    the next block; it may be unused.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$skip,
                       Kiln_FloatTensor:$scale, Optional<Kiln_FloatTensor>:$bias,
                       I64Attr:$axis, F32Attr:$epsilon);
  let assemblyFormat = [{
    $input `,` $skip `,` $scale (`,` $bias^)? `axis` `=` $axis
    `epsilon` `=` $epsilon attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_SkipRmsNormOp : Kiln_SkipNormOp<"skip_rms_norm",
    "residual add followed by RMS normalisation"> {
  let description = [{
    `sum = input + skip` and `result = rms_norm(sum)` as `kiln.rms_norm`
    computes it.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$skip,
                       Kiln_FloatTensor:$scale, I64Attr:$axis, F32Attr:$epsilon);
  let assemblyFormat = [{
    $input `,` $skip `,` $scale `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
}

#endif // KILN_FUSED_OPS_TD
