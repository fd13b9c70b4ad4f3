//===- Canonicalization.cpp - rewrite patterns declared on kiln ops ---------===//
//
// Canonical forms the graph optimizer's matchers rely on: masks spelled as
// `not(cmp)` become one comparison, and an attention mask that only encodes
// causality (or nothing at all) becomes the `causal` flag.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/AttentionMasks.h"
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace kiln;

//===----------------------------------------------------------------------===//
// not
//===----------------------------------------------------------------------===//

static ComparePredicate inverse(ComparePredicate p) {
  switch (p) {
  case ComparePredicate::eq: return ComparePredicate::ne;
  case ComparePredicate::ne: return ComparePredicate::eq;
  case ComparePredicate::lt: return ComparePredicate::ge;
  case ComparePredicate::le: return ComparePredicate::gt;
  case ComparePredicate::gt: return ComparePredicate::le;
  case ComparePredicate::ge: return ComparePredicate::lt;
  }
  llvm_unreachable("unknown predicate");
}

namespace {
/// not(cmp p a b) -> cmp !p a b. For floats only eq/ne invert exactly (an
/// ordered `lt` is false on NaN, and so is `ge`).
struct InvertComparison : OpRewritePattern<NotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(NotOp op, PatternRewriter &rewriter) const override {
    auto cmp = op.getInput().getDefiningOp<CmpOp>();
    if (!cmp || cmp.getType() != op.getType())
      return failure();
    ComparePredicate p = cmp.getPredicate();
    bool isFloat = isa<FloatType>(cmp.getLhs().getType().getElementType());
    if (isFloat && p != ComparePredicate::eq && p != ComparePredicate::ne)
      return failure();
    rewriter.replaceOpWithNewOp<CmpOp>(op, op.getType(), inverse(p), cmp.getLhs(),
                                       cmp.getRhs());
    return success();
  }
};
} // namespace

void NotOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<InvertComparison>(ctx);
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

/// An additive mask entry this negative hides its key: exp(s - 1e4 - max) is 0
/// in f32 for any score |s| < 5000. ONNX exporters write -1e4, -1e9, the
/// type's lowest value or -inf.
static constexpr double kHiddenBelow = -1.0e4;

namespace {
/// Which [query, key] pairs a constant mask lets through.
struct Visibility {
  int64_t rows, cols; // 1 when the mask broadcasts along that dim
  std::vector<bool> visible;
  bool at(int64_t i, int64_t j) const {
    return visible[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
  }
};

std::optional<Visibility> readVisibility(Value mask) {
  Attribute attr;
  if (!matchPattern(mask, m_Constant(&attr)))
    return std::nullopt;
  auto t = cast<RankedTensorType>(mask.getType());
  // The same mask for every batch and head: leading dims are all 1.
  for (int64_t d = 0; d + 2 < t.getRank(); ++d)
    if (t.getDimSize(d) != 1)
      return std::nullopt;
  auto host = HostTensor::fromAttr(attr, int64_t(1) << 24, /*readBlobs=*/true);
  if (!host)
    return std::nullopt;
  Visibility v;
  v.rows = t.getRank() >= 2 ? t.getDimSize(t.getRank() - 2) : 1;
  v.cols = t.getRank() >= 1 ? t.getDimSize(t.getRank() - 1) : 1;
  bool isBool = t.getElementType().isInteger(1);
  v.visible.resize(host->size());
  for (int64_t k = 0; k < host->size(); ++k) {
    if (isBool) {
      v.visible[k] = host->getI(k) != 0;
      continue;
    }
    double x = host->getF(k);
    if (x == 0.0)
      v.visible[k] = true;
    else if (x <= kHiddenBelow)
      v.visible[k] = false;
    else
      return std::nullopt; // a bias (ALiBi, relative positions), not a mask
  }
  return v;
}
} // namespace

std::optional<MaskShape> kiln::classifyConstantMask(Value mask, int64_t S, int64_t T,
                                                    int64_t P) {
  if (ShapedType::isDynamic(S) || ShapedType::isDynamic(T))
    return std::nullopt;
  auto vis = readVisibility(mask);
  if (!vis || (vis->rows != 1 && vis->rows != S) || (vis->cols != 1 && vis->cols != T))
    return std::nullopt;
  MaskShape r{true, true, true};
  for (int64_t i = 0; i < S; ++i)
    for (int64_t j = 0; j < T; ++j) {
      bool seen = vis->at(i, j), inCausal = j <= i + P;
      r.hidesNothing &= seen;
      r.isCausal &= seen == inCausal;
      r.withinCausal &= !inCausal || seen;
    }
  return r;
}

namespace {
/// Drops a constant mask that hides nothing, or nothing beyond causality, and
/// turns a constant lower-triangular mask into `causal`.
struct FoldConstantMask : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask)
      return failure();
    int64_t S = op.getQ().getType().getDimSize(2);
    int64_t P = op.getPastKey() ? op.getPastKey().getType().getDimSize(2) : 0;
    int64_t T = P + op.getK().getType().getDimSize(2);
    auto shape = classifyConstantMask(mask, S, T, P);
    if (!shape)
      return failure();
    bool keepCausal = op.getCausal();
    if (shape->hidesNothing || (keepCausal && shape->withinCausal)) {
      // nothing to hide beyond what `causal` already hides
    } else if (shape->isCausal) {
      keepCausal = true;
    } else {
      return failure();
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getMaskMutable().clear();
      op.setCausal(keepCausal);
    });
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *ctx) {
  results.add<FoldConstantMask>(ctx);
}
