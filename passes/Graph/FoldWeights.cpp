//===- FoldWeights.cpp - evaluate weight-only subgraphs at compile time ------===//
//
// The ops' folders handle small dense constants as they are built, but leave
// weight blobs alone (folding them into uniqued attributes would copy every
// weight into the context). This pass evaluates the ops whose operands are
// all constant and at least one a blob, and writes the result as a new blob:
// a transposed or scaled weight, a cast of fp16 weights, the rows of a
// position table that constant positions select, a constant mask built from
// tables. Arithmetic runs in double and rounds once to the result type.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFOLDWEIGHTS
#include "passes/Passes.h.inc"

namespace {

/// Blobs of up to this many elements are read for evaluation (8 bytes each
/// on the host while folding).
constexpr int64_t kMaxElements = int64_t(1) << 26;
/// Results with more elements than this become blobs, like the importer's.
constexpr int64_t kInlineElements = 64;

/// Visits `out` and the matching linear index of `in` under a permutation.
void forEachTransposed(ArrayRef<int64_t> outShape, ArrayRef<int64_t> inShape,
                       ArrayRef<int64_t> perm,
                       function_ref<void(int64_t, int64_t)> fn) {
  SmallVector<int64_t> inStrides = stridesOf(inShape), strides;
  for (int64_t p : perm)
    strides.push_back(inStrides[p]);
  SmallVector<int64_t> idx(outShape.size(), 0);
  int64_t total = staticNumElements(outShape).value_or(0);
  for (int64_t r = 0; r < total; ++r) {
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d)
      src += idx[d] * strides[d];
    fn(r, src);
    for (int64_t d = (int64_t)idx.size() - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
}

using Host = std::optional<HostTensor>;

Host evalBinary(Operation *op, const HostTensor &a, const HostTensor &b,
                RankedTensorType rt) {
  HostTensor out(rt.getElementType(), rt.getShape());
  bool isFloat = out.isFloat();
  std::function<double(double, double)> f;
  std::function<int64_t(int64_t, int64_t)> g;
  if (isa<AddOp>(op)) {
    f = [](double x, double y) { return x + y; };
    g = [](int64_t x, int64_t y) { return x + y; };
  } else if (isa<SubOp>(op)) {
    f = [](double x, double y) { return x - y; };
    g = [](int64_t x, int64_t y) { return x - y; };
  } else if (isa<MulOp>(op)) {
    f = [](double x, double y) { return x * y; };
    g = [](int64_t x, int64_t y) { return x * y; };
  } else if (isa<DivOp>(op) && isFloat) {
    f = [](double x, double y) { return x / y; };
  } else if (isa<MaxOp>(op)) {
    f = [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y); };
    g = [](int64_t x, int64_t y) { return std::max(x, y); };
  } else if (isa<MinOp>(op)) {
    f = [](double x, double y) { return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y); };
    g = [](int64_t x, int64_t y) { return std::min(x, y); };
  } else if (isa<PowOp>(op) && isFloat) {
    f = [](double x, double y) { return std::pow(x, y); };
  } else {
    return std::nullopt;
  }
  forEachBroadcastIndex(rt.getShape(), {a.shape(), b.shape()},
                        [&](int64_t r, ArrayRef<int64_t> in) {
                          if (isFloat)
                            out.setF(r, f(a.getF(in[0]), b.getF(in[1])));
                          else
                            out.setI(r, g(a.getI(in[0]), b.getI(in[1])));
                        });
  return out;
}

Host evalUnary(Operation *op, const HostTensor &a, RankedTensorType rt) {
  if (!a.isFloat() && !isa<NegOp, CastOp>(op))
    return std::nullopt;
  std::function<double(double)> f =
      llvm::TypeSwitch<Operation *, std::function<double(double)>>(op)
          .Case([](NegOp) { return [](double x) { return -x; }; })
          .Case([](SqrtOp) { return [](double x) { return std::sqrt(x); }; })
          .Case([](ExpOp) { return [](double x) { return std::exp(x); }; })
          .Case([](CosOp) { return [](double x) { return std::cos(x); }; })
          .Case([](SinOp) { return [](double x) { return std::sin(x); }; })
          .Case([](ReciprocalOp) { return [](double x) { return 1.0 / x; }; })
          .Default([](Operation *) { return nullptr; });
  HostTensor out(rt.getElementType(), rt.getShape());
  if (isa<CastOp>(op)) {
    // Float to integer truncates toward zero; to i1 tests for non-zero.
    bool toBool = rt.getElementType().isInteger(1);
    for (int64_t i = 0; i < out.size(); ++i) {
      if (!a.isFloat())
        out.setI(i, toBool ? a.getI(i) != 0 : a.getI(i));
      else if (out.isFloat())
        out.setF(i, a.getF(i));
      else if (toBool)
        out.setI(i, a.getF(i) != 0.0);
      else
        out.setI(i, (int64_t)std::trunc(a.getF(i)));
    }
    return out;
  }
  if (!f)
    return std::nullopt;
  for (int64_t i = 0; i < out.size(); ++i)
    out.setF(i, a.isFloat() ? f(a.getF(i)) : f((double)a.getI(i)));
  return out;
}

/// Evaluates `op` on constant operands; nullopt for ops it does not know.
Host evaluate(Operation *op, ArrayRef<HostTensor> in) {
  auto rt = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!rt || !rt.hasStaticShape())
    return std::nullopt;
  auto same = [&](const HostTensor &t) {
    HostTensor out(rt.getElementType(), rt.getShape());
    for (int64_t i = 0; i < out.size(); ++i)
      out.copyElement(i, t, i);
    return out;
  };
  if (isa<ReshapeOp>(op))
    return same(in[0]);
  if (auto t = dyn_cast<TransposeOp>(op)) {
    HostTensor out(rt.getElementType(), rt.getShape());
    forEachTransposed(rt.getShape(), in[0].shape(), t.getPermutation(),
                      [&](int64_t r, int64_t s) { out.copyElement(r, in[0], s); });
    return out;
  }
  if (isa<ExpandOp>(op)) {
    HostTensor out(rt.getElementType(), rt.getShape());
    forEachBroadcastIndex(rt.getShape(), {in[0].shape()},
                          [&](int64_t r, ArrayRef<int64_t> s) { out.copyElement(r, in[0], s[0]); });
    return out;
  }
  if (auto s = dyn_cast<SliceOp>(op)) {
    HostTensor out(rt.getElementType(), rt.getShape());
    SmallVector<int64_t> strides = stridesOf(in[0].shape());
    SmallVector<int64_t> idx(rt.getRank(), 0);
    for (int64_t r = 0; r < out.size(); ++r) {
      int64_t src = 0;
      for (int64_t d = 0; d < rt.getRank(); ++d)
        src += (s.getStarts()[d] + idx[d] * s.getSteps()[d]) * strides[d];
      out.copyElement(r, in[0], src);
      for (int64_t d = rt.getRank() - 1; d >= 0; --d) {
        if (++idx[d] < rt.getDimSize(d))
          break;
        idx[d] = 0;
      }
    }
    return out;
  }
  if (auto g = dyn_cast<GatherOp>(op)) {
    // out[pre, idx, post] = data[pre, indices[idx], post]
    ArrayRef<int64_t> ds = in[0].shape();
    int64_t axis = g.getAxis(), n = ds[axis];
    int64_t pre = 1, post = 1;
    for (int64_t d = 0; d < axis; ++d)
      pre *= ds[d];
    for (int64_t d = axis + 1; d < (int64_t)ds.size(); ++d)
      post *= ds[d];
    HostTensor out(rt.getElementType(), rt.getShape());
    int64_t k = in[1].size();
    for (int64_t p = 0; p < pre; ++p)
      for (int64_t j = 0; j < k; ++j) {
        int64_t row = in[1].getI(j);
        if (row < 0)
          row += n;
        if (row < 0 || row >= n)
          return std::nullopt; // out of range: left for run time to report
        for (int64_t q = 0; q < post; ++q)
          out.copyElement((p * k + j) * post + q, in[0], (p * n + row) * post + q);
      }
    return out;
  }
  if (auto c = dyn_cast<ConcatOp>(op)) {
    HostTensor out(rt.getElementType(), rt.getShape());
    int64_t axis = c.getAxis(), outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= rt.getDimSize(d);
    int64_t outRow = out.size() / std::max<int64_t>(outer, 1), off = 0;
    for (const HostTensor &t : in) {
      int64_t row = t.size() / std::max<int64_t>(outer, 1);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < row; ++i)
          out.copyElement(o * outRow + off + i, t, o * row + i);
      off += row;
    }
    return out;
  }
  if (isa<WhereOp>(op)) {
    HostTensor out(rt.getElementType(), rt.getShape());
    forEachBroadcastIndex(rt.getShape(), {in[0].shape(), in[1].shape(), in[2].shape()},
                          [&](int64_t r, ArrayRef<int64_t> s) {
                            out.copyElement(r, in[0].getI(s[0]) ? in[1] : in[2],
                                            in[0].getI(s[0]) ? s[1] : s[2]);
                          });
    return out;
  }
  if (op->getNumOperands() == 2 && isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp>(op))
    return evalBinary(op, in[0], in[1], rt);
  if (op->getNumOperands() == 1)
    return evalUnary(op, in[0], rt);
  return std::nullopt;
}

/// Little-endian bytes of `t` in its element type.
std::vector<char> toBytes(const HostTensor &t) {
  Type et = t.elementType();
  unsigned bits = et.isInteger(1) ? 8 : et.getIntOrFloatBitWidth();
  size_t w = bits / 8;
  std::vector<char> bytes(t.size() * w);
  for (int64_t i = 0; i < t.size(); ++i) {
    uint64_t raw;
    if (auto ft = dyn_cast<FloatType>(et)) {
      APFloat v(t.getF(i));
      bool lost;
      v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      raw = v.bitcastToAPInt().getZExtValue();
    } else {
      raw = (uint64_t)t.getI(i);
    }
    std::memcpy(bytes.data() + i * w, &raw, w);
  }
  return bytes;
}

ElementsAttr toAttr(const HostTensor &t, StringRef name) {
  if (t.size() <= kInlineElements || t.elementType().isInteger(1))
    return t.toAttr();
  auto type = RankedTensorType::get(t.shape(), t.elementType());
  std::vector<char> bytes = toBytes(t);
  unsigned align = std::max<unsigned>(1, t.elementType().getIntOrFloatBitWidth() / 8);
  return DenseResourceElementsAttr::get(
      type, name, HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align, false));
}

/// The constant's blob name, for naming what folds from it.
std::string blobName(Value v) {
  Attribute attr;
  if (matchPattern(v, m_Constant(&attr)))
    if (auto r = dyn_cast<DenseResourceElementsAttr>(attr))
      return r.getRawHandle().getKey().str();
  return {};
}

struct FoldWeightsPass : impl::KilnFoldWeightsBase<FoldWeightsPass> {
  using KilnFoldWeightsBase::KilnFoldWeightsBase;

  void runOnOperation() override {
    // Program order: a fold's result is a constant its users may fold next.
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (op->getDialect() && isa<KilnDialect>(op->getDialect()) && !isa<ConstantOp>(op) &&
          op->getNumResults() == 1 && op->getNumOperands() > 0)
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      std::string from;
      bool allConstant = true;
      for (Value v : op->getOperands()) {
        allConstant &= matchPattern(v, m_Constant());
        if (from.empty())
          from = blobName(v);
      }
      if (!allConstant || from.empty())
        continue;
      auto rt = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!rt || !rt.hasStaticShape() ||
          rt.getNumElements() * std::max<int64_t>(1, rt.getElementTypeBitWidth() / 8) > maxBytes)
        continue;
      SmallVector<HostTensor> in;
      for (Value v : op->getOperands()) {
        Attribute attr;
        (void)matchPattern(v, m_Constant(&attr));
        auto t = HostTensor::fromAttr(attr, kMaxElements, /*readBlobs=*/true);
        if (!t)
          break;
        in.push_back(std::move(*t));
      }
      if (in.size() != op->getNumOperands())
        continue;
      Host out = evaluate(op, in);
      if (!out)
        continue;
      rewriter.setInsertionPoint(op);
      auto c = ConstantOp::create(rewriter, op->getLoc(), toAttr(*out, from + ".folded"));
      rewriter.replaceOp(op, c.getResult());
    }
  }
};
} // namespace
} // namespace kiln
