//===- KernelOps.cpp - kiln_kernel verifiers and memory effects -------------===//
#include "dialects/kernel/KernelOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace kiln::kernel {
namespace {

ArrayRef<int64_t> shapeOf(Value v) { return cast<ShapedType>(v.getType()).getShape(); }

std::string shapeStr(ArrayRef<int64_t> s) {
  std::string out;
  for (int64_t d : s)
    out += (out.empty() ? "" : "x") + (ShapedType::isDynamic(d) ? "?" : std::to_string(d));
  return "[" + out + "]";
}

/// Tensor outs need one result of the same type each; memref outs none.
LogicalResult verifyResults(Operation *op, ValueRange outs, TypeRange results) {
  bool tensors = isa<RankedTensorType>(outs.front().getType());
  for (Value o : outs)
    if (isa<RankedTensorType>(o.getType()) != tensors)
      return op->emitOpError("outs must be all tensors or all memrefs");
  if (!tensors) {
    if (!results.empty())
      return op->emitOpError("on memrefs has no results");
    return success();
  }
  if (results.size() != outs.size())
    return op->emitOpError("needs one result per outs operand");
  for (auto [o, r] : llvm::zip(outs, results))
    if (o.getType() != r)
      return op->emitOpError("result type ") << r << " differs from its outs type "
                                             << o.getType();
  return success();
}

/// Batch dims of an operand are the result's, or all 1, or absent.
bool batchCompatible(ArrayRef<int64_t> operandBatch, ArrayRef<int64_t> resultBatch) {
  if (operandBatch.empty() || llvm::all_of(operandBatch, [](int64_t d) { return d == 1; }))
    return true;
  return operandBatch == resultBatch;
}

void addEffects(Operation *op, ValueRange outs,
                SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (llvm::is_contained(outs, operand.get()))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// A norm's per-column parameters, shared by the norm op and the GEMM's norm
/// epilogue: scale and bias are [cols], and RMSNorm has no bias. The names
/// are the operands' as the op spells them.
LogicalResult verifyNormParams(Operation *op, Value scale, Value bias, bool rms, int64_t cols,
                               StringRef scaleName, StringRef biasName, StringRef rmsName) {
  for (Value p : {scale, bias})
    if (p && shapeOf(p) != ArrayRef<int64_t>{cols})
      return op->emitOpError() << scaleName << " and " << biasName << " must be [" << cols
                               << "]; got " << shapeStr(shapeOf(p));
  if (rms && bias)
    return op->emitOpError() << rmsName << " takes no " << biasName;
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// gemm
//===----------------------------------------------------------------------===//

LogicalResult GemmOp::verify() {
  if (getOuts().empty() || getOuts().size() > 2)
    return emitOpError("needs one outs, or two with a norm epilogue");
  if (failed(verifyResults(*this, getOuts(), getResultTypes())))
    return failure();
  ArrayRef<int64_t> a = shapeOf(getA()), b = shapeOf(getB()), c = shapeOf(getC());
  if (a.size() < 2 || c.size() < 2)
    return emitOpError("a and the result need rank >= 2");
  if (!llvm::all_of(ValueRange{getA(), getB(), getC()}, [](Value v) {
        return cast<ShapedType>(v.getType()).hasStaticShape();
      }))
    return emitOpError("needs static shapes");
  int64_t m = c[c.size() - 2], n = c.back(), k = a.back();
  ArrayRef<int64_t> batch = c.drop_back(2);
  if (int64_t split = getKSplitAttr().getInt(); split < 0)
    return emitOpError("k_split is ") << split << "; expected 0 (none) or a column count";
  if (a[a.size() - 2] != m)
    return emitOpError("a ") << shapeStr(a) << " does not have the result's " << m << " rows";
  if (a.size() > c.size() || !batchCompatible(a.drop_back(2), batch))
    return emitOpError("a's batch dims ") << shapeStr(a.drop_back(2))
                                          << " are neither the result's nor broadcast";
  switch (getBLayout()) {
  case BLayout::packed: {
    if (b.size() != 3 || b[1] != k || b[2] <= 0 || b[0] != (n + b[2] - 1) / b[2])
      return emitOpError("packed b ") << shapeStr(b) << " is not [ceil(" << n << "/NR), " << k
                                      << ", NR]";
    break;
  }
  case BLayout::row_major:
  case BLayout::transposed: {
    bool t = getBLayout() == BLayout::transposed;
    if (b.size() < 2 || b.size() > c.size() || b[b.size() - 2] != (t ? n : k) ||
        b.back() != (t ? k : n))
      return emitOpError("b ") << shapeStr(b) << " does not match " << (t ? "[N, K] = [" : "[K, N] = [")
                               << (t ? n : k) << ", " << (t ? k : n) << "]";
    if (!batchCompatible(b.drop_back(2), batch))
      return emitOpError("b's batch dims ") << shapeStr(b.drop_back(2))
                                            << " are neither the result's nor broadcast";
    break;
  }
  }
  if (getBias() && shapeOf(getBias()) != ArrayRef<int64_t>{n})
    return emitOpError("bias ") << shapeStr(shapeOf(getBias())) << " is not [" << n << "]";
  if (getResidual() && shapeOf(getResidual()) != c)
    return emitOpError("residual ") << shapeStr(shapeOf(getResidual()))
                                    << " does not have the result's shape " << shapeStr(c);
  return verifyNormEpilogue(n, c);
}

LogicalResult GemmOp::verifyNormEpilogue(int64_t n, ArrayRef<int64_t> c) {
  bool norm = static_cast<bool>(getNormScale());
  if (!norm) {
    if (getNormBias() || getNormEpsilon() || getNormRms() || getNormOut())
      return emitOpError("norm_bias, norm_epsilon, norm_rms and a second outs need norm_scale");
    return success();
  }
  if (!getNormEpsilon())
    return emitOpError("a norm epilogue needs norm_epsilon");
  if (failed(verifyNormParams(*this, getNormScale(), getNormBias(), getNormRms(), n,
                              "norm_scale", "norm_bias", "an RMSNorm epilogue")))
    return failure();
  if (getNormOut() && shapeOf(getNormOut()) != c)
    return emitOpError("the norm's outs ") << shapeStr(shapeOf(getNormOut()))
                                           << " differ from the result's " << shapeStr(c);
  return success();
}

void GemmOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  addEffects(*this, getOuts(), effects);
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

SmallVector<int64_t, 4> AttentionOp::logicalShape(Value v, unsigned which) {
  SmallVector<int64_t, 4> s(shapeOf(v));
  if (s.size() == 4 && getSeqMajor()[which])
    std::swap(s[1], s[2]);
  return s;
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyResults(*this, getOuts(), getResultTypes())))
    return failure();
  if (getSeqMajor().size() != 4)
    return emitOpError("seq_major needs 4 entries (q, k, v, result)");
  for (Value v : {getQ(), getK(), getV(), getOuts()})
    if (shapeOf(v).size() != 4 || !cast<ShapedType>(v.getType()).hasStaticShape())
      return emitOpError("q, k, v and the result must be static and of rank 4");
  auto q = logicalShape(getQ(), 0), k = logicalShape(getK(), 1), v = logicalShape(getV(), 2),
       o = logicalShape(getOuts(), 3);
  int64_t batch = q[0], hq = q[1], s = q[2], d = q[3], hkv = k[1], t = k[2];
  if (k[0] != batch || v[0] != batch || o[0] != batch)
    return emitOpError("q, k, v and the result disagree on the batch");
  if (hkv <= 0 || hq % hkv != 0 || v[1] != hkv)
    return emitOpError("query heads (") << hq << ") are not a multiple of key/value heads ("
                                        << hkv << ", " << v[1] << ")";
  if (k[3] != d)
    return emitOpError("k's head dim ") << k[3] << " differs from q's " << d;
  if (v[2] != t)
    return emitOpError("v has ") << v[2] << " keys; k has " << t;
  if (o[1] != hq || o[2] != s || o[3] != v[3])
    return emitOpError("result ") << shapeStr(o) << " is not [" << batch << ", " << hq << ", "
                                  << s << ", " << v[3] << "] (logical layout)";
  if (Value mask = getMask()) {
    ArrayRef<int64_t> m = shapeOf(mask);
    int64_t full[4] = {batch, hq, s, t};
    if (m.size() > 4)
      return emitOpError("mask of rank ") << m.size() << " does not broadcast to rank 4";
    for (size_t i = 0; i < m.size(); ++i) {
      int64_t want = full[4 - m.size() + i];
      if (m[i] != 1 && m[i] != want)
        return emitOpError("mask ") << shapeStr(m) << " does not broadcast to ["
                                    << batch << "x" << hq << "x" << s << "x" << t << "]";
    }
  }
  return success();
}

void AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  addEffects(*this, getOuts(), effects);
}

//===----------------------------------------------------------------------===//
// norm
//===----------------------------------------------------------------------===//

LogicalResult NormOp::verify() {
  if (getOuts().empty() || getOuts().size() > 2)
    return emitOpError("needs one or two outs (the norm, and the sum with skip)");
  if (failed(verifyResults(*this, getOuts(), getResultTypes())))
    return failure();
  ArrayRef<int64_t> x = shapeOf(getX());
  if (x.empty())
    return emitOpError("x needs rank >= 1");
  int64_t cols = x.back();
  if (getSkip() && shapeOf(getSkip()) != x)
    return emitOpError("skip ") << shapeStr(shapeOf(getSkip())) << " differs from x "
                                << shapeStr(x);
  if (failed(verifyNormParams(*this, getScale(), getBias(), getRms(), cols, "scale", "bias",
                              "RMSNorm")))
    return failure();
  if (getOuts().size() == 2 && !getSkip())
    return emitOpError("the sum output needs a skip operand");
  for (Value o : getOuts())
    if (shapeOf(o) != x)
      return emitOpError("outs ") << shapeStr(shapeOf(o)) << " differ from x " << shapeStr(x);
  return success();
}

void NormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  addEffects(*this, getOuts(), effects);
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (failed(verifyResults(*this, getOuts(), getResultTypes())))
    return failure();
  if (shapeOf(getX()).empty() || shapeOf(getX()) != shapeOf(getOuts()))
    return emitOpError("x and outs need the same shape of rank >= 1");
  return success();
}

void SoftmaxOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  addEffects(*this, getOuts(), effects);
}

} // namespace kiln::kernel

#define GET_OP_CLASSES
#include "dialects/kernel/KernelOps.cpp.inc"
