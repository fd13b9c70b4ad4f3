//===- KilnQuantOps.td - affine int8 quantization ops -------*- tablegen -*-===//
//
// The ONNX quantization ops, kept whole so that later passes can pick int8
// kernels. Zero points are explicit operands (the importer fills defaults).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_QUANT_OPS_TD
#define KILN_QUANT_OPS_TD

include "dialects/kiln/KilnBase.td"

def Kiln_QuantizeLinearOp : Kiln_Op<"quantize_linear", [Pure]> {
  let summary = "float to integer: saturate(round(x / scale) + zero_point)";
  let description = [{
    `scale` and `zero_point` are scalars (per tensor) or 1-D along `axis` (per
    channel). Rounding is half to even. The result element type is the zero
    point's.
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       Kiln_QuantTensor:$zero_point, I64Attr:$axis);
  let results = (outs Kiln_QuantTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $zero_point `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_DequantizeLinearOp : Kiln_Op<"dequantize_linear", [Pure]> {
  let summary = "integer to float: (x - zero_point) * scale";
  let description = [{
    `scale` and `zero_point` are scalars or 1-D along `axis`. The result
    element type is the scale's.
  }];
  let arguments = (ins RankedTensorOf<[I8, UI8, I16, UI16, I32]>:$input,
                       Kiln_FloatTensor:$scale,
                       RankedTensorOf<[I8, UI8, I16, UI16, I32]>:$zero_point,
                       I64Attr:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $zero_point `axis` `=` $axis attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_DynamicQuantizeLinearOp : Kiln_Op<"dynamic_quantize_linear", [Pure]> {
  let summary = "quantize to ui8 with a scale and zero point taken from the data";
  let description = [{
    As ONNX `DynamicQuantizeLinear`: the range `[min(0, min x), max(0, max
    x)]` maps onto `[0, 255]`. Yields the quantized tensor, the scalar scale
    and the scalar zero point.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input);
  let results = (outs RankedTensorOf<[UI8]>:$result,
                      0DTensorOf<[F32]>:$scale,
                      0DTensorOf<[UI8]>:$zero_point);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_MatmulIntegerOp : Kiln_Op<"matmul_integer", [Pure]> {
  let summary = "integer matmul with zero points, accumulating in i32";
  let description = [{
    `(lhs - lhs_zero_point) x (rhs - rhs_zero_point)` with `kiln.matmul`'s
    batch broadcasting. `lhs_zero_point` is a scalar or per-row `[M]`;
    `rhs_zero_point` is a scalar or per-column `[N]`.
  }];
  let arguments = (ins Kiln_QuantTensor:$lhs, Kiln_QuantTensor:$rhs,
                       Kiln_QuantTensor:$lhs_zero_point,
                       Kiln_QuantTensor:$rhs_zero_point);
  let results = (outs Kiln_Int32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $lhs_zero_point `,` $rhs_zero_point attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // KILN_QUANT_OPS_TD
