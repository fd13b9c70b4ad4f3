//===- Attention.cpp - ONNX opset-23 Attention and RotaryEmbedding ----------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/ops/AttentionHelpers.h"
#include "compiler/importer/ops/OpBuilders.h"

#include <cmath>

using namespace mlir;

namespace kiln::ops {

Check checkAttention(const onnx::NodeProto &node, int64_t) {
  if (node.output_size() > 3 && !node.output(3).empty())
    return std::string("the qk_matmul_output output is not supported");
  if (node.input_size() > 6 && !node.input(6).empty())
    return std::string("the nonpad_kv_seqlen input is not supported");
  return std::nullopt;
}

LogicalResult importAttention(NodeImporter &n) {
  RankedTensorType qt = n.inputType(0);
  if (!qt)
    return failure();
  Value q = n.input(0), k = n.input(1), v = n.input(2);
  bool is3d = qt.getRank() == 3;
  if (is3d) {
    int64_t qHeads = n.attrInt("q_num_heads", 0);
    int64_t kvHeads = n.attrInt("kv_num_heads", 0);
    if (qHeads <= 0 || kvHeads <= 0)
      return n.fail("3-D inputs need q_num_heads and kv_num_heads");
    q = splitHeads(n, q, qHeads);
    k = splitHeads(n, k, kvHeads);
    v = splitHeads(n, v, kvHeads);
  }
  if (!q || !k || !v)
    return failure();
  int64_t headSize = cast<RankedTensorType>(q.getType()).getDimSize(3);
  double scale = n.hasAttr("scale") ? n.attrFloat("scale", 1.0f)
                                    : 1.0 / std::sqrt((double)headSize);
  Value pastKey = n.optionalInput(4), pastValue = n.optionalInput(5);
  int64_t total = cast<RankedTensorType>(k.getType()).getDimSize(2) +
                  (pastKey ? cast<RankedTensorType>(pastKey.getType()).getDimSize(2) : 0);
  Value mask = n.optionalInput(3);
  if (mask) {
    auto mt = cast<RankedTensorType>(mask.getType());
    if (!mt.getElementType().isInteger(1))
      mask = n.cast(mask, qt.getElementType());
    mask = padMaskTo(n, mask, total);
  }
  bool wantPresents = n.wantsOutput(1) || n.wantsOutput(2);
  AttentionValues r =
      buildAttention(n, q, k, v, mask, pastKey, pastValue, scale,
                     n.attrInt("is_causal", 0) != 0, n.attrFloat("softcap", 0.0f),
                     wantPresents);
  Value y = is3d ? mergeHeads(n, r.output) : r.output;
  if (failed(n.setOutput(0, y)))
    return failure();
  if (wantPresents &&
      (failed(n.setOutput(1, r.presentKey)) || failed(n.setOutput(2, r.presentValue))))
    return failure();
  return success();
}

LogicalResult importRotaryEmbedding(NodeImporter &n) {
  RankedTensorType xt = n.inputType(0);
  if (!xt)
    return failure();
  Value x = n.input(0);
  bool is3d = xt.getRank() == 3;
  if (is3d) {
    int64_t heads = n.attrInt("num_heads", 0);
    if (heads <= 0)
      return n.fail("3-D input needs num_heads");
    x = splitHeads(n, x, heads);
  } else if (xt.getRank() != 4) {
    return n.fail("input must be 3-D or 4-D");
  }
  if (!x)
    return failure();
  Value cos = n.input(1), sin = n.input(2);
  if (Value positions = n.optionalInput(3)) {
    cos = n.create<GatherOp>(cos, positions, 0);
    sin = n.create<GatherOp>(sin, positions, 0);
  }
  int64_t headSize = cast<RankedTensorType>(x.getType()).getDimSize(3);
  int64_t rotaryDim = n.attrInt("rotary_embedding_dim", 0);
  if (rotaryDim == 0)
    rotaryDim = headSize;
  Value y = n.createTyped<RotaryEmbeddingOp>(x.getType(), x, cos, sin, rotaryDim,
                                             n.attrInt("interleaved", 0) != 0);
  return n.setOutput(0, is3d ? mergeHeads(n, y) : y);
}

} // namespace kiln::ops
