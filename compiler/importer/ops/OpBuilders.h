//===- OpBuilders.h - builder functions named by the op table ---*- C++ -*-===//
//
// One function per ONNX op (or per family, as a template). Each file under
// ops/ holds one family; OpTable.cpp is the only place that maps names to them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_IMPORTER_OPS_OPBUILDERS_H
#define KILN_COMPILER_IMPORTER_OPS_OPBUILDERS_H

#include "compiler/importer/NodeImporter.h"

#include <optional>
#include <string>

namespace kiln::ops {

using mlir::LogicalResult;
using Check = std::optional<std::string>;

// Elementwise.cpp
LogicalResult importAdd(NodeImporter &);
LogicalResult importSub(NodeImporter &);
LogicalResult importMul(NodeImporter &);
LogicalResult importDiv(NodeImporter &);
LogicalResult importPow(NodeImporter &);
LogicalResult importMod(NodeImporter &);
LogicalResult importAnd(NodeImporter &);
LogicalResult importOr(NodeImporter &);
LogicalResult importXor(NodeImporter &);
LogicalResult importEqual(NodeImporter &);
LogicalResult importLess(NodeImporter &);
LogicalResult importLessOrEqual(NodeImporter &);
LogicalResult importGreater(NodeImporter &);
LogicalResult importGreaterOrEqual(NodeImporter &);
LogicalResult importMax(NodeImporter &);
LogicalResult importMin(NodeImporter &);
LogicalResult importSum(NodeImporter &);
LogicalResult importMean(NodeImporter &);
LogicalResult importNot(NodeImporter &);
LogicalResult importNeg(NodeImporter &);
LogicalResult importAbs(NodeImporter &);
LogicalResult importSign(NodeImporter &);
LogicalResult importRelu(NodeImporter &);
LogicalResult importExp(NodeImporter &);
LogicalResult importLog(NodeImporter &);
LogicalResult importSqrt(NodeImporter &);
LogicalResult importReciprocal(NodeImporter &);
LogicalResult importTanh(NodeImporter &);
LogicalResult importErf(NodeImporter &);
LogicalResult importSigmoid(NodeImporter &);
LogicalResult importSin(NodeImporter &);
LogicalResult importCos(NodeImporter &);
LogicalResult importFloor(NodeImporter &);
LogicalResult importCeil(NodeImporter &);
LogicalResult importRound(NodeImporter &);
LogicalResult importIsNaN(NodeImporter &);
LogicalResult importIdentity(NodeImporter &);
LogicalResult importDropout(NodeImporter &);
LogicalResult importCast(NodeImporter &);
LogicalResult importCastLike(NodeImporter &);
LogicalResult importClip(NodeImporter &);
LogicalResult importWhere(NodeImporter &);
LogicalResult importLeakyRelu(NodeImporter &);
LogicalResult importPRelu(NodeImporter &);
LogicalResult importElu(NodeImporter &);
LogicalResult importSelu(NodeImporter &);
LogicalResult importCelu(NodeImporter &);
LogicalResult importHardSigmoid(NodeImporter &);
LogicalResult importHardSwish(NodeImporter &);
LogicalResult importSoftplus(NodeImporter &);
LogicalResult importSoftsign(NodeImporter &);
LogicalResult importThresholdedRelu(NodeImporter &);
LogicalResult importMish(NodeImporter &);
LogicalResult importGelu(NodeImporter &);
Check checkGelu(const onnx::NodeProto &, int64_t);
Check checkCast(const onnx::NodeProto &, int64_t);
Check checkDropout(const onnx::NodeProto &, int64_t);

// Shape.cpp
LogicalResult importConstant(NodeImporter &);
Check checkConstant(const onnx::NodeProto &, int64_t);
LogicalResult importShape(NodeImporter &);
LogicalResult importSize(NodeImporter &);
LogicalResult importReshape(NodeImporter &);
LogicalResult importFlatten(NodeImporter &);
LogicalResult importSqueeze(NodeImporter &);
LogicalResult importUnsqueeze(NodeImporter &);
LogicalResult importTranspose(NodeImporter &);
LogicalResult importSlice(NodeImporter &);
LogicalResult importConcat(NodeImporter &);
LogicalResult importSplit(NodeImporter &);
LogicalResult importGather(NodeImporter &);
LogicalResult importExpand(NodeImporter &);
LogicalResult importTile(NodeImporter &);
LogicalResult importConstantOfShape(NodeImporter &);
LogicalResult importRange(NodeImporter &);
LogicalResult importTrilu(NodeImporter &);
LogicalResult importNonZero(NodeImporter &);

// NN.cpp
LogicalResult importMatMul(NodeImporter &);
LogicalResult importGemm(NodeImporter &);
LogicalResult importSoftmax(NodeImporter &);
LogicalResult importLogSoftmax(NodeImporter &);
LogicalResult importLayerNormalization(NodeImporter &);
LogicalResult importRMSNormalization(NodeImporter &);
LogicalResult importReduceSum(NodeImporter &);
LogicalResult importReduceMean(NodeImporter &);
LogicalResult importReduceMax(NodeImporter &);
LogicalResult importReduceMin(NodeImporter &);
LogicalResult importReduceProd(NodeImporter &);
LogicalResult importReduceSumSquare(NodeImporter &);
LogicalResult importReduceL2(NodeImporter &);
LogicalResult importArgMax(NodeImporter &);

// Einsum.cpp
LogicalResult importEinsum(NodeImporter &);
Check checkEinsum(const onnx::NodeProto &, int64_t);

// Attention.cpp
LogicalResult importAttention(NodeImporter &);
Check checkAttention(const onnx::NodeProto &, int64_t);
LogicalResult importRotaryEmbedding(NodeImporter &);

// Microsoft.cpp (com.microsoft contrib ops written by ORT's optimizer)
LogicalResult importMsAttention(NodeImporter &);
Check checkMsAttention(const onnx::NodeProto &, int64_t);
LogicalResult importMsMultiHeadAttention(NodeImporter &);
LogicalResult importMsGroupQueryAttention(NodeImporter &);
Check checkMsGroupQueryAttention(const onnx::NodeProto &, int64_t);
LogicalResult importMsRotaryEmbedding(NodeImporter &);
Check checkMsRotaryEmbedding(const onnx::NodeProto &, int64_t);
LogicalResult importMsSkipLayerNormalization(NodeImporter &);
LogicalResult importMsSkipSimplifiedLayerNormalization(NodeImporter &);
LogicalResult importMsSimplifiedLayerNormalization(NodeImporter &);
LogicalResult importMsEmbedLayerNormalization(NodeImporter &);
LogicalResult importMsBiasGelu(NodeImporter &);
LogicalResult importMsFastGelu(NodeImporter &);
LogicalResult importMsGelu(NodeImporter &);
LogicalResult importMsQuickGelu(NodeImporter &);
LogicalResult importMsGemmFastGelu(NodeImporter &);
LogicalResult importMsBiasAdd(NodeImporter &);
LogicalResult importMsFusedMatMul(NodeImporter &);
Check checkMsFusedMatMul(const onnx::NodeProto &, int64_t);
LogicalResult importMsMatMulIntegerToFloat(NodeImporter &);
LogicalResult importMsDynamicQuantizeMatMul(NodeImporter &);

// Quant.cpp
LogicalResult importQuantizeLinear(NodeImporter &);
LogicalResult importDequantizeLinear(NodeImporter &);
Check checkQuantizeLinear(const onnx::NodeProto &, int64_t);
LogicalResult importDynamicQuantizeLinear(NodeImporter &);
LogicalResult importMatMulInteger(NodeImporter &);
LogicalResult importQLinearMatMul(NodeImporter &);
/// Zero-point input `i`, or a scalar zero of `operand`'s element type.
mlir::Value zeroPointOr0(NodeImporter &n, size_t i, mlir::Value operand);
/// kiln.matmul_integer with its i32 result type.
mlir::Value matmulInteger(NodeImporter &n, mlir::Value a, mlir::Value b,
                          mlir::Value aZeroPoint, mlir::Value bZeroPoint);

} // namespace kiln::ops

#endif
