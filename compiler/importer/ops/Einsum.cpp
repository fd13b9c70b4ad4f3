//===- Einsum.cpp - ONNX Einsum as transposes, reductions and a matmul ------===//
//
// Two-operand contractions become one batched kiln.matmul between operands
// permuted to [batch, free, contracted] form; one-operand equations are a
// reduction plus a transpose. Diagonals (a letter twice in one operand) and
// three or more operands are reported as unsupported.
//
//===----------------------------------------------------------------------===//
#include "compiler/importer/NodeAttributes.h"
#include "compiler/importer/ops/OpBuilders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace kiln::ops {

namespace {
/// One operand's subscripts, with its ellipsis expanded into placeholder
/// labels '0'..'9' numbered from the right, so they broadcast by position.
struct Term {
  std::string labels;
};
} // namespace

static std::optional<std::string> expandEllipsis(StringRef spec, int64_t rank,
                                                 int64_t &ellipsisRank) {
  size_t pos = spec.find("...");
  if (pos == StringRef::npos) {
    if ((int64_t)spec.size() != rank)
      return std::nullopt;
    return spec.str();
  }
  int64_t named = (int64_t)spec.size() - 3;
  int64_t count = rank - named;
  if (count < 0 || count > 10)
    return std::nullopt;
  ellipsisRank = std::max(ellipsisRank, count);
  std::string out = spec.substr(0, pos).str();
  for (int64_t i = count - 1; i >= 0; --i)
    out += char('0' + i);
  out += spec.substr(pos + 3).str();
  return out;
}

Check checkEinsum(const onnx::NodeProto &node, int64_t) {
  std::string eq = attrString(node, "equation", "");
  if (eq.empty())
    return std::string("needs an equation");
  if (node.input_size() > 2)
    return std::string("more than two operands is not supported");
  return std::nullopt;
}

/// Sums `x` over the labels not in `keep`, dropping those dims.
static Value sumOut(NodeImporter &n, Value x, std::string &labels,
                    StringRef keep) {
  SmallVector<int64_t> axes;
  std::string kept;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (keep.contains(labels[i]))
      kept += labels[i];
    else
      axes.push_back(i);
  }
  if (axes.empty())
    return x;
  labels = kept;
  return n.reduce(ReduceKind::sum, x, axes, /*keepDims=*/false);
}

/// Permutes `x` from `labels` to `order`.
static Value permute(NodeImporter &n, Value x, StringRef labels, StringRef order) {
  SmallVector<int64_t> perm;
  for (char c : order)
    perm.push_back(labels.find(c));
  return n.transpose(x, perm);
}

LogicalResult importEinsum(NodeImporter &n) {
  std::string eq;
  for (char c : n.attrString("equation", ""))
    if (!llvm::isSpace(c))
      eq += c;
  StringRef lhsSpec = eq, outSpec;
  bool explicitOut = StringRef(eq).contains("->");
  if (explicitOut)
    std::tie(lhsSpec, outSpec) = StringRef(eq).split("->");
  SmallVector<StringRef> specs;
  lhsSpec.split(specs, ',');
  if (specs.size() != n.numInputs())
    return n.fail("equation '" + eq + "' names " + llvm::Twine(specs.size()) +
                  " operands but the node has " + llvm::Twine(n.numInputs()));

  SmallVector<Value> values;
  SmallVector<std::string> labels;
  int64_t ellipsisRank = 0;
  llvm::DenseMap<char, int64_t> sizes;
  for (size_t i = 0; i < specs.size(); ++i) {
    RankedTensorType t = n.inputType(i);
    if (!t)
      return failure();
    auto l = expandEllipsis(specs[i], t.getRank(), ellipsisRank);
    if (!l)
      return n.fail("operand " + llvm::Twine(i) + " of rank " +
                    llvm::Twine(t.getRank()) + " does not fit '" + specs[i] + "'");
    for (size_t d = 0; d < l->size(); ++d) {
      char c = (*l)[d];
      if (llvm::count(*l, c) > 1)
        return n.fail("repeated label '" + llvm::Twine(c) +
                      "' (a diagonal) is not supported");
      auto [it, fresh] = sizes.try_emplace(c, t.getDimSize(d));
      if (!fresh && it->second != t.getDimSize(d))
        return n.fail("label '" + llvm::Twine(c) + "' has sizes " +
                      llvm::Twine(it->second) + " and " +
                      llvm::Twine(t.getDimSize(d)) +
                      " (broadcasting is not supported)");
    }
    values.push_back(n.input(i));
    labels.push_back(*l);
  }

  std::string out;
  if (explicitOut) {
    size_t pos = outSpec.find("...");
    if (pos == StringRef::npos) {
      out = outSpec.str();
    } else {
      out = outSpec.substr(0, pos).str();
      for (int64_t i = ellipsisRank - 1; i >= 0; --i)
        out += char('0' + i);
      out += outSpec.substr(pos + 3).str();
    }
  } else {
    // Implicit output: ellipsis dims, then labels used once, alphabetically.
    for (int64_t i = ellipsisRank - 1; i >= 0; --i)
      out += char('0' + i);
    std::string all;
    for (auto &l : labels)
      all += l;
    std::string once;
    for (char c : all)
      if (llvm::isAlpha(c) && llvm::count(all, c) == 1)
        once += c;
    llvm::sort(once);
    out += once;
  }
  for (char c : out)
    if (!sizes.count(c))
      return n.fail("output label '" + llvm::Twine(c) + "' is not an input's");

  if (values.size() == 1) {
    Value x = sumOut(n, values[0], labels[0], out);
    return n.setOutput(0, permute(n, x, labels[0], out));
  }

  std::string &l = labels[0], &r = labels[1];
  // Labels only one side has and the output drops are summed first.
  Value a = sumOut(n, values[0], l, r + out);
  Value b = sumOut(n, values[1], r, l + out);
  std::string batch, contract, lfree, rfree;
  for (char c : l) {
    bool inR = r.find(c) != std::string::npos;
    bool inOut = out.find(c) != std::string::npos;
    if (inR && inOut)
      batch += c;
    else if (inR)
      contract += c;
    else
      lfree += c;
  }
  for (char c : r)
    if (l.find(c) == std::string::npos)
      rfree += c;
  auto prod = [&](StringRef s) {
    int64_t p = 1;
    for (char c : s)
      p *= sizes[c];
    return p;
  };
  int64_t bsz = prod(batch), m = prod(lfree), k = prod(contract), nsz = prod(rfree);
  a = n.reshape(permute(n, a, l, batch + lfree + contract), {bsz, m, k});
  b = n.reshape(permute(n, b, r, batch + contract + rfree), {bsz, k, nsz});
  Value y = n.matmul(a, b);
  std::string yLabels = batch + lfree + rfree;
  SmallVector<int64_t> yShape;
  for (char c : yLabels)
    yShape.push_back(sizes[c]);
  y = n.reshape(y, yShape);
  return n.setOutput(0, permute(n, y, yLabels, out));
}

} // namespace kiln::ops
