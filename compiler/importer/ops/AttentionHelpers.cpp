//===- AttentionHelpers.cpp - layouts and masks for attention ops ----------===//
#include "compiler/importer/ops/AttentionHelpers.h"

#include <limits>

using namespace mlir;

namespace kiln::ops {

Value splitHeads(NodeImporter &n, Value x, int64_t heads) {
  if (!x)
    return {};
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getRank() != 3)
    return n.error("expected a [batch, seq, hidden] tensor");
  int64_t hidden = t.getDimSize(2);
  if (heads <= 0 || hidden % heads != 0)
    return n.error("hidden size " + llvm::Twine(hidden) +
                   " does not split into " + llvm::Twine(heads) + " heads");
  Value r = n.reshape(x, {t.getDimSize(0), t.getDimSize(1), heads, hidden / heads});
  return n.transpose(r, {0, 2, 1, 3});
}

Value mergeHeads(NodeImporter &n, Value x) {
  if (!x)
    return {};
  auto t = cast<RankedTensorType>(x.getType());
  Value tr = n.transpose(x, {0, 2, 1, 3});
  return n.reshape(tr, {t.getDimSize(0), t.getDimSize(2),
                        t.getDimSize(1) * t.getDimSize(3)});
}

AttentionValues buildAttention(NodeImporter &n, Value q, Value k, Value v,
                               Value mask, Value pastKey, Value pastValue,
                               double scale, bool causal, double softcap,
                               bool wantPresents) {
  if (!q || !k || !v)
    return {};
  auto qt = cast<RankedTensorType>(q.getType());
  auto kt = cast<RankedTensorType>(k.getType());
  auto vt = cast<RankedTensorType>(v.getType());
  if (qt.getRank() != 4 || kt.getRank() != 4 || vt.getRank() != 4) {
    (void)n.fail("q, k and v must be 4-D [batch, heads, seq, head_size]");
    return {};
  }
  int64_t past = pastKey ? cast<RankedTensorType>(pastKey.getType()).getDimSize(2) : 0;
  int64_t total = past + kt.getDimSize(2);
  Type et = qt.getElementType();
  auto outType = RankedTensorType::get(
      {qt.getDimSize(0), qt.getDimSize(1), qt.getDimSize(2), vt.getDimSize(3)}, et);
  SmallVector<Type> presents;
  if (wantPresents) {
    presents.push_back(RankedTensorType::get(
        {kt.getDimSize(0), kt.getDimSize(1), total, kt.getDimSize(3)}, et));
    presents.push_back(RankedTensorType::get(
        {vt.getDimSize(0), vt.getDimSize(1), total, vt.getDimSize(3)}, et));
  }
  Builder &b = n.builder;
  auto op = AttentionOp::create(
      n.builder, n.loc, outType, presents, q, k, v, mask, pastKey, pastValue,
      /*rotary_cos=*/Value(), /*rotary_sin=*/Value(), b.getF32FloatAttr((float)scale),
      causal ? b.getUnitAttr() : UnitAttr(), b.getF32FloatAttr((float)softcap),
      b.getI64IntegerAttr(0), UnitAttr());
  if (!n.finishMulti(op))
    return {};
  AttentionValues r;
  r.output = op.getResult();
  if (wantPresents) {
    r.presentKey = op.getPresentKey();
    r.presentValue = op.getPresentValue();
  }
  return r;
}

Value padMaskTo(NodeImporter &n, Value mask, int64_t length) {
  if (!mask)
    return {};
  auto t = cast<RankedTensorType>(mask.getType());
  int64_t have = t.getShape().back();
  if (have >= length)
    return mask;
  SmallVector<int64_t> padShape(t.getShape());
  padShape.back() = length - have;
  auto padType = RankedTensorType::get(padShape, t.getElementType());
  Attribute fill =
      t.getElementType().isInteger(1)
          ? Attribute(n.builder.getBoolAttr(false))
          : Attribute(n.builder.getFloatAttr(
                t.getElementType(), -std::numeric_limits<double>::infinity()));
  Value pad = n.constant(SplatElementsAttr::get(padType, fill));
  return n.concat({mask, pad}, t.getRank() - 1);
}

Value keepToAdditive(NodeImporter &n, Value keep, Type floatType, double filter) {
  if (!keep)
    return {};
  Value f = n.cast(keep, floatType);
  Value one = n.scalar(floatType, 1.0);
  return n.create<MulOp>(n.create<SubOp>(one, f), n.scalar(floatType, filter));
}

} // namespace kiln::ops
