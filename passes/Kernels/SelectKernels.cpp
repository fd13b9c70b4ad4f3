//===- SelectKernels.cpp - kiln ops that a library kernel computes ----------===//
//
// Rewrites the f32 kiln ops that runtime/kernels implements into kiln_kernel
// ops for one ISA variant:
//   kiln.linear, kiln.matmul        -> kiln_kernel.gemm (constant 2-D weights
//                                      packed now, in the variant's panels)
//   kiln.attention                  -> kiln_kernel.attention (rotary and past
//                                      keys first, as kiln ops); transposes
//                                      between [B,S,H,D] and [B,H,S,D] on its
//                                      operands and result are absorbed
//   kiln.layer_norm, kiln.rms_norm,
//   kiln.skip_layer_norm, ..._rms_norm -> kiln_kernel.norm
//   kiln.softmax, kiln.log_softmax  -> kiln_kernel.softmax
// Anything else (other types, other axes, shapes a kernel does not take)
// stays for kiln-to-linalg. Weights whose only user was packed are released.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"
#include "dialects/kiln/KilnOps.h"
#include "passes/Kernels/WeightPacking.h"
#include "passes/Passes.h"

#include "runtime/kernels/kernel_config.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNSELECTKERNELS
#include "passes/Passes.h.inc"

namespace {

RankedTensorType tensorOf(Type t) { return dyn_cast<RankedTensorType>(t); }
RankedTensorType tensorOf(Value v) { return tensorOf(v.getType()); }

/// Kernels read rows with unit stride. After bufferization only slices with
/// a step on the last dim (and reshapes of them) are views that lack it.
bool innerContiguous(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto slice = dyn_cast<SliceOp>(def)) {
      if (!slice.getSteps().empty() && slice.getSteps().back() != 1)
        return false;
      v = slice.getInput();
    } else if (auto reshape = dyn_cast<ReshapeOp>(def)) {
      v = reshape.getInput();
    } else {
      return true;
    }
  }
  return true;
}

/// A static f32 tensor a kernel can read.
bool isStaticF32(Value v) {
  auto t = tensorOf(v);
  return t && t.hasStaticShape() && t.getElementType().isF32() && innerContiguous(v);
}

Value emptyLike(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  return tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
}

/// A per-column vector ([1, ..., 1, n] or [n]) as [n]; null otherwise.
Value asVector(OpBuilder &b, Location loc, Value v, int64_t n) {
  auto t = tensorOf(v);
  if (!t || !isStaticF32(v) || t.getNumElements() != n || t.getRank() == 0 ||
      t.getShape().back() != n)
    return {};
  if (t.getRank() == 1)
    return v;
  return ReshapeOp::create(b, loc, RankedTensorType::get({n}, b.getF32Type()), v);
}

/// Batch dims an operand may have: none, all 1, or the result's.
bool batchOk(ArrayRef<int64_t> operand, ArrayRef<int64_t> result) {
  ArrayRef<int64_t> batch = operand.drop_back(2);
  return batch.empty() || llvm::all_of(batch, [](int64_t d) { return d == 1; }) ||
         batch == result.drop_back(2);
}

kernel::Activation activationOf(Activation a) {
  switch (a) {
  case Activation::none: return kernel::Activation::none;
  case Activation::relu: return kernel::Activation::relu;
  case Activation::gelu: return kernel::Activation::gelu;
  case Activation::gelu_tanh: return kernel::Activation::gelu_tanh;
  }
  return kernel::Activation::none;
}

struct SelectKernelsPass : impl::KilnSelectKernelsBase<SelectKernelsPass> {
  using KilnSelectKernelsBase::KilnSelectKernelsBase;

  KernelIsa target = KernelIsa::None;
  llvm::StringSet<> packedFrom;

  void runOnOperation() override {
    auto parsed = parseKernelIsa(isaName);
    if (!parsed) {
      getOperation().emitError("kiln-select-kernels: unknown isa '")
          << isaName << "' (generic, avx2, avx512, neon or none)";
      return signalPassFailure();
    }
    target = *parsed;
    if (target == KernelIsa::None)
      return;
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<LinearOp, MatmulOp, AttentionOp, LayerNormOp, RmsNormOp, SkipLayerNormOp,
              SkipRmsNormOp, SoftmaxOp, LogSoftmaxOp>(op))
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (Operation *op : ops) {
      rw.setInsertionPoint(op);
      llvm::TypeSwitch<Operation *, void>(op)
          .Case([&](LinearOp o) { selectLinear(rw, o); })
          .Case([&](MatmulOp o) { selectMatmul(rw, o); })
          .Case([&](AttentionOp o) { selectAttention(rw, o); })
          .Case([&](LayerNormOp o) {
            selectNorm(rw, o, o.getInput(), {}, o.getScale(), o.getBias(), o.getAxis(),
                       o.getEpsilon(), false);
          })
          .Case([&](RmsNormOp o) {
            selectNorm(rw, o, o.getInput(), {}, o.getScale(), {}, o.getAxis(), o.getEpsilon(),
                       true);
          })
          .Case([&](SkipLayerNormOp o) {
            selectNorm(rw, o, o.getInput(), o.getSkip(), o.getScale(), o.getBias(), o.getAxis(),
                       o.getEpsilon(), false);
          })
          .Case([&](SkipRmsNormOp o) {
            selectNorm(rw, o, o.getInput(), o.getSkip(), o.getScale(), {}, o.getAxis(),
                       o.getEpsilon(), true);
          })
          .Case([&](SoftmaxOp o) { selectSoftmax(rw, o, o.getInput(), o.getAxis(), false); })
          .Case([&](LogSoftmaxOp o) { selectSoftmax(rw, o, o.getInput(), o.getAxis(), true); });
    }
    releasePackedWeights();
  }

  /// A constant 2-D f32 weight packed for this ISA, or null.
  Value packedWeight(OpBuilder &b, Location loc, Value w, bool transposed) {
    auto c = w.getDefiningOp<ConstantOp>();
    if (!c || !isStaticF32(w) || tensorOf(w).getRank() != 2)
      return {};
    auto packed = packWeights(c.getValue(), transposed, gemmPanelWidth(target));
    if (!packed)
      return {};
    if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
      packedFrom.insert(res.getRawHandle().getKey());
    return ConstantOp::create(b, loc, *packed);
  }

  /// B as the kernel reads it: packed when constant, else as is.
  std::pair<Value, kernel::BLayout> gemmB(OpBuilder &b, Location loc, Value rhs,
                                          bool transposed) {
    if (Value p = packedWeight(b, loc, rhs, transposed))
      return {p, kernel::BLayout::packed};
    return {rhs, transposed ? kernel::BLayout::transposed : kernel::BLayout::row_major};
  }

  void selectLinear(IRRewriter &rw, LinearOp op) {
    Location loc = op.getLoc();
    auto rt = tensorOf(op.getType());
    if (!isStaticF32(op.getLhs()) || !isStaticF32(op.getRhs()) || !isStaticF32(op.getResult()) ||
        tensorOf(op.getRhs()).getRank() != 2 || rt.getRank() < 2)
      return;
    int64_t n = rt.getShape().back();
    Value bias, residual = op.getResidual();
    if (op.getBias() && !(bias = asVector(rw, loc, op.getBias(), n)))
      return;
    if (residual && (!isStaticF32(residual) || tensorOf(residual) != rt))
      return;
    auto [b, layout] = gemmB(rw, loc, op.getRhs(), op.getTransposeRhs());
    auto gemm = kernel::GemmOp::create(rw, loc, TypeRange{rt}, op.getLhs(), b, bias, residual,
                                       Value(), Value(), emptyLike(rw, loc, rt.getShape()), layout,
                                       activationOf(op.getActivation()), /*k_split=*/0,
                                       /*norm_epsilon=*/FloatAttr());
    rw.replaceOp(op, gemm.getResults());
  }

  void selectMatmul(IRRewriter &rw, MatmulOp op) {
    Location loc = op.getLoc();
    auto lt = tensorOf(op.getLhs()), bt = tensorOf(op.getRhs()), rt = tensorOf(op.getType());
    if (op.getTransposeLhs() || !isStaticF32(op.getLhs()) || !isStaticF32(op.getRhs()) ||
        !isStaticF32(op.getResult()) || lt.getRank() < 2 || bt.getRank() < 2 ||
        rt.getRank() < 2 || lt.getRank() > rt.getRank() || bt.getRank() > rt.getRank() ||
        !batchOk(lt.getShape(), rt.getShape()) || !batchOk(bt.getShape(), rt.getShape()))
      return;
    Value b = op.getRhs();
    kernel::BLayout layout =
        op.getTransposeRhs() ? kernel::BLayout::transposed : kernel::BLayout::row_major;
    if (bt.getRank() == 2)
      std::tie(b, layout) = gemmB(rw, loc, b, op.getTransposeRhs());
    auto gemm = kernel::GemmOp::create(rw, loc, TypeRange{rt}, op.getLhs(), b, Value(), Value(),
                                       Value(), Value(), emptyLike(rw, loc, rt.getShape()), layout,
                                       kernel::Activation::none, /*k_split=*/0,
                                       /*norm_epsilon=*/FloatAttr());
    rw.replaceOp(op, gemm.getResults());
  }

  /// `v` read through a [0, 2, 1, 3] transpose: its input, and true.
  static std::pair<Value, bool> seqMajor(Value v) {
    if (auto t = v.getDefiningOp<TransposeOp>())
      if (t.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3})
        return {t.getInput(), true};
    return {v, false};
  }

  void selectAttention(IRRewriter &rw, AttentionOp op) {
    Location loc = op.getLoc();
    Value q = op.getQ(), k = op.getK(), v = op.getV(), mask = op.getMask();
    if (!isStaticF32(q) || !isStaticF32(k) || !isStaticF32(v) || !isStaticF32(op.getResult()))
      return;
    if (mask) {
      auto mt = tensorOf(mask);
      if (!mt || !mt.hasStaticShape() || mt.getRank() > 4 || !innerContiguous(mask) ||
          !(mt.getElementType().isF32() || mt.getElementType().isInteger(1)))
        return;
    }
    int64_t d = tensorOf(q).getShape()[3], dv = tensorOf(v).getShape()[3];
    if (d < 1 || dv < 1 || d > KILN_ATTENTION_MAX_HEAD_DIM || dv > KILN_ATTENTION_MAX_HEAD_DIM)
      return;
    for (Value p : {op.getPastKey(), op.getPastValue(), op.getRotaryCos(), op.getRotarySin()})
      if (p && !isStaticF32(p))
        return;
    // Rotary and past keys as kiln ops; their results feed the kernel.
    if (Value cos = op.getRotaryCos()) {
      auto dim = rw.getI64IntegerAttr(op.getRotaryDim());
      UnitAttr inter = op.getRotaryInterleavedAttr();
      q = RotaryEmbeddingOp::create(rw, loc, q.getType(), q, cos, op.getRotarySin(), dim, inter);
      k = RotaryEmbeddingOp::create(rw, loc, k.getType(), k, cos, op.getRotarySin(), dim, inter);
    }
    SmallVector<Value> presents;
    int64_t pastLen = 0;
    if (op.getPastKey()) {
      pastLen = tensorOf(op.getPastKey()).getShape()[2];
      auto cat = [&](Value past, Value cur) {
        auto pt = tensorOf(past), ct = tensorOf(cur);
        SmallVector<int64_t> shape(ct.getShape());
        shape[2] += pt.getShape()[2];
        return ConcatOp::create(rw, loc, RankedTensorType::get(shape, rw.getF32Type()),
                                ValueRange{past, cur}, rw.getI64IntegerAttr(2))
            .getResult();
      };
      k = cat(op.getPastKey(), k);
      v = cat(op.getPastValue(), v);
      presents = {k, v};
    }
    SmallVector<bool, 4> major(4, false);
    std::tie(q, major[0]) = seqMajor(q);
    std::tie(k, major[1]) = seqMajor(k);
    std::tie(v, major[2]) = seqMajor(v);
    // The result in [B, S, H, D] when its only reader transposes it there.
    Value result = op.getResult();
    TransposeOp outT;
    if (result.hasOneUse())
      if (auto t = dyn_cast<TransposeOp>(*result.getUsers().begin()))
        if (t.getPermutation() == ArrayRef<int64_t>{0, 2, 1, 3})
          outT = t;
    major[3] = bool(outT);
    auto outType = outT ? tensorOf(outT.getType()) : tensorOf(result.getType());
    auto attn = kernel::AttentionOp::create(
        rw, loc, TypeRange{outType}, q, k, v, mask, emptyLike(rw, loc, outType.getShape()),
        op.getScaleAttr(), op.getCausalAttr(), rw.getI64IntegerAttr(pastLen),
        op.getSoftcapAttr(), rw.getDenseBoolArrayAttr(major));
    if (outT) {
      // The transpose was the result's only reader.
      rw.replaceOp(outT, attn.getResults());
      for (auto [old, repl] : llvm::zip(op.getPresents(), presents))
        rw.replaceAllUsesWith(old, repl);
      rw.eraseOp(op);
      return;
    }
    SmallVector<Value> repl = {attn.getResult(0)};
    repl.append(presents);
    rw.replaceOp(op, repl);
  }

  void selectNorm(IRRewriter &rw, Operation *op, Value x, Value skip, Value scale, Value bias,
                  int64_t axis, APFloat eps, bool rms) {
    Location loc = op->getLoc();
    auto xt = tensorOf(x);
    if (!isStaticF32(x) || xt.getRank() == 0 || (axis != xt.getRank() - 1 && axis != -1) ||
        (skip && (!isStaticF32(skip) || tensorOf(skip) != xt)) ||
        llvm::any_of(op->getResultTypes(), [&](Type t) { return t != xt; }))
      return;
    int64_t cols = xt.getShape().back();
    Value s = asVector(rw, loc, scale, cols), bvec;
    if (!s || (bias && !(bvec = asVector(rw, loc, bias, cols))))
      return;
    // The second output (x + skip) only when something reads it.
    SmallVector<Value> outs = {emptyLike(rw, loc, xt.getShape())};
    bool wantSum = skip && op->getNumResults() == 2 && !op->getResult(1).use_empty();
    if (wantSum)
      outs.push_back(emptyLike(rw, loc, xt.getShape()));
    auto norm = kernel::NormOp::create(rw, loc, TypeRange(ValueRange(outs)), x, skip, s, bvec,
                                       outs, rw.getF32FloatAttr(eps.convertToFloat()),
                                       rms ? rw.getUnitAttr() : UnitAttr());
    rw.replaceAllUsesWith(op->getResult(0), norm.getResult(0));
    if (wantSum)
      rw.replaceAllUsesWith(op->getResult(1), norm.getResult(1));
    rw.eraseOp(op);
  }

  void selectSoftmax(IRRewriter &rw, Operation *op, Value x, int64_t axis, bool log) {
    auto xt = tensorOf(x);
    if (!isStaticF32(x) || xt.getRank() == 0 || (axis != xt.getRank() - 1 && axis != -1))
      return;
    Location loc = op->getLoc();
    auto sm = kernel::SoftmaxOp::create(rw, loc, TypeRange{xt}, x,
                                        emptyLike(rw, loc, xt.getShape()),
                                        log ? rw.getUnitAttr() : UnitAttr());
    rw.replaceOp(op, sm.getResults());
  }

  /// Frees the blobs of weights that only their packed copies still need.
  void releasePackedWeights() {
    if (packedFrom.empty())
      return;
    DenseMap<StringRef, DenseResourceElementsHandle> unpacked;
    getOperation().walk([&](ConstantOp c) {
      auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue());
      if (!c->use_empty() || !res || !packedFrom.contains(res.getRawHandle().getKey()))
        return;
      unpacked.try_emplace(res.getRawHandle().getKey(), res.getRawHandle());
      c.erase();
    });
    getOperation().walk([&](ConstantOp c) {
      if (auto res = dyn_cast<DenseResourceElementsAttr>(c.getValue()))
        unpacked.erase(res.getRawHandle().getKey());
    });
    for (auto &entry : unpacked)
      entry.second.getResource()->setBlob(AsmResourceBlob());
  }
};

} // namespace
} // namespace kiln
