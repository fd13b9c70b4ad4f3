//===- KilnTensorOps.td - constants and data movement -------*- tablegen -*-===//

#ifndef KILN_TENSOR_OPS_TD
#define KILN_TENSOR_OPS_TD

include "dialects/kiln/KilnBase.td"

def Kiln_ConstantOp : Kiln_Op<"constant",
    [Pure, ConstantLike, InferTypeOpAdaptor]> {
  let summary = "a constant tensor";
  let description = [{
    Small constants are `dense<...>`; weights are `dense_resource<...>` blobs,
    which hold a model's bytes once instead of uniquing them in the context.

    ```mlir
    %shape = kiln.constant dense<[1, 128]> : tensor<2xi64>
    %w = kiln.constant dense_resource<encoder.weight> : tensor<768x768xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure]> {
  let summary = "reinterpret a tensor with another shape, same element order";
  let description = [{
    The result shape is the result type. ONNX `Reshape`, `Flatten`, `Squeeze`
    and `Unsqueeze` all import as this op.
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "permute dimensions";
  let description = [{
    Result dim `i` is input dim `permutation[i]`.
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input $permutation attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice", [Pure]> {
  let summary = "strided slice with static, normalised bounds";
  let description = [{
    Result element `[i0, i1, ...]` reads input `[starts[0] + i0 * steps[0],
    ...]`. `starts` and `steps` name every dim; the result type gives the
    sizes. Steps may be negative. The importer clamps ONNX's open-ended bounds
    into this form.
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `starts` $starts `steps` $steps attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_ConcatOp : Kiln_Op<"concat", [Pure, SameOperandsElementType,
                                       InferTypeOpAdaptor]> {
  let summary = "join tensors along one dim";
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $inputs `axis` `=` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let hasFolder = 1;
}

def Kiln_GatherOp : Kiln_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "take slices of `data` along `axis` at `indices`";
  let description = [{
    The result shape is `data.shape[:axis] + indices.shape +
    data.shape[axis+1:]`. Negative indices count from the end of the axis, as
    in ONNX. An embedding lookup is a gather on axis 0.
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_ExpandOp : Kiln_Op<"expand", [Pure]> {
  let summary = "broadcast a tensor to a larger shape";
  let description = [{
    The result type gives the target shape; the input must broadcast to it
    numpy-style.
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Kiln_WhereOp : Kiln_Op<"where", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise select with broadcasting";
  let arguments = (ins Kiln_BoolTensor:$condition, Kiln_Tensor:$true_value,
                       Kiln_Tensor:$false_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // KILN_TENSOR_OPS_TD
