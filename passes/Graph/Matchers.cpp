//===- Matchers.cpp - value-level matchers shared by the fusions ------------===//
#include "passes/Graph/Matchers.h"

#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <set>
#include <sstream>

using namespace mlir;

namespace kiln::graph {

std::optional<double> splatValue(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return std::nullopt;
  Type et = dense.getElementType();
  if (isa<FloatType>(et))
    return dense.getSplatValue<APFloat>().convertToDouble();
  if (auto it = dyn_cast<IntegerType>(et))
    return it.isUnsigned() ? (double)dense.getSplatValue<APInt>().getZExtValue()
                           : (double)dense.getSplatValue<APInt>().getSExtValue();
  return std::nullopt;
}

bool isSplat(Value v, double expected) {
  auto got = splatValue(v);
  if (!got)
    return false;
  if (expected == 0.0)
    return *got == 0.0;
  return std::fabs(*got - expected) <= kConstTol * std::fabs(expected);
}

bool isConstant(Value v) { return v && matchPattern(v, m_Constant()); }

Value otherOperand(Operation *binary, Value known) {
  if (!binary || binary->getNumOperands() != 2)
    return {};
  if (binary->getOperand(0) == known)
    return binary->getOperand(1);
  if (binary->getOperand(1) == known)
    return binary->getOperand(0);
  return {};
}

//===----------------------------------------------------------------------===//
// Polynomial
//===----------------------------------------------------------------------===//

static constexpr int kMaxDegree = 7;

Polynomial Polynomial::constant(double c) {
  Polynomial p;
  if (c != 0.0)
    p.terms[{0, 0}] = c;
  return p;
}

Polynomial Polynomial::variable(int which) {
  Polynomial p;
  p.terms[which == 0 ? Monomial{1, 0} : Monomial{0, 1}] = 1.0;
  return p;
}

Polynomial Polynomial::operator+(const Polynomial &o) const {
  Polynomial r = *this;
  for (auto &[m, c] : o.terms)
    r.terms[m] += c;
  return r;
}

Polynomial Polynomial::operator*(const Polynomial &o) const {
  Polynomial r;
  for (auto &[m1, c1] : terms)
    for (auto &[m2, c2] : o.terms)
      r.terms[{m1.first + m2.first, m1.second + m2.second}] += c1 * c2;
  return r;
}

Polynomial Polynomial::scaled(double c) const {
  Polynomial r = *this;
  for (auto &[m, v] : r.terms)
    v *= c;
  return r;
}

int Polynomial::degree() const {
  int d = 0;
  for (auto &[m, c] : terms)
    if (c != 0.0)
      d = std::max(d, m.first + m.second);
  return d;
}

bool Polynomial::near(const Polynomial &expected) const {
  double scale = 0;
  for (auto &[m, c] : expected.terms)
    scale = std::max(scale, std::fabs(c));
  auto coef = [](const Polynomial &p, Monomial m) {
    auto it = p.terms.find(m);
    return it == p.terms.end() ? 0.0 : it->second;
  };
  std::set<Monomial> all;
  for (auto &[m, c] : terms)
    all.insert(m);
  for (auto &[m, c] : expected.terms)
    all.insert(m);
  for (Monomial m : all) {
    double want = coef(expected, m), got = coef(*this, m);
    double tol = kConstTol * (want != 0.0 ? std::fabs(want) : scale);
    if (std::fabs(got - want) > tol)
      return false;
  }
  return true;
}

std::string Polynomial::str() const {
  std::ostringstream os;
  bool first = true;
  for (auto &[m, c] : terms) {
    if (c == 0.0)
      continue;
    os << (first ? "" : " + ") << c;
    if (m.first)
      os << "*x" << (m.first > 1 ? "^" + std::to_string(m.first) : "");
    if (m.second)
      os << "*t" << (m.second > 1 ? "^" + std::to_string(m.second) : "");
    first = false;
  }
  return first ? "0" : os.str();
}

std::optional<Polynomial> expandPolynomial(Value v, Value x, Value t, Subgraph &ops) {
  if (v == x)
    return Polynomial::variable(0);
  if (t && v == t)
    return Polynomial::variable(1);
  if (auto c = splatValue(v))
    return Polynomial::constant(*c);
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  auto sub = [&](Value operand) { return expandPolynomial(operand, x, t, ops); };
  std::optional<Polynomial> r;
  if (isa<AddOp, SubOp, MulOp>(op)) {
    auto a = sub(op->getOperand(0)), b = sub(op->getOperand(1));
    if (!a || !b)
      return std::nullopt;
    if (isa<AddOp>(op))
      r = *a + *b;
    else if (isa<SubOp>(op))
      r = *a + b->scaled(-1.0);
    else
      r = *a * *b;
  } else if (auto neg = dyn_cast<NegOp>(op)) {
    auto a = sub(neg.getInput());
    if (a)
      r = a->scaled(-1.0);
  } else if (auto div = dyn_cast<DivOp>(op)) {
    auto c = splatValue(div.getRhs());
    auto a = c && *c != 0.0 ? sub(div.getLhs()) : std::nullopt;
    if (a)
      r = a->scaled(1.0 / *c);
  } else if (auto pow = dyn_cast<PowOp>(op)) {
    auto e = splatValue(pow.getRhs());
    if (e && *e >= 1 && *e <= 4 && *e == std::floor(*e)) {
      if (auto a = sub(pow.getLhs())) {
        r = *a;
        for (int k = 1; k < (int)*e; ++k)
          r = *r * *a;
      }
    }
  }
  if (!r || r->degree() > kMaxDegree)
    return std::nullopt;
  ops.add(op);
  return r;
}

} // namespace kiln::graph
