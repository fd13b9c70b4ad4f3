//===- OpTable.cpp - the one table from ONNX ops to kiln builders ----------===//
#include "compiler/importer/OpTable.h"
#include "compiler/importer/ops/OpBuilders.h"

using namespace kiln::ops;

namespace kiln {

static constexpr const char *MS = "com.microsoft";

// clang-format off
static const OpEntry kOps[] = {
  // domain, op type, oldest opset, builder, attribute check
  // --- elementwise arithmetic and logic
  {"", "Add", 7, importAdd, nullptr},
  {"", "Sub", 7, importSub, nullptr},
  {"", "Mul", 7, importMul, nullptr},
  {"", "Div", 7, importDiv, nullptr},
  {"", "Pow", 7, importPow, nullptr},
  {"", "Mod", 10, importMod, nullptr},
  {"", "And", 7, importAnd, nullptr},
  {"", "Or", 7, importOr, nullptr},
  {"", "Xor", 7, importXor, nullptr},
  {"", "Equal", 7, importEqual, nullptr},
  {"", "Less", 7, importLess, nullptr},
  {"", "LessOrEqual", 12, importLessOrEqual, nullptr},
  {"", "Greater", 7, importGreater, nullptr},
  {"", "GreaterOrEqual", 12, importGreaterOrEqual, nullptr},
  {"", "Max", 8, importMax, nullptr},
  {"", "Min", 8, importMin, nullptr},
  {"", "Sum", 8, importSum, nullptr},
  {"", "Mean", 8, importMean, nullptr},
  {"", "Not", 1, importNot, nullptr},
  {"", "Neg", 6, importNeg, nullptr},
  {"", "Abs", 6, importAbs, nullptr},
  {"", "Sign", 9, importSign, nullptr},
  {"", "Relu", 6, importRelu, nullptr},
  {"", "Exp", 6, importExp, nullptr},
  {"", "Log", 6, importLog, nullptr},
  {"", "Sqrt", 6, importSqrt, nullptr},
  {"", "Reciprocal", 6, importReciprocal, nullptr},
  {"", "Tanh", 6, importTanh, nullptr},
  {"", "Erf", 9, importErf, nullptr},
  {"", "Sigmoid", 6, importSigmoid, nullptr},
  {"", "Sin", 7, importSin, nullptr},
  {"", "Cos", 7, importCos, nullptr},
  {"", "Floor", 6, importFloor, nullptr},
  {"", "Ceil", 6, importCeil, nullptr},
  {"", "Round", 11, importRound, nullptr},
  {"", "IsNaN", 9, importIsNaN, nullptr},
  {"", "Identity", 1, importIdentity, nullptr},
  {"", "Dropout", 7, importDropout, checkDropout},
  {"", "Cast", 6, importCast, checkCast},
  {"", "CastLike", 15, importCastLike, nullptr},
  {"", "Clip", 6, importClip, nullptr},
  {"", "Where", 9, importWhere, nullptr},
  // --- activations
  {"", "LeakyRelu", 6, importLeakyRelu, nullptr},
  {"", "PRelu", 7, importPRelu, nullptr},
  {"", "Elu", 6, importElu, nullptr},
  {"", "Selu", 6, importSelu, nullptr},
  {"", "Celu", 12, importCelu, nullptr},
  {"", "HardSigmoid", 6, importHardSigmoid, nullptr},
  {"", "HardSwish", 14, importHardSwish, nullptr},
  {"", "Softplus", 1, importSoftplus, nullptr},
  {"", "Softsign", 1, importSoftsign, nullptr},
  {"", "ThresholdedRelu", 10, importThresholdedRelu, nullptr},
  {"", "Mish", 18, importMish, nullptr},
  {"", "Gelu", 20, importGelu, checkGelu},
  // --- constants, shapes and data movement
  {"", "Constant", 1, importConstant, checkConstant},
  {"", "Shape", 1, importShape, nullptr},
  {"", "Size", 1, importSize, nullptr},
  {"", "Reshape", 5, importReshape, nullptr},
  {"", "Flatten", 1, importFlatten, nullptr},
  {"", "Squeeze", 1, importSqueeze, nullptr},
  {"", "Unsqueeze", 1, importUnsqueeze, nullptr},
  {"", "Transpose", 1, importTranspose, nullptr},
  {"", "Slice", 1, importSlice, nullptr},
  {"", "Concat", 4, importConcat, nullptr},
  {"", "Split", 2, importSplit, nullptr},
  {"", "Gather", 1, importGather, nullptr},
  {"", "Expand", 8, importExpand, nullptr},
  {"", "Tile", 6, importTile, nullptr},
  {"", "ConstantOfShape", 9, importConstantOfShape, nullptr},
  {"", "Range", 11, importRange, nullptr},
  {"", "Trilu", 14, importTrilu, nullptr},
  {"", "NonZero", 9, importNonZero, nullptr},
  // --- linear algebra, normalisation, reductions
  {"", "MatMul", 1, importMatMul, nullptr},
  {"", "Gemm", 7, importGemm, nullptr},
  {"", "Softmax", 1, importSoftmax, nullptr},
  {"", "LogSoftmax", 1, importLogSoftmax, nullptr},
  // ORT registers LayerNormalization (and the simplified form) in the ONNX
  // domain from opset 1, so older optimized models use them too.
  {"", "LayerNormalization", 1, importLayerNormalization, nullptr},
  {"", "SimplifiedLayerNormalization", 1, importMsSimplifiedLayerNormalization, nullptr},
  {"", "RMSNormalization", 23, importRMSNormalization, nullptr},
  {"", "ReduceSum", 1, importReduceSum, nullptr},
  {"", "ReduceMean", 1, importReduceMean, nullptr},
  {"", "ReduceMax", 1, importReduceMax, nullptr},
  {"", "ReduceMin", 1, importReduceMin, nullptr},
  {"", "ReduceProd", 1, importReduceProd, nullptr},
  {"", "ReduceSumSquare", 1, importReduceSumSquare, nullptr},
  {"", "ReduceL2", 1, importReduceL2, nullptr},
  {"", "ArgMax", 1, importArgMax, nullptr},
  {"", "Einsum", 12, importEinsum, checkEinsum},
  // --- attention
  {"", "Attention", 23, importAttention, checkAttention},
  {"", "RotaryEmbedding", 23, importRotaryEmbedding, nullptr},
  // --- quantization
  {"", "QuantizeLinear", 10, importQuantizeLinear, checkQuantizeLinear},
  {"", "DequantizeLinear", 10, importDequantizeLinear, checkQuantizeLinear},
  {"", "DynamicQuantizeLinear", 11, importDynamicQuantizeLinear, nullptr},
  {"", "MatMulInteger", 10, importMatMulInteger, nullptr},
  {"", "QLinearMatMul", 10, importQLinearMatMul, nullptr},
  // --- com.microsoft fused ops from ONNX Runtime's transformer optimizer
  {MS, "Attention", 1, importMsAttention, checkMsAttention},
  {MS, "MultiHeadAttention", 1, importMsMultiHeadAttention, nullptr},
  {MS, "GroupQueryAttention", 1, importMsGroupQueryAttention, checkMsGroupQueryAttention},
  {MS, "RotaryEmbedding", 1, importMsRotaryEmbedding, checkMsRotaryEmbedding},
  {MS, "SkipLayerNormalization", 1, importMsSkipLayerNormalization, nullptr},
  {MS, "SkipSimplifiedLayerNormalization", 1, importMsSkipSimplifiedLayerNormalization, nullptr},
  {MS, "SimplifiedLayerNormalization", 1, importMsSimplifiedLayerNormalization, nullptr},
  {MS, "LayerNormalization", 1, importLayerNormalization, nullptr},
  {MS, "EmbedLayerNormalization", 1, importMsEmbedLayerNormalization, nullptr},
  {MS, "BiasGelu", 1, importMsBiasGelu, nullptr},
  {MS, "FastGelu", 1, importMsFastGelu, nullptr},
  {MS, "Gelu", 1, importMsGelu, nullptr},
  {MS, "QuickGelu", 1, importMsQuickGelu, nullptr},
  {MS, "GemmFastGelu", 1, importMsGemmFastGelu, nullptr},
  {MS, "BiasAdd", 1, importMsBiasAdd, nullptr},
  {MS, "FusedMatMul", 1, importMsFusedMatMul, checkMsFusedMatMul},
  {MS, "MatMulIntegerToFloat", 1, importMsMatMulIntegerToFloat, nullptr},
  {MS, "DynamicQuantizeMatMul", 1, importMsDynamicQuantizeMatMul, nullptr},
};
// clang-format on

const OpEntry *lookupOp(llvm::StringRef domain, llvm::StringRef opType) {
  if (domain == "ai.onnx")
    domain = "";
  for (const OpEntry &e : kOps)
    if (domain == e.domain && opType == e.opType)
      return &e;
  return nullptr;
}

llvm::ArrayRef<OpEntry> allOps() { return kOps; }

} // namespace kiln
