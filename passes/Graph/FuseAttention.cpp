//===- FuseAttention.cpp - scaled dot-product attention to kiln.attention ---===//
//
// Anchored at softmax over the last dim of [B, H, S, T] scores. The matcher
// walks outward and peels what exporters put around the core
// softmax(scale * q k^T + mask) v:
//
//   mask   add of a float mask, or Where(cond, scores, -big) / Where(cond,
//          -big, scores) with a boolean condition; an Expand of the mask to
//          the scores' shape is dropped (the op broadcasts).
//   scale  Div/Mul by constants after the product, or on q and/or k^T
//          (PyTorch's scaled_dot_product_attention splits sqrt(scale)).
//   k^T    any value: a transpose that produced it is undone, else one is
//          added; a transpose to [B, H, D, T] while splitting heads becomes
//          a transpose to [B, H, T, D].
//   GQA    K/V repeated as Reshape [B,Hkv,1,T,D] -> Expand -> Reshape.
//   past   K and V concatenated with past keys/values along the sequence.
//   RoPE   kiln.rotary_embedding of q and of the new keys, with one cos/sin.
//
// A constant causal mask becomes the op's `causal` flag when the op is
// canonicalized. Ops outside the core that something else still reads
// (heads split for a `present` output, say) stay.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/AttentionMasks.h"
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEATTENTION
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

/// A Where fill this negative hides its key (see kHiddenBelow in the
/// attention canonicalization).
constexpr double kHiddenFill = -1.0e4;

int64_t dimOf(Value v, unsigned d) {
  return cast<RankedTensorType>(v.getType()).getDimSize(d);
}

Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// How the scores are masked.
struct MaskPart {
  Value value;       // float (added) or i1 (kept where true)
  bool invert = false; // i1 that hides where true: needs a not
};

struct AttentionMatch {
  Value q, k, v;
  double scale = 1.0;
  SmallVector<MaskPart> masks;
  Value pastKey, pastValue, keyConcat, valueConcat;
  Value cos, sin;
  int64_t rotaryDim = 0;
  bool rotaryInterleaved = false;
  Subgraph core;   // must not be read from outside
  Subgraph extras; // erased when dead after the fusion
};

/// Peels scalar multiplications and divisions, folding them into `scale`.
Value peelScale(Value v, double &scale, Subgraph &ops) {
  for (int i = 0; i < 4; ++i) {
    Operation *op = v.getDefiningOp();
    if (auto mul = dyn_cast_or_null<MulOp>(op)) {
      if (auto c = splatValue(mul.getRhs()); c && mul.getType() == mul.getLhs().getType()) {
        scale *= *c;
        ops.add(op);
        v = mul.getLhs();
        continue;
      }
    }
    if (auto div = dyn_cast_or_null<DivOp>(op)) {
      if (auto c = splatValue(div.getRhs());
          c && *c != 0.0 && div.getType() == div.getLhs().getType()) {
        scale /= *c;
        ops.add(op);
        v = div.getLhs();
        continue;
      }
    }
    break;
  }
  return v;
}

/// Drops an Expand that only broadcasts a mask to the scores' shape.
Value peelMaskBroadcast(Value m, Subgraph &extras) {
  if (auto e = def<ExpandOp>(m)) {
    extras.add(e.getOperation());
    return e.getInput();
  }
  return m;
}

/// True when `v` is the q k^T product, scaled and masked at most `depth`
/// times.
std::optional<std::pair<double, Value>> peelSoftcap(Value v, Subgraph &core);

bool reachesProduct(Value v, int depth) {
  double unused = 1;
  Subgraph scratch;
  if (auto sc = peelSoftcap(v, scratch))
    v = sc->second;
  v = peelScale(v, unused, scratch);
  if (def<MatmulOp>(v))
    return true;
  if (depth == 0)
    return false;
  if (auto add = def<AddOp>(v))
    return reachesProduct(add.getLhs(), depth - 1) || reachesProduct(add.getRhs(), depth - 1);
  if (auto w = def<WhereOp>(v))
    return reachesProduct(w.getTrueValue(), depth - 1) ||
           reachesProduct(w.getFalseValue(), depth - 1);
  return false;
}

/// Peels masks off the softmax input; returns what is left (the scores).
Value peelMasks(Value logits, AttentionMatch &m, Miss &why) {
  auto scoreType = cast<RankedTensorType>(logits.getType());
  for (int i = 0; i < 3; ++i) {
    Operation *op = logits.getDefiningOp();
    if (auto add = dyn_cast_or_null<AddOp>(op)) {
      // The scores side is the one that reaches the q k^T product.
      Value scores = add.getLhs(), mask = add.getRhs();
      if (!reachesProduct(scores, 3) && reachesProduct(mask, 3))
        std::swap(scores, mask);
      if (scores.getType() != scoreType || !reachesProduct(scores, 3))
        break;
      m.core.add(op);
      m.masks.push_back({peelMaskBroadcast(mask, m.extras), false});
      logits = scores;
      continue;
    }
    if (auto where = dyn_cast_or_null<WhereOp>(op)) {
      auto fillT = splatValue(where.getTrueValue()), fillF = splatValue(where.getFalseValue());
      bool hideWhenTrue = fillT && *fillT <= kHiddenFill;
      bool hideWhenFalse = fillF && *fillF <= kHiddenFill;
      Value scores = hideWhenTrue ? where.getFalseValue() : where.getTrueValue();
      if ((!hideWhenTrue && !hideWhenFalse) || scores.getType() != scoreType) {
        why = "a Where on the scores does not fill with a large negative constant";
        return {};
      }
      m.core.add(op);
      m.masks.push_back({peelMaskBroadcast(where.getCondition(), m.extras), hideWhenTrue});
      logits = scores;
      continue;
    }
    break;
  }
  return logits;
}

/// [B, H, D, T] -> [B, H, T, D], built at the rewriter's point: undoes the
/// transpose that made `kT` (looking through a concat of past and new keys)
/// or adds one.
Value untransposeKey(RewriterBase &rw, Location loc, Value kT, Subgraph &extras) {
  if (auto t = def<TransposeOp>(kT)) {
    SmallVector<int64_t> perm(t.getPermutation());
    std::swap(perm[2], perm[3]);
    extras.add(t.getOperation());
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i)
      identity &= perm[i] == (int64_t)i;
    return identity ? t.getInput() : TransposeOp::create(rw, loc, t.getInput(), perm);
  }
  if (auto c = def<ConcatOp>(kT); c && c.getAxis() == 3) {
    extras.add(c.getOperation());
    SmallVector<Value> parts;
    for (Value in : c.getInputs())
      parts.push_back(untransposeKey(rw, loc, in, extras));
    return ConcatOp::create(rw, loc, parts, rw.getI64IntegerAttr(2));
  }
  return TransposeOp::create(rw, loc, kT, ArrayRef<int64_t>{0, 1, 3, 2});
}

/// K/V heads repeated for grouped-query attention:
/// reshape(expand(reshape(x -> [B, Hkv, 1, T, D]) -> [B, Hkv, G, T, D]) -> [B, Hkv*G, T, D]).
/// The unrepeated [B, Hkv, T, D] source, or null.
struct Unrepeated {
  Value source; // reshape to `shape` still needed when its type differs
  SmallVector<int64_t> shape;
};
std::optional<Unrepeated> unrepeatHeads(Value kv, Subgraph &extras) {
  auto outer = def<ReshapeOp>(kv);
  auto expand = outer ? def<ExpandOp>(outer.getInput()) : ExpandOp();
  auto inner = expand ? def<ReshapeOp>(expand.getInput()) : ReshapeOp();
  if (!inner)
    return std::nullopt;
  auto in5 = inner.getType(), out5 = expand.getType();
  auto out4 = outer.getType();
  if (in5.getRank() != 5 || out4.getRank() != 4 || in5.getDimSize(2) != 1)
    return std::nullopt;
  int64_t B = in5.getDimSize(0), Hkv = in5.getDimSize(1), T = in5.getDimSize(3),
          D = in5.getDimSize(4), G = out5.getDimSize(2);
  if (out5.getShape() != ArrayRef<int64_t>{B, Hkv, G, T, D} ||
      out4.getShape() != ArrayRef<int64_t>{B, Hkv * G, T, D})
    return std::nullopt;
  extras.add(outer.getOperation());
  extras.add(expand.getOperation());
  extras.add(inner.getOperation());
  return Unrepeated{inner.getInput(), {B, Hkv, T, D}};
}

Value reshapeTo(RewriterBase &rw, Location loc, Value x, ArrayRef<int64_t> shape) {
  while (auto r = def<ReshapeOp>(x))
    x = r.getInput();
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getShape() == shape)
    return x;
  return ReshapeOp::create(rw, loc, RankedTensorType::get(shape, t.getElementType()), x);
}

/// `past ++ new` along the sequence dim, when the concat's readers all come
/// after `before` (they will read the op's present output instead).
bool splitPast(Value kv, Operation *before, const AttentionMatch &m, Value &past,
               Value &cur) {
  auto c = def<ConcatOp>(kv);
  if (!c || c.getAxis() != 2 || c.getInputs().size() != 2)
    return false;
  for (Operation *u : c->getUsers())
    if (u != before && !m.core.contains(u) && !m.extras.contains(u) &&
        u->getBlock() == before->getBlock() &&
        u->isBeforeInBlock(before))
      return false;
  past = c.getInputs()[0];
  cur = c.getInputs()[1];
  return true;
}

/// One mask that hides what either of `a` and `b` hides.
Value combineMasks(RewriterBase &rw, Location loc, Value a, Value b) {
  bool boolA = cast<RankedTensorType>(a.getType()).getElementType().isInteger(1);
  bool boolB = cast<RankedTensorType>(b.getType()).getElementType().isInteger(1);
  if (boolA && boolB)
    return AndOp::create(rw, loc, a, b);
  if (!boolA && !boolB)
    return AddOp::create(rw, loc, a, b);
  Value keep = boolA ? a : b, add = boolA ? b : a;
  auto ft = cast<RankedTensorType>(add.getType());
  auto scalar = RankedTensorType::get({}, ft.getElementType());
  Value hidden = ConstantOp::create(
      rw, loc, DenseElementsAttr::get(scalar, rw.getFloatAttr(ft.getElementType(), -INFINITY)));
  return WhereOp::create(rw, loc, keep, add, hidden);
}

/// Where(max(mask over keys) == -inf, 0, p): zeroes the rows whose keys are
/// all hidden, as ONNX's Attention function does and kiln.attention does
/// anyway. The Where, or null.
WhereOp maskedRowZeroing(Value probs) {
  auto w = dyn_cast_or_null<WhereOp>(onlyUser(probs));
  if (!w || w.getFalseValue() != probs || !isSplat(w.getTrueValue(), 0.0) ||
      w.getType() != probs.getType())
    return {};
  auto cmp = def<CmpOp>(w.getCondition());
  auto max = cmp ? def<ReduceOp>(cmp.getLhs()) : ReduceOp();
  auto inf = cmp ? splatValue(cmp.getRhs()) : std::nullopt;
  if (!max || cmp.getPredicate() != ComparePredicate::eq || !inf || !std::isinf(*inf) ||
      *inf > 0 || max.getKind() != ReduceKind::max || !max.getKeepDims() ||
      max.getAxes() != ArrayRef<int64_t>{max.getInput().getType().getRank() - 1})
    return {};
  return w;
}

/// softcap * tanh(s / softcap): the softcap and s, or nullopt.
std::optional<std::pair<double, Value>> peelSoftcap(Value v, Subgraph &core) {
  auto mul = def<MulOp>(v);
  auto tanh = mul ? def<TanhOp>(mul.getLhs()) : TanhOp();
  auto div = tanh ? def<DivOp>(tanh.getInput()) : DivOp();
  auto c1 = mul ? splatValue(mul.getRhs()) : std::nullopt;
  auto c2 = div ? splatValue(div.getRhs()) : std::nullopt;
  if (!c1 || !c2 || *c1 != *c2 || *c1 <= 0 || div.getType() != mul.getType())
    return std::nullopt;
  core.add(mul.getOperation());
  core.add(tanh.getOperation());
  core.add(div.getOperation());
  return std::make_pair(*c1, div.getLhs());
}

LogicalResult fuseAttention(SoftmaxOp softmax, RewriterBase &rw, Miss &why) {
  AttentionMatch m;
  Value probs = softmax.getResult();
  WhereOp zeroRows = maskedRowZeroing(probs);
  if (zeroRows)
    probs = zeroRows.getResult();
  auto probsUser = dyn_cast_or_null<MatmulOp>(onlyUser(probs));
  if (!probsUser || probsUser.getLhs() != probs ||
      probsUser.getTransposeLhs() || probsUser.getTransposeRhs()) {
    why = "the probabilities are not multiplied by the values alone";
    return failure();
  }
  MatmulOp pv = probsUser;
  m.core.add(softmax.getOperation());
  m.core.add(pv.getOperation());
  if (zeroRows) {
    m.core.add(zeroRows.getOperation());
    m.extras.addDef(zeroRows.getCondition());
    m.extras.addDef(def<CmpOp>(zeroRows.getCondition()).getLhs());
  }

  Value scores = peelMasks(softmax.getInput(), m, why);
  if (!scores)
    return failure();
  if (zeroRows) {
    // The rows zeroed must be those whose mask hides every key.
    Value rowMask = def<ReduceOp>(def<CmpOp>(zeroRows.getCondition()).getLhs()).getInput();
    if (m.masks.size() != 1 || m.masks[0].invert || m.masks[0].value != rowMask) {
      why = "rows are zeroed by a condition other than the mask hiding every key";
      return failure();
    }
  }
  double softcap = 0;
  if (auto sc = peelSoftcap(scores, m.core)) {
    softcap = sc->first;
    scores = sc->second;
  }
  scores = peelScale(scores, m.scale, m.core);
  auto qk = def<MatmulOp>(scores);
  if (!qk || qk.getTransposeLhs()) {
    why = "the scores are not a product q k^T";
    return failure();
  }
  m.core.add(qk.getOperation());
  // Scalings on the operands (scaled_dot_product_attention exports).
  Value q = peelScale(qk.getLhs(), m.scale, m.extras);
  Value kOperand = peelScale(qk.getRhs(), m.scale, m.extras);
  auto qt = cast<RankedTensorType>(q.getType());
  if (qt.getRank() != 4 || pv.getRhs().getType().getRank() != 4 ||
      cast<RankedTensorType>(kOperand.getType()).getRank() != 4) {
    why = "q, k and v are not [batch, heads, seq, head_dim]";
    return failure();
  }
  if (qk.getType().getShape().back() != pv.getRhs().getType().getDimSize(2)) {
    why = "keys and values differ in length";
    return failure();
  }
  {
    // The op needs one batch and key heads that divide the query heads.
    int64_t kb = dimOf(kOperand, 0), kh = dimOf(kOperand, 1);
    int64_t kd = dimOf(kOperand, qk.getTransposeRhs() ? 3 : 2);
    int64_t vb = dimOf(pv.getRhs(), 0), vh = dimOf(pv.getRhs(), 1);
    if (kb != qt.getDimSize(0) || vb != qt.getDimSize(0) || kh != vh || kh <= 0 ||
        qt.getDimSize(1) % kh != 0 || kd != qt.getDimSize(3)) {
      why = "q, k and v do not share batch and head layout";
      return failure();
    }
  }
  Value v = pv.getRhs();
  for (MaskPart &mp : m.masks) {
    auto mt = cast<RankedTensorType>(mp.value.getType());
    Type et = mt.getElementType();
    if (!(et.isInteger(1) || et == qt.getElementType()) ||
        !broadcastsTo(mt.getShape(), softmax.getType().getShape())) {
      why = "a mask is neither boolean nor of the scores' type, or does not broadcast";
      return failure();
    }
  }
  if (m.masks.size() > 2) {
    why = "more than two masks";
    return failure();
  }
  if (Operation *escape = m.core.escapingOp({pv.getResult()})) {
    why = "intermediate '" + escape->getName().getStringRef().str() +
          "' is also read elsewhere";
    return failure();
  }

  // Everything below builds; nothing above touched the IR.
  rw.setInsertionPoint(pv);
  Location loc = pv.getLoc();
  // The keys as [B, H, T, D].
  Value k = qk.getTransposeRhs() ? kOperand : untransposeKey(rw, loc, kOperand, m.extras);
  std::optional<Unrepeated> uk, uv;
  if ((uk = unrepeatHeads(k, m.extras)) && (uv = unrepeatHeads(v, m.extras)) &&
      uk->shape[1] == uv->shape[1]) {
    k = reshapeTo(rw, loc, uk->source, uk->shape);
    v = reshapeTo(rw, loc, uv->source, uv->shape);
  }
  Value pastK, newK, pastV, newV;
  bool withPast = splitPast(k, pv, m, pastK, newK) && splitPast(v, pv, m, pastV, newV) &&
                  dimOf(pastK, 2) ==
                      dimOf(pastV, 2);
  Value keyConcat = k, valueConcat = v;
  if (withPast) {
    m.extras.addDef(k);
    m.extras.addDef(v);
    k = newK;
    v = newV;
  }
  // RoPE on q and on the new keys, with one cos/sin.
  Value cos, sin;
  int64_t rotaryDim = 0;
  bool interleaved = false;
  auto rq = def<RotaryEmbeddingOp>(q), rk = def<RotaryEmbeddingOp>(k);
  if (rq && rk && rq.getCos() == rk.getCos() && rq.getSin() == rk.getSin() &&
      rq.getRotaryDim() == rk.getRotaryDim() &&
      rq.getInterleaved() == rk.getInterleaved() && rq->hasOneUse() && rk->hasOneUse() &&
      dimOf(q, 2) ==
          dimOf(k, 2)) {
    cos = rq.getCos();
    sin = rq.getSin();
    rotaryDim = rq.getRotaryDim();
    interleaved = rq.getInterleaved();
    m.extras.add(rq.getOperation());
    m.extras.add(rk.getOperation());
    q = rq.getInput();
    k = rk.getInput();
  }
  // Masks: a constant causal one becomes the flag; the rest combine.
  int64_t S = qt.getDimSize(2), P = withPast ? dimOf(pastK, 2) : 0;
  int64_t T = P + dimOf(k, 2);
  bool causal = false;
  Value mask;
  SmallVector<const char *> maskKinds;
  for (MaskPart &mp : m.masks) {
    Value part = mp.value;
    if (!mp.invert) {
      if (auto shape = classifyConstantMask(part, S, T, P)) {
        if (shape->hidesNothing)
          continue;
        if (shape->isCausal) {
          causal = true;
          continue;
        }
      }
    }
    maskKinds.push_back(
        cast<RankedTensorType>(part.getType()).getElementType().isInteger(1)
            ? "bool-mask"
            : "additive-mask");
    if (mp.invert)
      part = NotOp::create(rw, loc, part);
    mask = mask ? combineMasks(rw, loc, mask, part) : part;
  }
  SmallVector<Type> presents;
  if (withPast)
    presents = {keyConcat.getType(), valueConcat.getType()};
  auto attn = AttentionOp::create(
      rw, loc, pv.getType(), presents, q, k, v, mask, withPast ? pastK : Value(),
      withPast ? pastV : Value(), cos, sin, rw.getF32FloatAttr((float)m.scale), causal ? rw.getUnitAttr() : UnitAttr(),
      rw.getF32FloatAttr((float)softcap), rw.getI64IntegerAttr(rotaryDim),
      interleaved ? rw.getUnitAttr() : UnitAttr());
  for (Operation *op : m.extras.getOps())
    m.core.add(op);
  SmallVector<Value> outputs = {pv.getResult()};
  if (withPast) {
    outputs.push_back(keyConcat);
    outputs.push_back(valueConcat);
  }
  std::string variant = causal ? "causal" : "";
  for (const char *kind : maskKinds)
    variant += std::string(variant.empty() ? "" : "+") + kind;
  if (variant.empty())
    variant = "unmasked";
  if (uk && uv)
    variant += "+gqa";
  if (withPast)
    variant += "+past";
  if (softcap > 0)
    variant += "+softcap";
  if (cos)
    variant += "+rope";
  commitFusion(rw, m.core, attn, outputs, attn->getResults(), "attention", variant);
  return success();
}

struct FuseAttentionPass : impl::KilnFuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    runFusion<SoftmaxOp>(getOperation(), "attention", {{"sdpa", fuseAttention}},
                         [](SoftmaxOp s) {
                           return s.getType().getRank() == 4 && s.getAxis() == 3;
                         });
    // Fold constant causal masks into the flag, and drop the not/cmp pairs
    // built for inverted boolean masks.
    RewritePatternSet patterns(&getContext());
    AttentionOp::getCanonicalizationPatterns(patterns, &getContext());
    NotOp::getCanonicalizationPatterns(patterns, &getContext());
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};
} // namespace
} // namespace kiln
