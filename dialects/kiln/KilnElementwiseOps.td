//===- KilnElementwiseOps.td - elementwise ops -------------*- tablegen -*-===//
//
// Binary ops broadcast numpy-style (right-aligned, size-1 dims stretch).
// Unary ops keep their operand's type.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_ELEMENTWISE_OPS_TD
#define KILN_ELEMENTWISE_OPS_TD

include "dialects/kiln/KilnBase.td"

// Commutative ops keep constants on the right after folding, so graph
// patterns only look for `x op constant`.
class Kiln_BinaryOp<string mnemonic, Type operandType, string doc,
                    list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat([Pure, SameOperandsElementType,
                                     InferTypeOpAdaptor], traits)> {
  let summary = "elementwise " # doc # " with broadcasting";
  let description = [{
    Applies the operation to each pair of broadcast elements. Operands have the
    same element type; the result shape is the numpy broadcast of the operand
    shapes.
  }];
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Kiln_AddOp : Kiln_BinaryOp<"add", Kiln_NumericTensor, "addition", [Commutative]> {
  let hasCanonicalizer = 1;
}
def Kiln_SubOp : Kiln_BinaryOp<"sub", Kiln_NumericTensor, "subtraction">;
def Kiln_MulOp : Kiln_BinaryOp<"mul", Kiln_NumericTensor, "multiplication", [Commutative]>;
def Kiln_DivOp : Kiln_BinaryOp<"div", Kiln_NumericTensor,
    "division (integers truncate toward zero)">;
def Kiln_PowOp : Kiln_BinaryOp<"pow", Kiln_NumericTensor, "power">;
def Kiln_MaxOp : Kiln_BinaryOp<"max", Kiln_NumericTensor,
    "maximum (NaN-propagating for floats)", [Commutative]>;
def Kiln_MinOp : Kiln_BinaryOp<"min", Kiln_NumericTensor,
    "minimum (NaN-propagating for floats)", [Commutative]>;
def Kiln_ModOp : Kiln_BinaryOp<"mod", Kiln_NumericTensor,
    "remainder with the divisor's sign (floored), as ONNX Mod with fmod=0">;
def Kiln_RemOp : Kiln_BinaryOp<"rem", Kiln_NumericTensor,
    "remainder with the dividend's sign (truncated), as C fmod">;
def Kiln_AndOp : Kiln_BinaryOp<"and", Kiln_BoolTensor, "logical and", [Commutative]>;
def Kiln_OrOp : Kiln_BinaryOp<"or", Kiln_BoolTensor, "logical or", [Commutative]>;
def Kiln_XorOp : Kiln_BinaryOp<"xor", Kiln_BoolTensor, "logical xor", [Commutative]>;

def Kiln_CmpOp : Kiln_Op<"cmp", [Pure, SameOperandsElementType,
                                  InferTypeOpAdaptor]> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    Compares broadcast element pairs and yields `i1`. Unsigned element types
    compare unsigned. Float comparisons are ordered except `ne`, which is true
    when either side is NaN.

    ```mlir
    %m = kiln.cmp lt, %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
    ```
  }];
  let arguments = (ins Kiln_ComparePredicateAttr:$predicate,
                       Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_BoolTensor:$result);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

class Kiln_UnaryOp<string mnemonic, Type type, string doc>
    : Kiln_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise " # doc;
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class Kiln_FoldableUnaryOp<string mnemonic, Type type, string doc>
    : Kiln_UnaryOp<mnemonic, type, doc> {
  let hasFolder = 1;
}

def Kiln_NegOp : Kiln_FoldableUnaryOp<"neg", Kiln_NumericTensor, "negation">;
def Kiln_AbsOp : Kiln_FoldableUnaryOp<"abs", Kiln_NumericTensor, "absolute value">;
def Kiln_SignOp : Kiln_UnaryOp<"sign", Kiln_NumericTensor, "sign (-1, 0 or 1)">;
def Kiln_ReluOp : Kiln_UnaryOp<"relu", Kiln_NumericTensor, "max(x, 0)">;
def Kiln_NotOp : Kiln_FoldableUnaryOp<"not", Kiln_BoolTensor, "logical not"> {
  let hasCanonicalizer = 1;
}
def Kiln_ExpOp : Kiln_UnaryOp<"exp", Kiln_FloatTensor, "e^x">;
def Kiln_LogOp : Kiln_UnaryOp<"log", Kiln_FloatTensor, "natural logarithm">;
def Kiln_SqrtOp : Kiln_FoldableUnaryOp<"sqrt", Kiln_FloatTensor, "square root">;
def Kiln_RsqrtOp : Kiln_UnaryOp<"rsqrt", Kiln_FloatTensor, "1 / sqrt(x)">;
def Kiln_ReciprocalOp : Kiln_UnaryOp<"reciprocal", Kiln_FloatTensor, "1 / x">;
def Kiln_TanhOp : Kiln_UnaryOp<"tanh", Kiln_FloatTensor, "hyperbolic tangent">;
def Kiln_ErfOp : Kiln_UnaryOp<"erf", Kiln_FloatTensor, "error function">;
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid", Kiln_FloatTensor, "1 / (1 + e^-x)">;
def Kiln_SinOp : Kiln_UnaryOp<"sin", Kiln_FloatTensor, "sine">;
def Kiln_CosOp : Kiln_UnaryOp<"cos", Kiln_FloatTensor, "cosine">;
def Kiln_FloorOp : Kiln_UnaryOp<"floor", Kiln_FloatTensor, "round toward -inf">;
def Kiln_CeilOp : Kiln_UnaryOp<"ceil", Kiln_FloatTensor, "round toward +inf">;
def Kiln_RoundOp : Kiln_UnaryOp<"round", Kiln_FloatTensor,
    "round half to even">;

def Kiln_CastOp : Kiln_Op<"cast", [Pure]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts each element, keeping the shape. Float to integer truncates
    toward zero; to `i1` tests for non-zero; signedness of integers is
    honoured on both sides.
  }];
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // KILN_ELEMENTWISE_OPS_TD
