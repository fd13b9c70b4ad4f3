//===- LowerKernelCalls.cpp - kiln_kernel ops on memrefs to calls -----------===//
//
// Each kiln_kernel op becomes a call `kiln_k_<op>_f32(exec, &args)` where
// `args` is the kernel's argument struct (runtime/kernels/kiln_kernels.h),
// filled on the stack from the buffers' addresses, shapes and strides. Every
// public function gets a trailing `!llvm.ptr` argument: the `kiln_exec` the
// runtime passes, which the kernels split their work over.
//
//===----------------------------------------------------------------------===//
#include "dialects/kernel/KernelOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERKERNELCALLS
#include "passes/Passes.h.inc"

namespace {

/// A buffer as the kernels see it: its static shape and strides (elements).
struct Buf {
  Value memref;
  SmallVector<int64_t> shape, strides;
};

/// Builds the argument struct of one call, field by field.
class ArgStruct {
public:
  ArgStruct(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  void i64(int64_t v) { add(b.getI64Type(), constInt(b.getI64Type(), v)); }
  void i32(int64_t v) { add(b.getI32Type(), constInt(b.getI32Type(), v)); }
  void f32(float v) {
    add(b.getF32Type(), arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v)));
  }
  /// The address of the buffer's first element, or null.
  void ptr(const Buf *buf) {
    auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
    if (!buf) {
      add(ptrTy, LLVM::ZeroOp::create(b, loc, ptrTy));
      return;
    }
    auto type = cast<MemRefType>(buf->memref.getType());
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buf->memref);
    Value addr = arith::IndexCastOp::create(b, loc, b.getI64Type(), base);
    auto [strides, offset] = type.getStridesAndOffset();
    Value off;
    if (ShapedType::isDynamic(offset)) {
      auto md = memref::ExtractStridedMetadataOp::create(b, loc, buf->memref);
      off = arith::IndexCastOp::create(b, loc, b.getI64Type(), md.getOffset());
    } else {
      off = constInt(b.getI64Type(), offset);
    }
    int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    addr = arith::AddIOp::create(
        b, loc, addr, arith::MulIOp::create(b, loc, off, constInt(b.getI64Type(), bytes)));
    add(ptrTy, LLVM::IntToPtrOp::create(b, loc, ptrTy, addr));
  }

  /// Stores the struct in a stack slot of `func`'s entry block.
  Value materialize(func::FuncOp func) {
    auto structTy = LLVM::LLVMStructType::getLiteral(b.getContext(), types);
    Value s = LLVM::UndefOp::create(b, loc, structTy);
    for (auto [i, v] : llvm::enumerate(values))
      s = LLVM::InsertValueOp::create(b, loc, s, v, i);
    auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
    Value slot;
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&func.getBody().front());
      Value one = LLVM::ConstantOp::create(b, loc, b.getI64Type(), b.getI64IntegerAttr(1));
      slot = LLVM::AllocaOp::create(b, loc, ptrTy, structTy, one, /*alignment=*/8);
    }
    LLVM::StoreOp::create(b, loc, s, slot);
    return slot;
  }

private:
  Value constInt(Type t, int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v));
  }
  void add(Type t, Value v) {
    types.push_back(t);
    values.push_back(v);
  }
  OpBuilder &b;
  Location loc;
  SmallVector<Type> types;
  SmallVector<Value> values;
};

FailureOr<Buf> bufferOf(Operation *op, Value v, StringRef what) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type)
    return op->emitOpError("expects memrefs (run after bufferization); ") << what
                                                                            << " is not one";
  auto [strides, offset] = type.getStridesAndOffset();
  if (!type.hasStaticShape() || llvm::any_of(strides, ShapedType::isDynamic))
    return op->emitOpError("needs static shapes and strides; ") << what << " is " << type;
  if (type.getRank() > 0 && type.getShape().back() != 1 && strides.back() != 1)
    return op->emitOpError("needs a contiguous innermost dim; ") << what << " is " << type;
  return Buf{v, SmallVector<int64_t>(type.getShape()), SmallVector<int64_t>(strides)};
}

/// `v`'s buffer in `out` when `v` is set (optional operands).
LogicalResult optionalBuffer(Operation *op, Value v, StringRef what, std::optional<Buf> &out) {
  if (!v)
    return success();
  auto buf = bufferOf(op, v, what);
  if (failed(buf))
    return failure();
  out = *buf;
  return success();
}

/// The single stride that walks dims [first, last) in order, treating them as
/// one flattened dim; 0 when they hold one element; nullopt if not uniform.
std::optional<int64_t> collapsedStride(const Buf &b, size_t first, size_t last) {
  std::optional<int64_t> stride;
  int64_t expected = -1;
  for (size_t i = last; i-- > first;) {
    if (b.shape[i] == 1)
      continue;
    if (!stride) {
      stride = b.strides[i];
      expected = b.strides[i] * b.shape[i];
      continue;
    }
    if (b.strides[i] != expected)
      return std::nullopt;
    expected *= b.shape[i];
  }
  return stride.value_or(0);
}

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

/// The row stride of a [..., rows, cols] buffer (cols if there is one row).
int64_t rowStride(const Buf &b) {
  size_t r = b.shape.size();
  return r >= 2 && b.shape[r - 2] != 1 ? b.strides[r - 2] : std::max<int64_t>(b.shape.back(), 1);
}

struct LowerKernelCallsPass : impl::KilnLowerKernelCallsBase<LowerKernelCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || func.isPrivate())
        continue;
      auto ptrTy = LLVM::LLVMPointerType::get(&getContext());
      unsigned index = func.getNumArguments();
      OpBuilder attrs(&getContext());
      if (failed(func.insertArgument(
              index, ptrTy,
              attrs.getDictionaryAttr(attrs.getNamedAttr("kiln.role", attrs.getStringAttr("exec"))),
              func.getLoc())))
        return signalPassFailure();
      Value exec = func.getArgument(index);
      SmallVector<Operation *> kernels;
      func.walk([&](Operation *op) {
        if (isa<kernel::GemmOp, kernel::AttentionOp, kernel::NormOp, kernel::SoftmaxOp>(op))
          kernels.push_back(op);
      });
      for (Operation *op : kernels) {
        OpBuilder b(op);
        LogicalResult r = llvm::TypeSwitch<Operation *, LogicalResult>(op)
                              .Case([&](kernel::GemmOp o) { return lowerGemm(b, func, exec, o); })
                              .Case([&](kernel::AttentionOp o) {
                                return lowerAttention(b, func, exec, o);
                              })
                              .Case([&](kernel::NormOp o) { return lowerNorm(b, func, exec, o); })
                              .Case([&](kernel::SoftmaxOp o) {
                                return lowerSoftmax(b, func, exec, o);
                              });
        if (failed(r))
          return signalPassFailure();
        op->erase();
      }
    }
  }

  void call(OpBuilder &b, Location loc, StringRef name, Value exec, Value args) {
    ModuleOp module = getOperation();
    auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
    if (!module.lookupSymbol(name)) {
      OpBuilder mb(module.getBodyRegion());
      mb.setInsertionPointToEnd(module.getBody());
      auto fnTy = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()),
                                              {ptrTy, ptrTy});
      LLVM::LLVMFuncOp::create(mb, loc, name, fnTy);
    }
    LLVM::CallOp::create(b, loc, TypeRange{}, name, ValueRange{exec, args});
  }

  LogicalResult lowerGemm(OpBuilder &b, func::FuncOp func, Value exec, kernel::GemmOp op) {
    auto a = bufferOf(op, op.getA(), "a"), bb = bufferOf(op, op.getB(), "b"),
         c = bufferOf(op, op.getC(), "the result");
    if (failed(a) || failed(bb) || failed(c))
      return failure();
    std::optional<Buf> bias, res, normScale, normBias, y;
    if (failed(optionalBuffer(op, op.getBias(), "bias", bias)) ||
        failed(optionalBuffer(op, op.getResidual(), "residual", res)) ||
        failed(optionalBuffer(op, op.getNormScale(), "norm_scale", normScale)) ||
        failed(optionalBuffer(op, op.getNormBias(), "norm_bias", normBias)) ||
        failed(optionalBuffer(op, op.getNormOut(), "the norm's result", y)))
      return failure();
    size_t rank = c->shape.size(), nb = rank - 2;
    int64_t m = c->shape[rank - 2], n = c->shape[rank - 1], k = a->shape.back();
    int64_t batch = product(ArrayRef<int64_t>(c->shape).take_front(nb));
    bool packed = op.getBLayout() == kernel::BLayout::packed;
    // An operand's batch stride: 0 when it has no batch (or all-1) dims.
    auto batchStride = [&](const Buf &x) -> std::optional<int64_t> {
      size_t xb = x.shape.size() - 2;
      if (product(ArrayRef<int64_t>(x.shape).take_front(xb)) == 1)
        return 0;
      return collapsedStride(x, 0, xb);
    };
    auto sa = batchStride(*a), sc = batchStride(*c);
    std::optional<int64_t> sb = packed ? std::optional<int64_t>(0) : batchStride(*bb);
    std::optional<int64_t> sr = res ? batchStride(*res) : std::optional<int64_t>(0);
    std::optional<int64_t> sy = y ? batchStride(*y) : std::optional<int64_t>(0);
    if (!sa || !sb || !sc || !sr || !sy)
      return op.emitOpError("batch dims of its buffers do not collapse to one stride");
    int64_t lda = rowStride(*a), ldc = rowStride(*c), ldr = res ? rowStride(*res) : 0;
    int64_t ldy = y ? rowStride(*y) : 0;
    // Rows of every batch back to back, and B shared: one tall GEMM.
    if (batch > 1 && *sb == 0 && *sa == m * lda && *sc == m * ldc && (!res || *sr == m * ldr) &&
        (!y || *sy == m * ldy)) {
      m *= batch;
      batch = 1;
    }
    int64_t ldb = packed ? 0 : rowStride(*bb);
    Location loc = op.getLoc();
    ArgStruct s(b, loc);
    s.i64(batch), s.i64(m), s.i64(n), s.i64(k);
    s.ptr(&*a), s.i64(*sa), s.i64(lda);
    s.ptr(&*bb), s.i64(*sb), s.i64(ldb);
    s.ptr(bias ? &*bias : nullptr);
    s.ptr(res ? &*res : nullptr), s.i64(*sr), s.i64(ldr);
    s.ptr(&*c), s.i64(*sc), s.i64(ldc);
    s.i32(static_cast<int32_t>(op.getBLayout())), s.i32(static_cast<int32_t>(op.getActivation()));
    s.i64(op.getKSplit());
    s.ptr(normScale ? &*normScale : nullptr), s.ptr(normBias ? &*normBias : nullptr);
    // Without a norm outs of its own, the norm overwrites C.
    if (normScale && !y)
      s.ptr(&*c), s.i64(*sc), s.i64(ldc);
    else
      s.ptr(y ? &*y : nullptr), s.i64(*sy), s.i64(ldy);
    s.f32(op.getNormEpsilon() ? op.getNormEpsilon()->convertToFloat() : 0.0f);
    s.i32(op.getNormRms() ? 1 : 0);
    s.i32(op.getStreamC() ? 1 : 0);
    call(b, loc, "kiln_k_gemm_f32", exec, s.materialize(func));
    return success();
  }

  LogicalResult lowerAttention(OpBuilder &b, func::FuncOp func, Value exec,
                               kernel::AttentionOp op) {
    ArrayRef<bool> major = op.getSeqMajor();
    Value vals[4] = {op.getQ(), op.getK(), op.getV(), op.getOuts()};
    const char *names[4] = {"q", "k", "v", "the result"};
    SmallVector<Buf> bufs;
    for (int i = 0; i < 4; ++i) {
      auto buf = bufferOf(op, vals[i], names[i]);
      if (failed(buf))
        return failure();
      bufs.push_back(*buf);
    }
    // Logical (batch, heads, seq) strides and dims.
    auto logical = [&](int i, int dim) {
      int phys = major[i] && dim == 1 ? 2 : major[i] && dim == 2 ? 1 : dim;
      return std::make_pair(bufs[i].shape[phys], bufs[i].strides[phys]);
    };
    Location loc = op.getLoc();
    ArgStruct s(b, loc);
    int64_t batch = logical(0, 0).first, hq = logical(0, 1).first, sq = logical(0, 2).first;
    int64_t hkv = logical(1, 1).first, t = logical(1, 2).first;
    s.i64(batch), s.i64(hq), s.i64(hkv), s.i64(sq), s.i64(t);
    s.i64(bufs[0].shape[3]), s.i64(bufs[2].shape[3]);
    for (int i = 0; i < 4; ++i) {
      s.ptr(&bufs[i]);
      for (int dim = 0; dim < 3; ++dim)
        s.i64(logical(i, dim).second);
    }
    std::optional<Buf> mask;
    if (failed(optionalBuffer(op, op.getMask(), "mask", mask)))
      return failure();
    int32_t maskKind =
        !mask ? 0 : cast<MemRefType>(op.getMask().getType()).getElementType().isF32() ? 1 : 2;
    s.ptr(mask ? &*mask : nullptr);
    // The mask's dims align right onto [B, Hq, S, T]; broadcast dims step 0.
    for (int dim = 0; dim < 4; ++dim) {
      int64_t stride = 0;
      if (mask) {
        int at = dim - (4 - (int)mask->shape.size());
        if (at >= 0 && mask->shape[at] != 1)
          stride = mask->strides[at];
      }
      s.i64(stride);
    }
    s.i64(op.getCausalOffset());
    s.i32(maskKind), s.i32(op.getCausal() ? 1 : 0);
    s.f32(op.getScale().convertToFloat()), s.f32(op.getSoftcap().convertToFloat());
    call(b, loc, "kiln_k_attention_f32", exec, s.materialize(func));
    return success();
  }

  /// rows x cols of a [..., cols] buffer: the leading dims must collapse.
  static std::optional<int64_t> rowsStride(const Buf &x) {
    if (x.shape.size() < 2)
      return x.shape.empty() ? 1 : x.shape.back();
    auto st = collapsedStride(x, 0, x.shape.size() - 1);
    if (!st)
      return std::nullopt;
    return *st == 0 ? std::max<int64_t>(x.shape.back(), 1) : *st;
  }

  LogicalResult lowerNorm(OpBuilder &b, func::FuncOp func, Value exec, kernel::NormOp op) {
    auto x = bufferOf(op, op.getX(), "x"), scale = bufferOf(op, op.getScale(), "scale"),
         y = bufferOf(op, op.getOuts()[0], "the result");
    if (failed(x) || failed(scale) || failed(y))
      return failure();
    std::optional<Buf> skip, bias, sum;
    Value sumOut = op.getOuts().size() == 2 ? op.getOuts()[1] : Value();
    if (failed(optionalBuffer(op, op.getSkip(), "skip", skip)) ||
        failed(optionalBuffer(op, op.getBias(), "bias", bias)) ||
        failed(optionalBuffer(op, sumOut, "the sum", sum)))
      return failure();
    auto ldx = rowsStride(*x), ldy = rowsStride(*y);
    auto ldskip = skip ? rowsStride(*skip) : std::optional<int64_t>(0);
    auto ldsum = sum ? rowsStride(*sum) : std::optional<int64_t>(0);
    if (!ldx || !ldy || !ldskip || !ldsum)
      return op.emitOpError("leading dims of its buffers do not collapse to rows");
    int64_t cols = x->shape.back(), rows = product(x->shape) / std::max<int64_t>(cols, 1);
    Location loc = op.getLoc();
    ArgStruct s(b, loc);
    s.i64(rows), s.i64(cols);
    s.ptr(&*x), s.i64(*ldx);
    s.ptr(skip ? &*skip : nullptr), s.i64(*ldskip);
    s.ptr(&*scale), s.ptr(bias ? &*bias : nullptr);
    s.ptr(&*y), s.i64(*ldy);
    s.ptr(sum ? &*sum : nullptr), s.i64(*ldsum);
    s.f32(op.getEpsilon().convertToFloat()), s.i32(op.getRms() ? 1 : 0);
    call(b, loc, "kiln_k_norm_f32", exec, s.materialize(func));
    return success();
  }

  LogicalResult lowerSoftmax(OpBuilder &b, func::FuncOp func, Value exec,
                             kernel::SoftmaxOp op) {
    auto x = bufferOf(op, op.getX(), "x"), y = bufferOf(op, op.getOuts(), "the result");
    if (failed(x) || failed(y))
      return failure();
    auto ldx = rowsStride(*x), ldy = rowsStride(*y);
    if (!ldx || !ldy)
      return op.emitOpError("leading dims of its buffers do not collapse to rows");
    int64_t cols = x->shape.back(), rows = product(x->shape) / std::max<int64_t>(cols, 1);
    Location loc = op.getLoc();
    ArgStruct s(b, loc);
    s.i64(rows), s.i64(cols);
    s.ptr(&*x), s.i64(*ldx);
    s.ptr(&*y), s.i64(*ldy);
    s.i32(op.getLog() ? 1 : 0), s.i32(0);
    call(b, loc, "kiln_k_softmax_f32", exec, s.materialize(func));
    return success();
  }
};

} // namespace
} // namespace kiln
