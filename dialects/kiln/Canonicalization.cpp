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
// Reshapes sink below row-wise ops, so a matmul meets its epilogue
//===----------------------------------------------------------------------===//

/// True when reshaping `from` to `to` only regroups the leading dims.
static bool keepsLastDim(RankedTensorType from, RankedTensorType to) {
  return from.getRank() >= 1 && to.getRank() >= 1 && from.hasStaticShape() &&
         to.hasStaticShape() && from.getShape().back() == to.getShape().back();
}

namespace {
/// matmul(reshape(x: [..., K] -> [M, K]), w: [K, N]) -> reshape(matmul(x, w)).
/// Exporters flatten activations around Gemm; kiln.matmul broadcasts.
struct MatmulOfFlattened : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    auto flat = op.getLhs().getDefiningOp<ReshapeOp>();
    if (!flat || op.getTransposeLhs() || op.getRhs().getType().getRank() != 2 ||
        op.getLhs().getType().getRank() != 2 ||
        !keepsLastDim(flat.getInput().getType(), flat.getType()) ||
        flat.getInput().getType().getRank() < 2)
      return failure();
    auto mm = MatmulOp::create(rewriter, op.getLoc(), flat.getInput(), op.getRhs(),
                               UnitAttr(), op.getTransposeRhsAttr());
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), mm.getResult());
    return success();
  }
};

/// matmul(x, transpose(w) of the last two dims) -> matmul(x, w) with the
/// operand's transpose flag flipped.
struct MatmulOfTransposed : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  static bool swapsLastTwo(TransposeOp t) {
    ArrayRef<int64_t> p = t.getPermutation();
    int64_t n = p.size();
    if (n < 2 || p[n - 1] != n - 2 || p[n - 2] != n - 1)
      return false;
    for (int64_t i = 0; i + 2 < n; ++i)
      if (p[i] != i)
        return false;
    return true;
  }
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    auto tl = op.getLhs().getDefiningOp<TransposeOp>();
    auto tr = op.getRhs().getDefiningOp<TransposeOp>();
    bool l = tl && swapsLastTwo(tl), r = tr && swapsLastTwo(tr);
    if (!l && !r)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      if (l) {
        op.getLhsMutable().assign(tl.getInput());
        op.setTransposeLhs(!op.getTransposeLhs());
      }
      if (r) {
        op.getRhsMutable().assign(tr.getInput());
        op.setTransposeRhs(!op.getTransposeRhs());
      }
    });
    return success();
  }
};

/// add(reshape(y), b) -> reshape(add(y, b)) for a bias b along the kept last
/// dim.
struct AddOfReshaped : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp op, PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto r = op->getOperand(side).getDefiningOp<ReshapeOp>();
      Value b = op->getOperand(1 - side);
      auto bt = cast<RankedTensorType>(b.getType());
      if (!r || !r->hasOneUse() || op.getType() != r.getType() ||
          !keepsLastDim(r.getInput().getType(), r.getType()) || bt.getRank() != 1 ||
          bt.getDimSize(0) != r.getType().getShape().back())
        continue;
      auto add = AddOp::create(rewriter, op.getLoc(), r.getInput(), b);
      rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), add.getResult());
      return success();
    }
    return failure();
  }
};

/// gelu(reshape(y)) -> reshape(gelu(y)).
struct GeluOfReshaped : OpRewritePattern<GeluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GeluOp op, PatternRewriter &rewriter) const override {
    auto r = op.getInput().getDefiningOp<ReshapeOp>();
    if (!r || !r->hasOneUse())
      return failure();
    auto g = GeluOp::create(rewriter, op.getLoc(), r.getInput(), op.getApproximate());
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), g.getResult());
    return success();
  }
};
} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<MatmulOfFlattened, MatmulOfTransposed>(ctx);
}
void AddOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<AddOfReshaped>(ctx);
}
void GeluOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *ctx) {
  results.add<GeluOfReshaped>(ctx);
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
