//===- KernelBufferization.cpp - kernel ops from tensors to memrefs --------===//
//
// Every kernel op bufferizes the same way: inputs are read, `outs` are
// written whole (never read, so no copy of their initial value is needed)
// and each result is its outs buffer. The memref form is the same op with
// buffer operands and no results.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace kiln::kernel {
namespace {

bool isInit(Operation *op, OpOperand &operand) {
  return cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
}

AliasingValueList aliasing(Operation *op, OpOperand &operand) {
  auto dps = cast<DestinationStyleOpInterface>(op);
  if (dps.isDpsInit(&operand))
    return {{dps.getTiedOpResult(&operand), BufferRelation::Equivalent}};
  return {};
}

LogicalResult bufferizeKernel(Operation *op, RewriterBase &rewriter,
                              const BufferizationOptions &options,
                              BufferizationState &state) {
  auto dps = cast<DestinationStyleOpInterface>(op);
  SmallVector<Value> operands, outBuffers;
  for (OpOperand &operand : op->getOpOperands()) {
    Value v = operand.get();
    if (!isa<TensorType>(v.getType())) {
      operands.push_back(v);
      continue;
    }
    FailureOr<Value> buffer = getBuffer(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    operands.push_back(*buffer);
    if (dps.isDpsInit(&operand))
      outBuffers.push_back(*buffer);
  }
  rewriter.setInsertionPoint(op);
  // Same properties (attributes, operand segments), buffers, no results.
  OperationState result(op->getLoc(), op->getName());
  result.addOperands(operands);
  result.propertiesAttr = op->getPropertiesAsAttribute();
  result.addAttributes(llvm::to_vector(op->getDiscardableAttrs()));
  rewriter.create(result);
  replaceOpWithBufferizedValues(rewriter, op, outBuffers);
  return success();
}

} // namespace

#define KILN_KERNEL_BUFFERIZATION(Op)                                          \
  bool Op::bufferizesToMemoryRead(OpOperand &operand, const AnalysisState &) { \
    return !isInit(*this, operand);                                            \
  }                                                                            \
  bool Op::bufferizesToMemoryWrite(OpOperand &operand, const AnalysisState &) {\
    return isInit(*this, operand);                                             \
  }                                                                            \
  AliasingValueList Op::getAliasingValues(OpOperand &operand,                  \
                                          const AnalysisState &) {             \
    return aliasing(*this, operand);                                           \
  }                                                                            \
  LogicalResult Op::bufferize(RewriterBase &rewriter,                          \
                              const BufferizationOptions &options,             \
                              BufferizationState &state) {                     \
    return bufferizeKernel(*this, rewriter, options, state);                   \
  }

KILN_KERNEL_BUFFERIZATION(GemmOp)
KILN_KERNEL_BUFFERIZATION(AttentionOp)
KILN_KERNEL_BUFFERIZATION(NormOp)
KILN_KERNEL_BUFFERIZATION(SoftmaxOp)

} // namespace kiln::kernel
