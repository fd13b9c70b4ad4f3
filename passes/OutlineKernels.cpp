//===- OutlineKernels.cpp - one function per linalg op ----------------------===//
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace kiln {
#define GEN_PASS_DEF_KILNOUTLINEKERNELS
#include "passes/Passes.h.inc"

namespace {
struct OutlineKernelsPass : impl::KilnOutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || func.isPrivate())
        continue;
      int count = 0;
      for (Operation &op : llvm::make_early_inc_range(func.getBody().front())) {
        if (!isa<linalg::LinalgOp>(op) || op.getNumResults() != 0)
          continue;
        outline(module, symbols, func, op, count++);
      }
    }
  }

  void outline(ModuleOp module, SymbolTable &symbols, func::FuncOp parent,
               Operation &op, int index) {
    // Arguments: the op's operands and anything its body reads from outside,
    // except constants, which are cloned into the kernel.
    llvm::SetVector<Value> used(op.getOperands().begin(), op.getOperands().end());
    getUsedValuesDefinedAbove(op.getRegions(), used);
    llvm::SetVector<Value> args;
    llvm::SetVector<Operation *> constants;
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>())
        constants.insert(def);
      else
        args.insert(v);
    }
    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    SmallVector<Type> types;
    for (Value v : args)
      types.push_back(v.getType());
    std::string name = (parent.getName() + "_k" + llvm::Twine(index)).str();
    auto kernel = func::FuncOp::create(b, op.getLoc(), name, b.getFunctionType(types, {}));
    kernel.setPrivate();
    symbols.insert(kernel);
    Block *body = kernel.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping map;
    for (auto [v, arg] : llvm::zip(args, body->getArguments()))
      map.map(v, arg);
    for (Operation *c : constants)
      b.clone(*c, map);
    b.clone(op, map);
    func::ReturnOp::create(b, op.getLoc());
    b.setInsertionPoint(&op);
    func::CallOp::create(b, op.getLoc(), kernel, args.getArrayRef());
    op.erase();
  }
};
} // namespace
} // namespace kiln
