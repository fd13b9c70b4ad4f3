//===- FuseGelu.cpp - every exporter's GELU becomes kiln.gelu ---------------===//
//
// GELU is matched on its algebra, not its op order: the erf (or tanh, or
// sigmoid) argument and the expression around it are expanded into
// polynomials of x and t = erf(...), and compared with GELU's coefficients.
// So 0.5*x*(1+erf(x/1.4142)), x*0.5*(1+erf(x*0.7071)), (erf(x/sqrt2)+1)*x*0.5
// and the tanh forms of GPT-2 ("gelu_new"), FastGelu and Megatron
// (x*0.79788*(1+0.044715*x*x)) all fuse without a pattern each.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"
#include "passes/Graph/Matchers.h"
#include "passes/Passes.h"

#include <cmath>

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEGELU
#include "passes/Passes.h.inc"

namespace {
using namespace graph;

constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2/pi)
constexpr double kGeluCubic = 0.044715;

/// What one family of GELU spellings looks like around its transcendental.
struct GeluForm {
  GeluApproximation approximation;
  Polynomial argument; // of x
  Polynomial outer;    // of x and t
};

Polynomial poly(std::initializer_list<std::pair<Polynomial::Monomial, double>> terms) {
  Polynomial p = Polynomial::constant(0);
  for (auto &[m, c] : terms) {
    Polynomial term = Polynomial::constant(c);
    for (int k = 0; k < m.first; ++k)
      term = term * Polynomial::variable(0);
    for (int k = 0; k < m.second; ++k)
      term = term * Polynomial::variable(1);
    p = p + term;
  }
  return p;
}

/// The value of the argument expression of `t` that plays x: the one whose
/// expansion gives `form.argument`. Tried from the argument down, so a bias
/// add feeding GELU stays outside (x = a + b, not a and b).
Value findVariable(Value argument, const Polynomial &expected, Subgraph &argOps) {
  SmallVector<Value> worklist = {argument};
  for (size_t i = 0; i < worklist.size() && i < 32; ++i) {
    Value cand = worklist[i];
    if (!isConstant(cand)) {
      Subgraph ops;
      auto p = expandPolynomial(argument, cand, Value(), ops);
      if (p && p->near(expected)) {
        argOps = ops;
        return cand;
      }
    }
    if (Operation *op = cand.getDefiningOp())
      if (isa<AddOp, SubOp, MulOp, DivOp, PowOp, NegOp>(op))
        for (Value o : op->getOperands())
          worklist.push_back(o);
  }
  return {};
}

/// Matches GELU around the transcendental op `anchor` (erf/tanh/sigmoid).
LogicalResult fuseForm(Operation *anchor, const GeluForm &form, StringRef variant,
                       RewriterBase &rewriter, Miss &why) {
  Value t = anchor->getResult(0);
  Subgraph sub;
  Value x = findVariable(anchor->getOperand(0), form.argument, sub);
  if (!x) {
    why = "the argument is not " + form.argument.str() + " of any input";
    return failure();
  }
  sub.add(anchor);
  // Walk down the single-use chain from t until the expression is GELU.
  Value root = t;
  for (int step = 0; step < 6; ++step) {
    if (!root.hasOneUse()) {
      why = "an intermediate value has other uses";
      return failure();
    }
    Operation *user = *root.getUsers().begin();
    if (!isa<AddOp, SubOp, MulOp, DivOp>(user) || user->getNumResults() != 1) {
      why = "the expression around the transcendental is not polynomial";
      return failure();
    }
    root = user->getResult(0);
    Subgraph outer;
    auto p = expandPolynomial(root, x, t, outer);
    if (p && p->near(form.outer)) {
      if (root.getType() != x.getType()) {
        why = "GELU's constants broadcast x to a larger shape";
        return failure();
      }
      for (Operation *op : outer.getOps())
        sub.add(op);
      if (Operation *escape = sub.escapingOp({root})) {
        why = "intermediate '" + escape->getName().getStringRef().str() +
              "' is also read elsewhere";
        return failure();
      }
      rewriter.setInsertionPoint(root.getDefiningOp());
      auto gelu = GeluOp::create(rewriter, root.getLoc(), x, form.approximation);
      commitFusion(rewriter, sub, gelu, {root}, gelu->getResults(), "gelu", variant);
      return success();
    }
  }
  why = "no expression around it equals GELU";
  return failure();
}

const GeluForm &erfForm() {
  static GeluForm f{GeluApproximation::none, poly({{{1, 0}, M_SQRT1_2}}),
                    poly({{{1, 0}, 0.5}, {{1, 1}, 0.5}})};
  return f;
}
const GeluForm &tanhForm() {
  static GeluForm f{GeluApproximation::tanh,
                    poly({{{1, 0}, kSqrt2OverPi}, {{3, 0}, kSqrt2OverPi * kGeluCubic}}),
                    poly({{{1, 0}, 0.5}, {{1, 1}, 0.5}})};
  return f;
}
/// 0.5 (1 + tanh z) = sigmoid(2z): x * sigmoid(1.5958 (x + 0.044715 x^3)).
const GeluForm &sigmoidForm() {
  static GeluForm f{GeluApproximation::tanh,
                    poly({{{1, 0}, 2 * kSqrt2OverPi},
                          {{3, 0}, 2 * kSqrt2OverPi * kGeluCubic}}),
                    poly({{{1, 1}, 1.0}})};
  return f;
}

/// True when the expression of `v` multiplies two non-constant values (or
/// raises one to a power) within `depth` ops.
bool hasProductOfInputs(Value v, int depth) {
  Operation *op = v.getDefiningOp();
  if (!op || depth == 0)
    return false;
  if (isa<PowOp>(op) || (isa<MulOp>(op) && !isConstant(op->getOperand(0)) &&
                         !isConstant(op->getOperand(1))))
    return true;
  if (!isa<AddOp, SubOp, MulOp, DivOp, NegOp>(op))
    return false;
  return llvm::any_of(op->getOperands(),
                      [&](Value o) { return hasProductOfInputs(o, depth - 1); });
}

struct FuseGeluPass : impl::KilnFuseGeluBase<FuseGeluPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    runFusion<ErfOp>(root, "gelu",
                     {{"erf", [](ErfOp op, RewriterBase &rw, Miss &why) {
                        return fuseForm(op, erfForm(), "erf", rw, why);
                      }}});
    // tanh and sigmoid are GELU candidates only with a cubic argument: a
    // plain tanh (BERT's pooler), SiLU x*sigmoid(x) and QuickGelu
    // x*sigmoid(1.702x) are not GELU.
    runFusion<TanhOp>(
        root, "gelu",
        {{"tanh", [](TanhOp op, RewriterBase &rw, Miss &why) {
           return fuseForm(op, tanhForm(), "tanh", rw, why);
         }}},
        [](TanhOp op) { return hasProductOfInputs(op.getInput(), 4); });
    runFusion<SigmoidOp>(
        root, "gelu",
        {{"sigmoid", [](SigmoidOp op, RewriterBase &rw, Miss &why) {
           return fuseForm(op, sigmoidForm(), "sigmoid", rw, why);
         }}},
        [](SigmoidOp op) { return hasProductOfInputs(op.getInput(), 4); });
  }
};
} // namespace
} // namespace kiln
