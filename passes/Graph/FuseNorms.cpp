//===- FuseNorms.cpp - LayerNorm and RMSNorm subgraphs to kiln ops ----------===//
//
// Both norms are anchored at a mean over trailing dims with kept dims:
// LayerNorm at mean(x), RMSNorm at mean(x^2). From the anchor the matcher
// walks to the inverse standard deviation, which exporters spell as
// Div(d, Sqrt(v + eps)), Mul(d, Reciprocal(Sqrt)), Div(1, Sqrt), Rsqrt or
// Pow(v + eps, -0.5), and then takes the optional scale and bias.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "dialects/kiln/ShapeRules.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSENORMS
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

/// The first axis of a mean over trailing dims with kept dims, or -1.
int64_t trailingMeanAxis(ReduceOp mean) {
  if (mean.getKind() != ReduceKind::mean || !mean.getKeepDims())
    return -1;
  ArrayRef<int64_t> axes = mean.getAxes();
  int64_t rank = mean.getInput().getType().getRank();
  if (axes.empty() || axes.back() != rank - 1)
    return -1;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return -1;
  return axes.front();
}

/// The user of `v` that is an OpTy, when there is exactly one such.
template <typename OpTy>
OpTy soleUserOf(Value v) {
  OpTy found;
  for (Operation *u : v.getUsers())
    if (auto op = dyn_cast<OpTy>(u)) {
      if (found && found != op)
        return OpTy();
      found = op;
    }
  return found;
}

/// The only user of `v`, or null.
Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

/// `z * z` or `z ^ 2` of `sq`'s operand; the base, or null.
Value squareBase(Value sq) {
  if (auto pow = def<PowOp>(sq))
    return isSplat(pow.getRhs(), 2.0) ? pow.getLhs() : Value();
  if (auto mul = def<MulOp>(sq))
    return mul.getLhs() == mul.getRhs() ? mul.getLhs() : Value();
  return {};
}

/// The parts every norm shares: mean(sq) + eps, inverted.
struct InverseStd {
  double epsilon = 0;
  Value rstd;     // 1 / sqrt(var + eps), when spelled as a value
  Value stdDev;   // sqrt(var + eps), when the norm divides by it
};

/// From `var` = mean(...) onward: var + eps, then an inverse square root.
/// The ops go into `sub`.
FailureOr<InverseStd> matchInverseStd(Value var, Subgraph &sub, Miss &why) {
  InverseStd r;
  auto add = dyn_cast_or_null<AddOp>(onlyUser(var));
  if (!add) {
    why = "the variance is not followed by one add of epsilon";
    return failure();
  }
  auto eps = splatValue(otherOperand(add, var));
  if (!eps || *eps < 0) {
    why = "epsilon is not a non-negative scalar constant";
    return failure();
  }
  r.epsilon = *eps;
  sub.add(add.getOperation());
  Value ve = add.getResult();
  Operation *inv = onlyUser(ve);
  if (!inv) {
    why = "var + eps has other uses";
    return failure();
  }
  if (auto rs = dyn_cast<RsqrtOp>(inv)) {
    r.rstd = rs.getResult();
  } else if (auto pow = dyn_cast<PowOp>(inv); pow && pow.getLhs() == ve &&
                                               isSplat(pow.getRhs(), -0.5)) {
    r.rstd = pow.getResult();
  } else if (auto sq = dyn_cast<SqrtOp>(inv)) {
    Value sd = sq.getResult();
    Operation *next = onlyUser(sd);
    if (auto rec = dyn_cast_or_null<ReciprocalOp>(next)) {
      sub.add(rec.getOperation());
      r.rstd = rec.getResult();
    } else if (auto div = dyn_cast_or_null<DivOp>(next);
               div && div.getRhs() == sd && isSplat(div.getLhs(), 1.0)) {
      sub.add(div.getOperation());
      r.rstd = div.getResult();
    } else {
      r.stdDev = sd;
    }
  } else {
    why = "var + eps is not followed by sqrt, rsqrt or pow(-0.5)";
    return failure();
  }
  sub.add(inv);
  return r;
}

/// `normalized` times rstd (or over stdDev): the op computing it.
Value applyInverse(Value centred, const InverseStd &inv, Subgraph &sub, Miss &why) {
  Value through = inv.rstd ? inv.rstd : inv.stdDev;
  for (Operation *u : centred.getUsers()) {
    if (inv.rstd && isa<MulOp>(u) && otherOperand(u, centred) == inv.rstd) {
      sub.add(u);
      return u->getResult(0);
    }
    if (inv.stdDev && isa<DivOp>(u) && u->getOperand(0) == centred &&
        u->getOperand(1) == inv.stdDev) {
      sub.add(u);
      return u->getResult(0);
    }
  }
  (void)through;
  why = "the input is not scaled by the inverse standard deviation";
  return {};
}

/// True when `p` can be a norm's scale or bias for `x` normalised from `axis`.
bool isNormParam(Value p, Value x, int64_t axis, const Subgraph &sub) {
  auto pt = dyn_cast<RankedTensorType>(p.getType());
  auto xt = cast<RankedTensorType>(x.getType());
  if (!pt || pt.getElementType() != xt.getElementType())
    return false;
  if (Operation *d = p.getDefiningOp(); d && sub.contains(d))
    return false;
  return broadcastsTo(pt.getShape(), xt.getShape().drop_front(axis));
}

/// Takes `y * gamma` and then `+ beta` after `y` when they are there.
void takeAffine(Value &y, Value x, int64_t axis, Subgraph &sub, Value &gamma,
                Value &beta, bool allowBias) {
  if (Operation *u = onlyUser(y); u && isa<MulOp>(u)) {
    Value g = otherOperand(u, y);
    if (g && u->getResult(0).getType() == x.getType() && isNormParam(g, x, axis, sub)) {
      sub.add(u);
      gamma = g;
      y = u->getResult(0);
    }
  }
  if (!allowBias)
    return;
  if (Operation *u = onlyUser(y); u && isa<AddOp>(u)) {
    Value b = otherOperand(u, y);
    if (b && u->getResult(0).getType() == x.getType() && isNormParam(b, x, axis, sub)) {
      sub.add(u);
      beta = b;
      y = u->getResult(0);
    }
  }
}

Value onesLike(RewriterBase &rw, Location loc, Value x, int64_t axis) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto t = RankedTensorType::get(xt.getShape().drop_front(axis), xt.getElementType());
  return ConstantOp::create(rw, loc, DenseElementsAttr::get(t, rw.getFloatAttr(xt.getElementType(), 1.0)));
}

LogicalResult finish(RewriterBase &rw, Subgraph &sub, Value x, Value y, Value gamma,
                     Value beta, int64_t axis, double eps, bool rms, StringRef variant,
                     Miss &why) {
  if (Operation *escape = sub.escapingOp({y})) {
    why = "intermediate '" + escape->getName().getStringRef().str() +
          "' is also read elsewhere";
    return failure();
  }
  if (y.getType() != x.getType()) {
    why = "the result type differs from the input's";
    return failure();
  }
  rw.setInsertionPoint(y.getDefiningOp());
  Location loc = y.getLoc();
  if (!gamma)
    gamma = onesLike(rw, loc, x, axis);
  auto axisAttr = rw.getI64IntegerAttr(axis);
  auto epsAttr = rw.getF32FloatAttr((float)eps);
  Operation *fused =
      rms ? RmsNormOp::create(rw, loc, x, gamma, axisAttr, epsAttr).getOperation()
          : LayerNormOp::create(rw, loc, x, gamma, beta, axisAttr, epsAttr).getOperation();
  commitFusion(rw, sub, fused, {y}, fused->getResults(), rms ? "rms_norm" : "layer_norm",
               variant);
  return success();
}

/// The centred input `x - mean(x)` read by the LayerNorm anchored at `mean`.
SubOp centredInput(ReduceOp mean) {
  return soleUserOf<SubOp>(mean.getResult()) &&
                 soleUserOf<SubOp>(mean.getResult()).getLhs() == mean.getInput()
             ? soleUserOf<SubOp>(mean.getResult())
             : SubOp();
}

/// mean((x - mean(x))^2) for the LayerNorm anchored at `mean`.
ReduceOp varianceOf(SubOp centred, ReduceOp mean, Subgraph &sub) {
  for (Operation *u : centred.getResult().getUsers()) {
    if (u->getNumResults() != 1 || squareBase(u->getResult(0)) != centred.getResult())
      continue;
    auto var = dyn_cast_or_null<ReduceOp>(onlyUser(u->getResult(0)));
    if (var && var.getKind() == ReduceKind::mean && var.getKeepDims() &&
        var.getAxes() == mean.getAxes()) {
      sub.add(u);
      sub.add(var.getOperation());
      return var;
    }
  }
  return {};
}

/// (x - mean) * rstd [* gamma] [+ beta]: PyTorch, and most exporters.
LogicalResult fuseLayerNorm(ReduceOp mean, RewriterBase &rw, Miss &why) {
  int64_t axis = trailingMeanAxis(mean);
  Value x = mean.getInput();
  SubOp d = centredInput(mean);
  Subgraph sub;
  sub.add(mean.getOperation());
  sub.add(d.getOperation());
  ReduceOp var = d ? varianceOf(d, mean, sub) : ReduceOp();
  if (!var) {
    why = "no mean of the squared centred input over the same dims";
    return failure();
  }
  auto inv = matchInverseStd(var.getResult(), sub, why);
  if (failed(inv))
    return failure();
  Value y = applyInverse(d.getResult(), *inv, sub, why);
  if (!y)
    return failure();
  Value gamma, beta;
  takeAffine(y, x, axis, sub, gamma, beta, /*allowBias=*/true);
  return finish(rw, sub, x, y, gamma, beta, axis, inv->epsilon, false, "centred", why);
}

/// x * (rstd * gamma) + (beta - mean * (rstd * gamma)): TF/Keras exports.
LogicalResult fuseLayerNormTF(ReduceOp mean, RewriterBase &rw, Miss &why) {
  int64_t axis = trailingMeanAxis(mean);
  Value x = mean.getInput();
  SubOp d = centredInput(mean);
  Subgraph sub;
  sub.add(mean.getOperation());
  sub.add(d.getOperation());
  ReduceOp var = d ? varianceOf(d, mean, sub) : ReduceOp();
  if (!var) {
    why = "no mean of the squared centred input over the same dims";
    return failure();
  }
  auto inv = matchInverseStd(var.getResult(), sub, why);
  if (failed(inv))
    return failure();
  if (!inv->rstd) {
    why = "the inverse standard deviation is not a value of its own";
    return failure();
  }
  // rg = rstd * gamma (or rstd alone)
  Value rg = inv->rstd, gamma;
  if (Operation *u = onlyUser(rg); u && isa<MulOp>(u)) {
    Value g = otherOperand(u, rg);
    if (isNormParam(g, x, axis, sub)) {
      gamma = g;
      sub.add(u);
      rg = u->getResult(0);
    }
  }
  Operation *scaledX = nullptr, *scaledMean = nullptr;
  for (Operation *u : rg.getUsers()) {
    if (!isa<MulOp>(u))
      continue;
    if (otherOperand(u, rg) == x)
      scaledX = u;
    else if (otherOperand(u, rg) == mean.getResult())
      scaledMean = u;
  }
  if (!scaledX || !scaledMean) {
    why = "not of the form x * rstd + (beta - mean * rstd)";
    return failure();
  }
  sub.add(scaledX);
  sub.add(scaledMean);
  Value beta, y;
  Operation *shift = onlyUser(scaledMean->getResult(0));
  if (auto s = dyn_cast_or_null<SubOp>(shift); s && s.getRhs() == scaledMean->getResult(0) &&
                                               isNormParam(s.getLhs(), x, axis, sub)) {
    beta = s.getLhs();
    sub.add(s.getOperation());
    auto add = dyn_cast_or_null<AddOp>(onlyUser(s.getResult()));
    if (!add || otherOperand(add, s.getResult()) != scaledX->getResult(0)) {
      why = "the shifted mean is not added to the scaled input";
      return failure();
    }
    sub.add(add.getOperation());
    y = add.getResult();
  } else if (auto s = dyn_cast_or_null<SubOp>(onlyUser(scaledX->getResult(0)));
             s && s.getLhs() == scaledX->getResult(0) &&
             s.getRhs() == scaledMean->getResult(0)) {
    sub.add(s.getOperation());
    y = s.getResult();
  } else {
    why = "not of the form x * rstd + (beta - mean * rstd)";
    return failure();
  }
  return finish(rw, sub, x, y, gamma, beta, axis, inv->epsilon, false, "scaled-input", why);
}

/// x * rstd(mean(x^2)) [* gamma]: T5 and Llama.
LogicalResult fuseRmsNorm(ReduceOp var, RewriterBase &rw, Miss &why) {
  int64_t axis = trailingMeanAxis(var);
  Value x = squareBase(var.getInput());
  Subgraph sub;
  sub.addDef(var.getInput());
  sub.add(var.getOperation());
  auto inv = matchInverseStd(var.getResult(), sub, why);
  if (failed(inv))
    return failure();
  Value y = applyInverse(x, *inv, sub, why);
  if (!y)
    return failure();
  Value gamma, beta;
  takeAffine(y, x, axis, sub, gamma, beta, /*allowBias=*/false);
  return finish(rw, sub, x, y, gamma, Value(), axis, inv->epsilon, true, "rms", why);
}

bool isFloatTensor(Value v) {
  return isa<FloatType>(cast<RankedTensorType>(v.getType()).getElementType());
}

struct FuseNormsPass : impl::KilnFuseNormsBase<FuseNormsPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    runFusion<ReduceOp>(
        root, "layer_norm", {{"centred", fuseLayerNorm}, {"scaled-input", fuseLayerNormTF}},
        [](ReduceOp m) {
          return trailingMeanAxis(m) >= 0 && isFloatTensor(m.getInput()) &&
                 centredInput(m);
        });
    runFusion<ReduceOp>(root, "rms_norm", {{"rms", fuseRmsNorm}}, [](ReduceOp m) {
      if (trailingMeanAxis(m) < 0 || !isFloatTensor(m.getInput()))
        return false;
      Value base = squareBase(m.getInput());
      if (!base)
        return false;
      // mean((x - mean x)^2) is a LayerNorm's variance, not an RMSNorm.
      auto centred = def<SubOp>(base);
      return !(centred && def<ReduceOp>(centred.getRhs()) &&
               def<ReduceOp>(centred.getRhs()).getInput() == centred.getLhs());
    });
  }
};
} // namespace
} // namespace kiln
