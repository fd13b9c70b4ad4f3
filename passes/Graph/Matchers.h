//===- Matchers.h - value-level matchers shared by the fusions ---*- C++ -*-===//
//
// Exporters write the same math many ways: operands in either order, a
// division or a multiplication by the reciprocal, x*x or Pow(x, 2), scalars
// as [] or [1] or [1,1,1], 1.4142 or sqrt(2) to six digits. These matchers
// see through those differences, so each fusion states the math once.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_GRAPH_MATCHERS_H
#define KILN_PASSES_GRAPH_MATCHERS_H

#include "passes/Graph/Subgraph.h"

#include "mlir/IR/Value.h"

#include <map>
#include <optional>

namespace kiln::graph {

/// Constants match when within this relative distance (GELU's 1.4142 is
/// 9.6e-6 from sqrt(2)); a closer exporter constant changes results less.
constexpr double kConstTol = 1.0e-5;

/// The value of a splat float or integer constant of any shape.
std::optional<double> splatValue(mlir::Value v);
/// True when `v` is a splat constant within kConstTol of `expected`.
bool isSplat(mlir::Value v, double expected);
/// True for any constant (dense or a weight blob).
bool isConstant(mlir::Value v);

/// The op defining `v` when it is an OpTy, else null.
template <typename OpTy>
OpTy def(mlir::Value v) {
  return v ? v.getDefiningOp<OpTy>() : OpTy();
}

/// For a binary op with operands (a, b): the operand that is not `known`, or
/// null when neither is.
mlir::Value otherOperand(mlir::Operation *binary, mlir::Value known);

/// A polynomial in up to two variables (x, t), exponents up to 7: the shape of
/// GELU's algebra, `0.5 x + 0.5 x t` with t = erf(x / sqrt 2).
class Polynomial {
public:
  using Monomial = std::pair<int, int>; // exponents of (x, t)
  static Polynomial constant(double c);
  static Polynomial variable(int which); // 0: x, 1: t

  Polynomial operator+(const Polynomial &o) const;
  Polynomial operator*(const Polynomial &o) const;
  Polynomial scaled(double c) const;
  int degree() const;
  /// True when every coefficient is within kConstTol (relative to the
  /// largest expected coefficient) of `expected`'s.
  bool near(const Polynomial &expected) const;
  std::string str() const;

private:
  std::map<Monomial, double> terms;
};

/// Expands `v` into a polynomial of `x` and `t`, looking through add, sub,
/// neg, mul, division by constants and small integer powers. Each op it
/// expands goes into `ops`. nullopt when `v` involves anything else.
std::optional<Polynomial> expandPolynomial(mlir::Value v, mlir::Value x,
                                           mlir::Value t, Subgraph &ops);

} // namespace kiln::graph

#endif
