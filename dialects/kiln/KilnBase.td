//===- KilnBase.td - Kiln dialect, type constraints and enums -*- tablegen -*-===//
//
// The kiln dialect holds graph-level tensor ops for transformer models. Ops work
// on ranked tensors; dims may be dynamic (`?`) in the IR, and each op's shape
// rule handles that, even though today's lowering needs static shapes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BASE_TD
#define KILN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "Graph-level tensor ops for compiling transformer models";
  let description = [{
    The `kiln` dialect is what the ONNX importer produces and what Kiln's graph
    passes (folding, fusion, quantization, pruning) rewrite. Every op works on
    ranked tensors with numpy-style broadcasting where ONNX has it. Signed and
    signless integers are spelled `iN`, unsigned ones `uiN`, and booleans `i1`.
    Large weights are `dense_resource` attributes, so a model's bytes are held
    once, outside the uniqued attribute storage.
  }];
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Kiln_Float : AnyTypeOf<[F16, BF16, F32, F64]>;
def Kiln_Int : AnyTypeOf<[I1, I8, UI8, I16, UI16, I32, UI32, I64, UI64]>;
def Kiln_Index : AnyTypeOf<[I32, I64]>;
def Kiln_Quant : AnyTypeOf<[I8, UI8, I16, UI16, I32]>;

def Kiln_Tensor : RankedTensorOf<[Kiln_Float, Kiln_Int]>;
def Kiln_FloatTensor : RankedTensorOf<[Kiln_Float]>;
def Kiln_NumericTensor : RankedTensorOf<[Kiln_Float, I8, UI8, I16, UI16, I32, UI32, I64, UI64]>;
def Kiln_IntTensor : RankedTensorOf<[Kiln_Int]>;
def Kiln_BoolTensor : RankedTensorOf<[I1]>;
def Kiln_IndexTensor : RankedTensorOf<[Kiln_Index]>;
def Kiln_QuantTensor : RankedTensorOf<[I8, UI8, I16, UI16]>;
def Kiln_Int32Tensor : RankedTensorOf<[I32]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Kiln_GeluApproximationAttr : I32EnumAttr<"GeluApproximation",
    "How GELU is computed", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>
    ]> {
  let cppNamespace = "::kiln";
}

def Kiln_ActivationAttr : I32EnumAttr<"Activation",
    "Activation applied in a fused epilogue", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"relu", 1>,
      I32EnumAttrCase<"gelu", 2>,
      I32EnumAttrCase<"gelu_tanh", 3>
    ]> {
  let cppNamespace = "::kiln";
}

def Kiln_ComparePredicateAttr : I32EnumAttr<"ComparePredicate",
    "Elementwise comparison", [
      I32EnumAttrCase<"eq", 0>,
      I32EnumAttrCase<"ne", 1>,
      I32EnumAttrCase<"lt", 2>,
      I32EnumAttrCase<"le", 3>,
      I32EnumAttrCase<"gt", 4>,
      I32EnumAttrCase<"ge", 5>
    ]> {
  let cppNamespace = "::kiln";
}

def Kiln_ReduceKindAttr : I32EnumAttr<"ReduceKind", "Reduction combiner", [
      I32EnumAttrCase<"sum", 0>,
      I32EnumAttrCase<"mean", 1>,
      I32EnumAttrCase<"max", 2>,
      I32EnumAttrCase<"min", 3>,
      I32EnumAttrCase<"prod", 4>,
      I32EnumAttrCase<"sum_square", 5>,
      I32EnumAttrCase<"l2", 6>
    ]> {
  let cppNamespace = "::kiln";
}

//===----------------------------------------------------------------------===//
// Base op classes
//===----------------------------------------------------------------------===//

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

#endif // KILN_BASE_TD
