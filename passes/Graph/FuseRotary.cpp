//===- FuseRotary.cpp - rotary position embeddings to kiln.rotary_embedding -===//
//
// Two spellings, both anchored at the Concat that reassembles the rotated
// halves:
//
//   half-split (Hugging Face Llama, GPT-NeoX):
//     x * cos + concat(-x[..., D/2:], x[..., :D/2]) * sin
//   with cos/sin of width D whose halves repeat (checked on the constants);
//
//   interleaved (llama2.c, Meta's complex product):
//     p = reshape(x, [.., D/2, 2]); a = p[.., 0]; b = p[.., 1]
//     concat(unsqueeze(a c - b s), unsqueeze(a s + b c), axis = -1)
//   with cos/sin of width D/2.
//
// cos/sin become [B, S, D/2] for the op (reshapes, or a slice of constant
// tables that the weight folder evaluates).
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEROTARY
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// cos/sin broadcast against x [B, H, S, D] read as [B?, S, width]: the
/// shape for the op when their head dim is 1 (or absent).
std::optional<SmallVector<int64_t>> rotaryTableShape(Value c, int64_t width) {
  ArrayRef<int64_t> s = tensorType(c).getShape();
  if (s.empty() || s.back() != width)
    return std::nullopt;
  if (s.size() == 4 && s[1] == 1)
    return SmallVector<int64_t>{s[0], s[2], width};
  if (s.size() == 3 && s[0] == 1)
    return SmallVector<int64_t>{s[1], width};
  if (s.size() == 2)
    return SmallVector<int64_t>{s[0], width};
  return std::nullopt;
}

Value reshapeTo(RewriterBase &rw, Location loc, Value x, ArrayRef<int64_t> shape) {
  auto t = tensorType(x);
  if (t.getShape() == shape)
    return x;
  return ReshapeOp::create(rw, loc, RankedTensorType::get(shape, t.getElementType()), x);
}

/// The value of the constant `v` (dense or blob), when small enough to check.
std::optional<HostTensor> constantValue(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return HostTensor::fromAttr(attr, int64_t(1) << 24, /*readBlobs=*/true);
}

/// True when the last dim of `table` (a constant, or rows gathered from a
/// constant) repeats its first half.
bool halvesRepeat(Value table) {
  if (auto g = def<GatherOp>(table); g && g.getAxis() == 0 &&
                                     g.getData().getType().getRank() == 2)
    table = g.getData();
  auto t = constantValue(table);
  if (!t || t->shape().empty())
    return false;
  int64_t w = t->shape().back(), half = w / 2;
  if (w % 2)
    return false;
  for (int64_t r = 0; r < t->size() / w; ++r)
    for (int64_t i = 0; i < half; ++i)
      if (t->getF(r * w + i) != t->getF(r * w + half + i))
        return false;
  return true;
}

/// The first half of a table's last dim; the weight folder evaluates the
/// slice when the table is constant.
Value firstHalf(RewriterBase &rw, Location loc, Value table) {
  auto t = tensorType(table);
  SmallVector<int64_t> shape(t.getShape()), starts(t.getRank(), 0), steps(t.getRank(), 1);
  shape.back() /= 2;
  auto ht = RankedTensorType::get(shape, t.getElementType());
  if (auto g = def<GatherOp>(table); g && g.getAxis() == 0 &&
                                     g.getData().getType().getRank() == 2) {
    Value data = g.getData();
    auto dt = tensorType(data);
    SmallVector<int64_t> ds(dt.getShape());
    ds.back() /= 2;
    Value half = SliceOp::create(rw, loc, RankedTensorType::get(ds, dt.getElementType()), data,
                                 ArrayRef<int64_t>{0, 0}, ArrayRef<int64_t>{1, 1});
    return GatherOp::create(rw, loc, ht, half, g.getIndices(), g.getAxisAttr());
  }
  return SliceOp::create(rw, loc, ht, table, starts, steps);
}

/// x * cos + rotate_half(x) * sin, anchored at rotate_half's concat.
LogicalResult fuseHalfSplit(ConcatOp cat, RewriterBase &rw, Miss &why) {
  if (cat.getInputs().size() != 2) {
    why = "not a concat of two halves";
    return failure();
  }
  auto neg = def<NegOp>(cat.getInputs()[0]);
  auto hi = neg ? def<SliceOp>(neg.getInput()) : SliceOp();
  auto lo = def<SliceOp>(cat.getInputs()[1]);
  if (!hi || !lo || hi.getInput() != lo.getInput()) {
    why = "not concat(-x[..., D/2:], x[..., :D/2])";
    return failure();
  }
  Value x = lo.getInput();
  auto xt = tensorType(x);
  int64_t rank = xt.getRank(), D = xt.getShape().back(), half = D / 2;
  if (rank != 4 || D % 2 || cat.getType() != xt) {
    why = "the input is not [batch, heads, seq, head_dim] with an even head size";
    return failure();
  }
  auto isHalf = [&](SliceOp s, int64_t start) {
    for (int64_t d = 0; d < rank; ++d)
      if (s.getSteps()[d] != 1 || s.getStarts()[d] != (d == rank - 1 ? start : 0))
        return false;
    return s.getType().getShape().back() == half;
  };
  if (!isHalf(hi, half) || !isHalf(lo, 0)) {
    why = "the halves are not x[..., D/2:] and x[..., :D/2]";
    return failure();
  }
  auto mulSin = dyn_cast_or_null<MulOp>(onlyUser(cat.getResult()));
  auto add = mulSin ? dyn_cast_or_null<AddOp>(onlyUser(mulSin.getResult())) : AddOp();
  if (!add) {
    why = "rotate_half(x) * sin is not added to anything";
    return failure();
  }
  Value sin = otherOperand(mulSin, cat.getResult());
  auto mulCos = def<MulOp>(otherOperand(add, mulSin.getResult()));
  Value cos = mulCos ? otherOperand(mulCos, x) : Value();
  if (!cos || add.getType() != xt) {
    why = "not x * cos + rotate_half(x) * sin";
    return failure();
  }
  auto cosShape = rotaryTableShape(cos, D), sinShape = rotaryTableShape(sin, D);
  if (!cosShape || !sinShape || *cosShape != *sinShape) {
    why = "cos/sin are not [.., seq, head_dim] tables shared by all heads";
    return failure();
  }
  if (!halvesRepeat(cos) || !halvesRepeat(sin)) {
    why = "cos/sin are not constant tables whose halves repeat";
    return failure();
  }
  Subgraph sub;
  for (Operation *op : {neg.getOperation(), hi.getOperation(), lo.getOperation(),
                        cat.getOperation(), mulSin.getOperation(), mulCos.getOperation(),
                        add.getOperation()})
    sub.add(op);
  if (Operation *escape = sub.escapingOp({add.getResult()})) {
    why = "intermediate '" + escape->getName().getStringRef().str() + "' is also read elsewhere";
    return failure();
  }
  rw.setInsertionPoint(add);
  Location loc = add.getLoc();
  SmallVector<int64_t> shape = *cosShape;
  shape.back() = half;
  Value c = reshapeTo(rw, loc, firstHalf(rw, loc, cos), shape);
  Value s = reshapeTo(rw, loc, firstHalf(rw, loc, sin), shape);
  auto rot = RotaryEmbeddingOp::create(rw, loc, xt, x, c, s, rw.getI64IntegerAttr(D),
                                       UnitAttr());
  commitFusion(rw, sub, rot, {add.getResult()}, rot->getResults(), "rotary_embedding",
               "half-split");
  return success();
}

/// reshape(v) that only appends a dim of size 1: its input.
Value dropTrailingUnit(Value v) {
  auto r = def<ReshapeOp>(v);
  if (!r)
    return {};
  ArrayRef<int64_t> in = r.getInput().getType().getShape(), out = r.getType().getShape();
  if (out.size() != in.size() + 1 || out.back() != 1 || out.drop_back() != in)
    return {};
  return r.getInput();
}

/// a*c - b*s and a*s + b*c, anchored at the concat restacking the pairs.
LogicalResult fuseInterleaved(ConcatOp cat, RewriterBase &rw, Miss &why) {
  auto ct = cat.getType();
  if (cat.getInputs().size() != 2 || ct.getRank() != 5 || ct.getShape().back() != 2) {
    why = "not a concat of two [.., D/2, 1] halves";
    return failure();
  }
  Value re = dropTrailingUnit(cat.getInputs()[0]), im = dropTrailingUnit(cat.getInputs()[1]);
  auto sub0 = def<SubOp>(re);
  auto add1 = def<AddOp>(im);
  if (!sub0 || !add1) {
    why = "the parts are not a*c - b*s and a*s + b*c";
    return failure();
  }
  auto ac = def<MulOp>(sub0.getLhs()), bs = def<MulOp>(sub0.getRhs());
  auto p1 = def<MulOp>(add1.getLhs()), p2 = def<MulOp>(add1.getRhs());
  if (!ac || !bs || !p1 || !p2) {
    why = "the parts are not sums of products";
    return failure();
  }
  // a and b: the two gathers of one pair tensor.
  auto pairElement = [](Value v, int64_t which) -> Value {
    auto g = def<GatherOp>(v);
    if (!g || g.getAxis() != 4 || g.getIndices().getType().getRank() != 0 ||
        !isSplat(g.getIndices(), (double)which) || g.getData().getType().getRank() != 5 ||
        g.getData().getType().getShape().back() != 2)
      return {};
    return g.getData();
  };
  Value a, b, c, s;
  for (int i = 0; i < 2 && !a; ++i) {
    Value x0 = ac->getOperand(i);
    if (pairElement(x0, 0)) {
      a = x0;
      c = ac->getOperand(1 - i);
    }
  }
  for (int i = 0; i < 2 && !b; ++i) {
    Value x1 = bs->getOperand(i);
    if (pairElement(x1, 1)) {
      b = x1;
      s = bs->getOperand(1 - i);
    }
  }
  if (!a || !b || pairElement(a, 0) != pairElement(b, 1)) {
    why = "the real and imaginary parts are not gathered from one [.., D/2, 2] tensor";
    return failure();
  }
  // a*s + b*c in either order.
  auto isProduct = [](MulOp m, Value u, Value w) {
    return (m.getLhs() == u && m.getRhs() == w) || (m.getLhs() == w && m.getRhs() == u);
  };
  if (!((isProduct(p1, a, s) && isProduct(p2, b, c)) || (isProduct(p1, b, c) && isProduct(p2, a, s)))) {
    why = "the imaginary part is not a*sin + b*cos";
    return failure();
  }
  Value pairs = pairElement(a, 0);
  auto pr = def<ReshapeOp>(pairs);
  auto pt = tensorType(pairs);
  int64_t half = pt.getDimSize(3), D = 2 * half;
  if (!pr || pr.getInput().getType().getRank() != 4 ||
      pr.getInput().getType().getShape().back() != D) {
    why = "the pairs are not a [batch, heads, seq, head_dim] tensor split in two";
    return failure();
  }
  Value x = pr.getInput();
  auto cosShape = rotaryTableShape(c, half), sinShape = rotaryTableShape(s, half);
  if (!cosShape || !sinShape || *cosShape != *sinShape) {
    why = "cos/sin are not [.., seq, head_dim/2] tables shared by all heads";
    return failure();
  }
  Subgraph sub;
  for (Value v : {cat.getInputs()[0], cat.getInputs()[1], re, im, a, b, Value(ac.getResult()),
                  Value(bs.getResult()), Value(p1.getResult()), Value(p2.getResult())})
    sub.addDef(v);
  sub.add(cat.getOperation());
  if (Operation *escape = sub.escapingOp({cat.getResult()})) {
    why = "intermediate '" + escape->getName().getStringRef().str() + "' is also read elsewhere";
    return failure();
  }
  sub.add(pr.getOperation()); // dies unless read elsewhere
  rw.setInsertionPoint(cat);
  Location loc = cat.getLoc();
  auto rot = RotaryEmbeddingOp::create(rw, loc, x.getType(), x,
                                       reshapeTo(rw, loc, c, *cosShape),
                                       reshapeTo(rw, loc, s, *sinShape),
                                       rw.getI64IntegerAttr(D), rw.getUnitAttr());
  Value back = reshapeTo(rw, loc, rot.getResult(), ct.getShape());
  commitFusion(rw, sub, rot, {cat.getResult()}, back, "rotary_embedding", "interleaved");
  return success();
}

struct FuseRotaryPass : impl::KilnFuseRotaryBase<FuseRotaryPass> {
  void runOnOperation() override {
    runFusion<ConcatOp>(getOperation(), "rotary_embedding",
                        {{"half-split", fuseHalfSplit}, {"interleaved", fuseInterleaved}},
                        [](ConcatOp c) {
                          int64_t rank = c.getType().getRank();
                          if (c.getInputs().size() != 2 || (int64_t)c.getAxis() != rank - 1 ||
                              !isa<FloatType>(c.getType().getElementType()))
                            return false;
                          // rotate_half, or the restacking of rotated pairs
                          return def<NegOp>(c.getInputs()[0]) ||
                                 (rank == 5 && def<SubOp>(dropTrailingUnit(c.getInputs()[0])));
                        });
  }
};
} // namespace
} // namespace kiln
