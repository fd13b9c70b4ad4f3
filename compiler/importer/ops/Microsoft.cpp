//===- Microsoft.cpp - com.microsoft ops from ONNX Runtime's optimizer ------===//
//
// ORT's offline transformer optimizer fuses exported subgraphs into these
// contrib ops. Kiln imports them back into its own ops, so an optimized model
// compiles as well as the raw export.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/ops/AttentionHelpers.h"
#include "compiler/importer/ops/OpBuilders.h"

#include "dialects/kiln/ShapeRules.h"

#include <cmath>

using namespace mlir;

namespace kiln::ops {

static int64_t dim(Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.getDimSize(d < 0 ? d + t.getRank() : d);
}

/// ORT's mask_index (and MultiHeadAttention's key_padding_mask) as an
/// additive mask broadcastable to [B, N, S, T].
static Value maskIndexToAdditive(NodeImporter &n, Value mask, Type floatType,
                                 int64_t batch, int64_t seq, int64_t past,
                                 int64_t total, double filter) {
  if (!mask)
    return {};
  auto mt = cast<RankedTensorType>(mask.getType());
  switch (mt.getRank()) {
  case 1: {
    if (mt.getDimSize(0) != batch)
      return n.error("1-D mask_index with start positions ([2 * batch]) is not "
                     "supported");
    // Right padding: keys at or past end[b] are masked.
    HostTensor iota(n.builder.getI64Type(), {1, total});
    for (int64_t j = 0; j < total; ++j)
      iota.setI(j, j);
    Value ends = n.reshape(n.cast(mask, n.builder.getI64Type()), {batch, 1});
    Value keep = n.compare(ComparePredicate::lt, n.constant(iota.toAttr()), ends);
    return n.reshape(keepToAdditive(n, keep, floatType, filter),
                     {batch, 1, 1, total});
  }
  case 2: // [B, T] of 1 = keep
    return n.reshape(keepToAdditive(n, mask, floatType, filter),
                     {batch, 1, 1, mt.getDimSize(1)});
  case 3: // [B, S, T]
    return n.reshape(keepToAdditive(n, mask, floatType, filter),
                     {batch, 1, mt.getDimSize(1), mt.getDimSize(2)});
  case 4: { // Megatron: [B, 1, max, max]; rows past..past+S, columns 0..T
    Value rows = n.sliceAxis(mask, 2, past, seq);
    Value cols = n.sliceAxis(rows, 3, 0, total);
    return keepToAdditive(n, cols, floatType, filter);
  }
  default:
    return n.error("mask of rank " + llvm::Twine(mt.getRank()) +
                   " is not supported");
  }
}

Check checkMsAttention(const onnx::NodeProto &node, int64_t) {
  if (attrInt(node, "do_rotary", 0))
    return std::string("do_rotary = 1 is not supported");
  if (attrInt(node, "past_present_share_buffer", 0))
    return std::string("past_present_share_buffer = 1 is not supported");
  if (node.input_size() > 6 && !node.input(6).empty())
    return std::string("the past_sequence_length input is not supported");
  return std::nullopt;
}

LogicalResult importMsAttention(NodeImporter &n) {
  Value input = n.input(0), weights = n.input(1);
  if (!input || !weights)
    return failure();
  int64_t heads = n.attrInt("num_heads", 0);
  if (heads <= 0)
    return n.fail("num_heads must be positive");
  int64_t batch = dim(input, 0), seq = dim(input, 1);
  int64_t all = dim(weights, 1);
  SmallVector<int64_t> sizes = {all / 3, all / 3, all / 3};
  if (auto s = n.attrInts("qkv_hidden_sizes"); s && !s->empty()) {
    if (s->size() != 3)
      return n.fail("qkv_hidden_sizes must have 3 entries");
    sizes = *s;
  }
  if (sizes[0] + sizes[1] + sizes[2] != all)
    return n.fail("weights have " + llvm::Twine(all) +
                  " columns, not the sum of the q/k/v sizes");
  Value qkv = n.matmul(input, weights);
  if (Value bias = n.optionalInput(2))
    qkv = n.create<AddOp>(qkv, bias);
  Value q = splitHeads(n, n.sliceAxis(qkv, 2, 0, sizes[0]), heads);
  Value k = splitHeads(n, n.sliceAxis(qkv, 2, sizes[0], sizes[1]), heads);
  Value v = splitHeads(n, n.sliceAxis(qkv, 2, sizes[0] + sizes[1], sizes[2]), heads);
  if (!q || !k || !v)
    return failure();

  Value pastKey, pastValue;
  int64_t pastLen = 0;
  if (Value past = n.optionalInput(4)) {
    auto pt = cast<RankedTensorType>(past.getType());
    if (pt.getRank() != 5 || pt.getDimSize(0) != 2)
      return n.fail("past must be [2, batch, heads, past_len, head_size]");
    SmallVector<int64_t> one(pt.getShape().drop_front());
    pastKey = n.reshape(n.sliceAxis(past, 0, 0, 1), one);
    pastValue = n.reshape(n.sliceAxis(past, 0, 1, 1), one);
    pastLen = pt.getDimSize(3);
  }
  int64_t total = pastLen + seq;
  Type ft = cast<RankedTensorType>(input.getType()).getElementType();
  double filter = n.attrFloat("mask_filter_value", -10000.0f);
  Value mask = maskIndexToAdditive(n, n.optionalInput(3), ft, batch, seq,
                                   pastLen, total, filter);
  if (Value bias = n.optionalInput(5))
    mask = mask ? n.create<AddOp>(mask, bias) : bias;
  if (n.hadError())
    return failure();
  double scale = n.attrFloat("scale", 0.0f);
  if (scale == 0.0)
    scale = 1.0 / std::sqrt((double)dim(q, 3));
  bool wantPresent = n.wantsOutput(1);
  AttentionValues r =
      buildAttention(n, q, k, v, mask, pastKey, pastValue, scale,
                     n.attrInt("unidirectional", 0) != 0, 0.0, wantPresent);
  if (failed(n.setOutput(0, mergeHeads(n, r.output))))
    return failure();
  if (wantPresent) {
    if (!r.presentKey)
      return failure();
    SmallVector<int64_t> one(cast<RankedTensorType>(r.presentKey.getType()).getShape());
    one.insert(one.begin(), 1);
    Value pk = n.reshape(r.presentKey, one), pv = n.reshape(r.presentValue, one);
    return n.setOutput(1, n.concat({pk, pv}, 0));
  }
  return success();
}

LogicalResult importMsMultiHeadAttention(NodeImporter &n) {
  Value query = n.input(0);
  if (!query)
    return failure();
  int64_t heads = n.attrInt("num_heads", 0);
  if (heads <= 0)
    return n.fail("num_heads must be positive");
  if (cast<RankedTensorType>(query.getType()).getRank() != 3)
    return n.fail("packed query layouts are not supported");
  Value key = n.input(1), value = n.input(2);
  if (!key || !value)
    return n.fail("packed key/value layouts are not supported");
  int64_t batch = dim(query, 0), seq = dim(query, 1);
  if (Value bias = n.optionalInput(3)) {
    int64_t dq = dim(query, 2), dk = dim(key, -1), dv = dim(value, -1);
    if (cast<RankedTensorType>(key.getType()).getRank() != 3)
      return n.fail("bias with 4-D key/value is not supported");
    dk = dim(key, 2);
    dv = dim(value, 2);
    query = n.create<AddOp>(query, n.sliceAxis(bias, 0, 0, dq));
    key = n.create<AddOp>(key, n.sliceAxis(bias, 0, dq, dk));
    value = n.create<AddOp>(value, n.sliceAxis(bias, 0, dq + dk, dv));
  }
  Value q = splitHeads(n, query, heads);
  // Keys and values come as [B, L, N*H], or already split as [B, N, L, H].
  auto split = [&](Value x) {
    return cast<RankedTensorType>(x.getType()).getRank() == 4
               ? x
               : splitHeads(n, x, heads);
  };
  Value k = split(key), v = split(value);
  if (!q || !k || !v)
    return failure();
  Value pastKey = n.optionalInput(6), pastValue = n.optionalInput(7);
  int64_t pastLen = pastKey ? dim(pastKey, 2) : 0;
  int64_t total = pastLen + dim(k, 2);
  Type ft = cast<RankedTensorType>(query.getType()).getElementType();
  double filter = n.attrFloat("mask_filter_value", -10000.0f);
  Value mask = maskIndexToAdditive(n, n.optionalInput(4), ft, batch, seq,
                                   pastLen, total, filter);
  if (Value bias = n.optionalInput(5))
    mask = mask ? n.create<AddOp>(mask, bias) : bias;
  if (n.hadError())
    return failure();
  double scale = n.attrFloat("scale", 0.0f);
  if (scale == 0.0)
    scale = 1.0 / std::sqrt((double)dim(q, 3));
  bool wantPresents = n.wantsOutput(1) || n.wantsOutput(2);
  AttentionValues r =
      buildAttention(n, q, k, v, mask, pastKey, pastValue, scale,
                     n.attrInt("unidirectional", 0) != 0, 0.0, wantPresents);
  if (failed(n.setOutput(0, mergeHeads(n, r.output))))
    return failure();
  if (wantPresents &&
      (failed(n.setOutput(1, r.presentKey)) || failed(n.setOutput(2, r.presentValue))))
    return failure();
  return success();
}

Check checkMsGroupQueryAttention(const onnx::NodeProto &node, int64_t) {
  if (attrInt(node, "local_window_size", -1) != -1)
    return std::string("local_window_size (sliding-window attention) is not "
                       "supported");
  if (attrInt(node, "smooth_softmax", 0))
    return std::string("smooth_softmax = 1 is not supported");
  if (node.input_size() > 10 && !node.input(10).empty())
    return std::string("the attention_bias input is not supported");
  return std::nullopt;
}

/// cos/sin rows for positions past..past+S, as [1, S, rd/2].
static std::pair<Value, Value> rotaryRows(NodeImporter &n, Value cosCache,
                                          Value sinCache, int64_t past,
                                          int64_t seq) {
  HostTensor pos(n.builder.getI64Type(), {1, seq});
  for (int64_t i = 0; i < seq; ++i)
    pos.setI(i, past + i);
  Value p = n.constant(pos.toAttr());
  return {n.create<GatherOp>(cosCache, p, 0), n.create<GatherOp>(sinCache, p, 0)};
}

LogicalResult importMsGroupQueryAttention(NodeImporter &n) {
  Value query = n.input(0);
  if (!query)
    return failure();
  int64_t heads = n.attrInt("num_heads", 0), kvHeads = n.attrInt("kv_num_heads", 0);
  if (heads <= 0 || kvHeads <= 0)
    return n.fail("num_heads and kv_num_heads must be positive");
  int64_t seq = dim(query, 1);
  Value key = n.optionalInput(1), value = n.optionalInput(2);
  if (!key) {
    // Packed QKV: [B, S, (N + 2 * Nkv) * H]
    int64_t headSize = dim(query, 2) / (heads + 2 * kvHeads);
    Value packed = query;
    query = n.sliceAxis(packed, 2, 0, heads * headSize);
    key = n.sliceAxis(packed, 2, heads * headSize, kvHeads * headSize);
    value = n.sliceAxis(packed, 2, (heads + kvHeads) * headSize, kvHeads * headSize);
  }
  Value q = splitHeads(n, query, heads);
  Value k = splitHeads(n, key, kvHeads), v = splitHeads(n, value, kvHeads);
  if (!q || !k || !v)
    return failure();
  Value pastKey = n.optionalInput(3), pastValue = n.optionalInput(4);
  int64_t pastLen = pastKey ? dim(pastKey, 2) : 0;
  if (n.hasInput(6)) {
    auto total = n.constantInts(6, "total_sequence_length");
    if (!total)
      return failure();
    if (total->size() != 1 || (*total)[0] != pastLen + seq)
      return n.fail("total_sequence_length must equal past + new length (" +
                    llvm::Twine(pastLen + seq) +
                    "); a shared past/present buffer is not supported");
  }
  if (n.attrInt("do_rotary", 0)) {
    auto [cos, sin] =
        rotaryRows(n, n.input(7), n.input(8), pastLen, seq);
    int64_t rd = 2 * dim(n.input(7), 1);
    bool inter = n.attrInt("rotary_interleaved", 0) != 0;
    q = n.createTyped<RotaryEmbeddingOp>(q.getType(), q, cos, sin, rd, inter);
    k = n.createTyped<RotaryEmbeddingOp>(k.getType(), k, cos, sin, rd, inter);
  }
  double scale = n.attrFloat("scale", 0.0f);
  if (scale == 0.0)
    scale = 1.0 / std::sqrt((double)dim(q, 3));
  bool wantPresents = n.wantsOutput(1) || n.wantsOutput(2);
  AttentionValues r = buildAttention(n, q, k, v, Value(), pastKey, pastValue,
                                     scale, /*causal=*/true,
                                     n.attrFloat("softcap", 0.0f), wantPresents);
  if (failed(n.setOutput(0, mergeHeads(n, r.output))))
    return failure();
  if (wantPresents &&
      (failed(n.setOutput(1, r.presentKey)) || failed(n.setOutput(2, r.presentValue))))
    return failure();
  return success();
}

Check checkMsRotaryEmbedding(const onnx::NodeProto &node, int64_t) {
  if (attrInt(node, "is_packed_batching", 0))
    return std::string("is_packed_batching = 1 is not supported");
  if (attrFloat(node, "scale", 1.0f) != 1.0f)
    return std::string("scale != 1 is not supported");
  return std::nullopt;
}

LogicalResult importMsRotaryEmbedding(NodeImporter &n) {
  Value x = n.input(0), positions = n.input(1), cosCache = n.input(2),
        sinCache = n.input(3);
  if (!x || !positions || !cosCache || !sinCache)
    return failure();
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t half = dim(cosCache, 1);
  int64_t rotaryDim = n.attrInt("rotary_embedding_dim", 0);
  if (rotaryDim == 0)
    rotaryDim = 2 * half;
  bool is3d = xt.getRank() == 3;
  if (is3d) {
    int64_t heads = n.attrInt("num_heads", 0);
    if (heads <= 0)
      heads = xt.getDimSize(2) / (2 * half);
    x = splitHeads(n, x, heads);
  } else if (xt.getRank() != 4) {
    return n.fail("input must be 3-D or 4-D");
  }
  if (!x)
    return failure();
  int64_t seq = dim(x, 2);
  Value cos, sin;
  auto pt = cast<RankedTensorType>(positions.getType());
  if (pt.getRank() == 1 && pt.getDimSize(0) == 1) {
    // A single offset: positions offset..offset+S.
    auto offset = n.constantInts(1, "the position offset");
    if (!offset)
      return failure();
    std::tie(cos, sin) = rotaryRows(n, cosCache, sinCache, (*offset)[0], seq);
  } else {
    cos = n.create<GatherOp>(cosCache, positions, 0);
    sin = n.create<GatherOp>(sinCache, positions, 0);
  }
  Value y = n.createTyped<RotaryEmbeddingOp>(x.getType(), x, cos, sin, rotaryDim,
                                             n.attrInt("interleaved", 0) != 0);
  return n.setOutput(0, is3d ? mergeHeads(n, y) : y);
}

/// input + skip (+ bias), the residual sum the skip norms start from.
static Value skipSum(NodeImporter &n, size_t biasInput) {
  Value sum = n.create<AddOp>(n.input(0), n.input(1));
  if (Value bias = n.optionalInput(biasInput))
    sum = n.create<AddOp>(sum, bias);
  return sum;
}

LogicalResult importMsSkipLayerNormalization(NodeImporter &n) {
  Value sum = skipSum(n, 4);
  if (!sum)
    return failure();
  int64_t axis = cast<RankedTensorType>(sum.getType()).getRank() - 1;
  Value y = n.layerNorm(sum, n.input(2), n.optionalInput(3), axis,
                        n.attrFloat("epsilon", 1e-12f));
  if (n.wantsOutput(1) || n.wantsOutput(2))
    return n.fail("the mean and inv_std_var outputs are not supported");
  if (failed(n.setOutput(0, y)))
    return failure();
  return n.wantsOutput(3) ? n.setOutput(3, sum) : success();
}

LogicalResult importMsSkipSimplifiedLayerNormalization(NodeImporter &n) {
  Value sum = skipSum(n, 3);
  if (!sum)
    return failure();
  int64_t axis = cast<RankedTensorType>(sum.getType()).getRank() - 1;
  Value y = n.rmsNorm(sum, n.input(2), axis, n.attrFloat("epsilon", 1e-12f));
  if (n.wantsOutput(1) || n.wantsOutput(2))
    return n.fail("the mean and inv_std_var outputs are not supported");
  if (failed(n.setOutput(0, y)))
    return failure();
  return n.wantsOutput(3) ? n.setOutput(3, sum) : success();
}

LogicalResult importMsSimplifiedLayerNormalization(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in)
    return failure();
  auto a = n.axis(n.attrInt("axis", -1), in.getRank());
  if (!a)
    return failure();
  if (n.wantsOutput(1))
    return n.fail("the inv_std_var output is not supported");
  return n.setOutput(0, n.rmsNorm(n.input(0), n.input(1), *a,
                                  n.attrFloat("epsilon", 1e-5f)));
}

LogicalResult importMsEmbedLayerNormalization(NodeImporter &n) {
  Value ids = n.input(0), words = n.input(2), positions = n.input(3);
  if (!ids || !words || !positions)
    return failure();
  int64_t batch = dim(ids, 0), seq = dim(ids, 1);
  Value sum = n.create<GatherOp>(words, ids, 0);
  Value posIds = n.optionalInput(8);
  if (!posIds) {
    HostTensor iota(n.builder.getI64Type(), {1, seq});
    for (int64_t i = 0; i < seq; ++i)
      iota.setI(i, i);
    posIds = n.constant(iota.toAttr());
  }
  sum = n.create<AddOp>(sum, n.create<GatherOp>(positions, posIds, 0));
  if (Value segIds = n.optionalInput(1)) {
    Value segTable = n.input(4);
    sum = n.create<AddOp>(sum, n.create<GatherOp>(segTable, segIds, 0));
  }
  if (!sum)
    return failure();
  Value y = n.layerNorm(sum, n.input(5), n.optionalInput(6), 2,
                        n.attrFloat("epsilon", 1e-12f));
  if (failed(n.setOutput(0, y)))
    return failure();
  if (n.wantsOutput(1)) {
    // mask_index: the number of kept tokens per sequence.
    Value maskIndex;
    auto i32 = n.builder.getIntegerType(32);
    if (Value mask = n.optionalInput(7))
      maskIndex = n.reduce(ReduceKind::sum, n.cast(mask, i32), {1}, false);
    else
      maskIndex = n.constant(SplatElementsAttr::get(
          RankedTensorType::get({batch}, i32), n.builder.getI32IntegerAttr(0)));
    if (failed(n.setOutput(1, maskIndex)))
      return failure();
  }
  return n.wantsOutput(2) ? n.setOutput(2, sum) : success();
}

LogicalResult importMsBiasGelu(NodeImporter &n) {
  return n.setOutput(0, n.gelu(n.create<AddOp>(n.input(0), n.input(1)),
                               GeluApproximation::none));
}

LogicalResult importMsFastGelu(NodeImporter &n) {
  Value x = n.input(0);
  if (Value bias = n.optionalInput(1))
    x = n.create<AddOp>(x, bias);
  return n.setOutput(0, n.gelu(x, GeluApproximation::tanh));
}

LogicalResult importMsGelu(NodeImporter &n) {
  return n.setOutput(0, n.gelu(n.input(0), GeluApproximation::none));
}

LogicalResult importMsQuickGelu(NodeImporter &n) {
  Value x = n.input(0);
  if (!x)
    return failure();
  Value ax = n.create<MulOp>(x, n.scalarLike(x, n.attrFloat("alpha", 1.702f)));
  return n.setOutput(0, n.create<MulOp>(x, n.createTyped<SigmoidOp>(x.getType(), ax)));
}

LogicalResult importMsGemmFastGelu(NodeImporter &n) {
  Value y = n.matmul(n.input(0), n.input(1));
  if (Value bias = n.optionalInput(2))
    y = n.create<AddOp>(y, bias);
  return n.setOutput(0, n.gelu(y, GeluApproximation::tanh));
}

LogicalResult importMsBiasAdd(NodeImporter &n) {
  Value y = n.create<AddOp>(n.create<AddOp>(n.input(0), n.input(1)), n.input(2));
  return n.setOutput(0, y);
}

Check checkMsFusedMatMul(const onnx::NodeProto &node, int64_t) {
  if (attrInt(node, "transBatchA", 0) || attrInt(node, "transBatchB", 0))
    return std::string("transBatchA/transBatchB are not supported");
  return std::nullopt;
}

LogicalResult importMsFusedMatMul(NodeImporter &n) {
  Value y = n.matmul(n.input(0), n.input(1), n.attrInt("transA", 0) != 0,
                     n.attrInt("transB", 0) != 0);
  double alpha = n.attrFloat("alpha", 1.0f);
  if (alpha != 1.0)
    y = n.create<MulOp>(y, n.scalarLike(y, alpha));
  return n.setOutput(0, y);
}

LogicalResult importMsMatMulIntegerToFloat(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1), aScale = n.input(2), bScale = n.input(3);
  if (!a || !b || !aScale || !bScale)
    return failure();
  Value acc = matmulInteger(n, a, b, zeroPointOr0(n, 4, a), zeroPointOr0(n, 5, b));
  Type ft = cast<RankedTensorType>(aScale.getType()).getElementType();
  Value y = n.create<MulOp>(n.cast(acc, ft), n.create<MulOp>(aScale, bScale));
  if (Value bias = n.optionalInput(6))
    y = n.create<AddOp>(y, bias);
  return n.setOutput(0, y);
}

LogicalResult importMsDynamicQuantizeMatMul(NodeImporter &n) {
  Value a = n.input(0), b = n.input(1), bScale = n.input(2);
  if (!a || !b || !bScale)
    return failure();
  auto at = cast<RankedTensorType>(a.getType());
  auto u8 = IntegerType::get(n.context(), 8, IntegerType::Unsigned);
  auto f32 = n.builder.getF32Type();
  auto op = DynamicQuantizeLinearOp::create(
      n.builder, n.loc, at.clone(u8), RankedTensorType::get({}, f32),
      RankedTensorType::get({}, u8), a);
  if (!n.finishMulti(op))
    return failure();
  Value acc = matmulInteger(n, op.getResult(), b, op.getZeroPoint(),
                            zeroPointOr0(n, 3, b));
  Value y = n.create<MulOp>(n.cast(acc, f32),
                            n.create<MulOp>(op.getScale(), bScale));
  if (Value bias = n.optionalInput(4))
    y = n.create<AddOp>(y, bias);
  return n.setOutput(0, y);
}

} // namespace kiln::ops
