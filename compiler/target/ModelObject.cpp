//===- ModelObject.cpp - the lowered model as an LLVM module ----------------===//
#include "compiler/target/ModelObject.h"
#include "runtime/include/kiln_rt.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"

using namespace mlir;

namespace kiln {

std::string weightsSymbol(const std::string &modelName) {
  return modelName + "_weights";
}

/// kiln_tensor_info { ptr name; i32 dtype; i32 rank; ptr dims; i64 n; i64 bytes }
static llvm::Constant *tensorInfos(llvm::Module &m, const std::string &prefix,
                                   const std::vector<TensorSignature> &tensors,
                                   llvm::StructType *infoTy) {
  llvm::LLVMContext &c = m.getContext();
  auto *ptrTy = llvm::PointerType::get(c, 0);
  auto *i32 = llvm::Type::getInt32Ty(c);
  auto *i64 = llvm::Type::getInt64Ty(c);
  std::vector<llvm::Constant *> infos;
  for (auto [i, t] : llvm::enumerate(tensors)) {
    auto *name = llvm::ConstantDataArray::getString(c, t.name);
    auto *nameVar = new llvm::GlobalVariable(m, name->getType(), true,
                                             llvm::GlobalValue::PrivateLinkage, name,
                                             prefix + "_name" + std::to_string(i));
    std::vector<uint64_t> dims(t.shape.begin(), t.shape.end());
    llvm::Constant *dimsPtr = llvm::ConstantPointerNull::get(ptrTy);
    if (!dims.empty()) {
      auto *arr = llvm::ConstantDataArray::get(c, llvm::ArrayRef<uint64_t>(dims));
      dimsPtr = new llvm::GlobalVariable(m, arr->getType(), true,
                                         llvm::GlobalValue::PrivateLinkage, arr,
                                         prefix + "_dims" + std::to_string(i));
    }
    infos.push_back(llvm::ConstantStruct::get(
        infoTy, {nameVar, llvm::ConstantInt::get(i32, t.dtype),
                 llvm::ConstantInt::get(i32, t.shape.size()), dimsPtr,
                 llvm::ConstantInt::get(i64, t.numElements()),
                 llvm::ConstantInt::get(i64, t.byteSize())}));
  }
  if (infos.empty())
    return llvm::ConstantPointerNull::get(ptrTy);
  auto *arrTy = llvm::ArrayType::get(infoTy, infos.size());
  return new llvm::GlobalVariable(m, arrTy, true, llvm::GlobalValue::PrivateLinkage,
                                  llvm::ConstantArray::get(arrTy, infos), prefix);
}

llvm::Expected<std::unique_ptr<llvm::Module>>
buildModelModule(ModuleOp lowered, llvm::LLVMContext &ctx, const ModelFacts &facts,
                 llvm::TargetMachine &tm) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  lowered.getContext()->appendDialectRegistry(registry);

  // The entry's memref arguments: inputs, weights, outputs, arena.
  auto entryFn = lowered.lookupSymbol<LLVM::LLVMFuncOp>("main");
  if (!entryFn)
    return llvm::createStringError("the lowered module has no main function");
  size_t numIn = facts.signature.inputs.size(), numOut = facts.signature.outputs.size();
  if (facts.entryArgShapes.size() != numIn + numOut + 2)
    return llvm::createStringError("main has %zu memref arguments; expected %zu inputs, "
                                   "the weights, %zu outputs and the arena",
                                   facts.entryArgShapes.size(), numIn, numOut);
  // Each memref argument expands to a descriptor; the exec pointer follows.
  size_t expanded = 1;
  for (const auto &shape : facts.entryArgShapes)
    expanded += 3 + 2 * shape.size();
  if (entryFn.getNumArguments() != expanded)
    return llvm::createStringError("main takes %u values; its memref descriptors and the "
                                   "exec pointer need %zu",
                                   entryFn.getNumArguments(), expanded);
  // Discardable kiln.* attributes mean nothing to LLVM.
  for (NamedAttribute a : llvm::to_vector(lowered->getDiscardableAttrs()))
    if (a.getName().strref().starts_with("kiln."))
      lowered->removeAttr(a.getName());

  auto m = translateModuleToLLVMIR(lowered, ctx, facts.name);
  if (!m)
    return llvm::createStringError("translation to LLVM IR failed");
  m->setTargetTriple(tm.getTargetTriple());
  m->setDataLayout(tm.createDataLayout());

  llvm::Function *main = m->getFunction("main");
  main->setName(facts.name + "__main");
  main->setLinkage(llvm::GlobalValue::InternalLinkage);
  // Every other symbol the lowering made is private to this model.
  for (llvm::GlobalVariable &g : m->globals())
    if (!g.isDeclaration())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);

  auto *ptrTy = llvm::PointerType::get(ctx, 0);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);

  // Kernels stay separate functions: inlining them back into main would undo
  // the outlining that keeps LLVM's loop passes fast.
  for (llvm::Function &f : *m)
    if (!f.isDeclaration() && &f != main) {
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
      f.addFnAttr(llvm::Attribute::NoInline);
    }

  // void NAME__entry(void *const *buffers): buffers are inputs, outputs,
  // weights, arena, exec; main wants inputs, weights, outputs, arena, each as
  // a memref descriptor (allocated, aligned, offset, sizes..., strides...),
  // then the exec pointer.
  auto *entryTy = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy}, false);
  auto *entry = llvm::Function::Create(entryTy, llvm::GlobalValue::InternalLinkage,
                                       facts.name + "__entry", *m);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
    auto load = [&](size_t index) -> llvm::Value * {
      llvm::Value *slot = b.CreateConstGEP1_64(ptrTy, entry->getArg(0), index);
      return b.CreateLoad(ptrTy, slot);
    };
    std::vector<size_t> bufferOf;
    for (size_t i = 0; i < numIn; ++i)
      bufferOf.push_back(i);
    bufferOf.push_back(numIn + numOut);
    for (size_t i = 0; i < numOut; ++i)
      bufferOf.push_back(numIn + i);
    bufferOf.push_back(numIn + numOut + 1);
    std::vector<llvm::Value *> args;
    for (size_t a = 0; a < bufferOf.size(); ++a) {
      llvm::Value *p = load(bufferOf[a]);
      const auto &shape = facts.entryArgShapes[a];
      args.push_back(p);
      args.push_back(p);
      args.push_back(llvm::ConstantInt::get(i64, 0));
      for (int64_t d : shape)
        args.push_back(llvm::ConstantInt::get(i64, d));
      int64_t stride = 1;
      std::vector<llvm::Value *> strides(shape.size());
      for (size_t d = shape.size(); d-- > 0;) {
        strides[d] = llvm::ConstantInt::get(i64, stride);
        stride *= shape[d];
      }
      args.insert(args.end(), strides.begin(), strides.end());
    }
    args.push_back(load(numIn + numOut + 2));
    b.CreateCall(main, args);
    b.CreateRetVoid();
  }

  auto *infoTy = llvm::StructType::create(ctx, {ptrTy, i32, i32, ptrTy, i64, i64},
                                          "kiln_tensor_info");
  auto *modelTy = llvm::StructType::create(
      ctx, {i32, i32, i32, i32, ptrTy, ptrTy, ptrTy, i64, i64, ptrTy, i64, ptrTy, i64},
      "kiln_model");
  auto *name = llvm::ConstantDataArray::getString(ctx, facts.name);
  auto *nameVar = new llvm::GlobalVariable(*m, name->getType(), true,
                                           llvm::GlobalValue::PrivateLinkage, name,
                                           facts.name + "__name");
  llvm::Constant *weights = llvm::ConstantPointerNull::get(ptrTy);
  if (facts.embedWeights) {
    auto *w = new llvm::GlobalVariable(*m, llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), 0),
                                       true, llvm::GlobalValue::ExternalLinkage, nullptr,
                                       weightsSymbol(facts.name));
    w->setVisibility(llvm::GlobalValue::HiddenVisibility);
    w->setAlignment(llvm::Align(64));
    weights = w;
  }
  llvm::Constant *desc = llvm::ConstantStruct::get(
      modelTy,
      {llvm::ConstantInt::get(i32, KILN_ABI_VERSION),
       llvm::ConstantInt::get(i32, numIn), llvm::ConstantInt::get(i32, numOut),
       llvm::ConstantInt::get(i32, 0), nameVar,
       tensorInfos(*m, facts.name + "__inputs", facts.signature.inputs, infoTy),
       tensorInfos(*m, facts.name + "__outputs", facts.signature.outputs, infoTy),
       llvm::ConstantInt::get(i64, facts.arenaSize),
       llvm::ConstantInt::get(i64, facts.weightsSize), weights,
       llvm::ConstantInt::get(i64, facts.weightsId), entry,
       llvm::ConstantInt::get(i64, facts.scratchPerThread)});
  auto *model = new llvm::GlobalVariable(*m, modelTy, true,
                                         llvm::GlobalValue::ExternalLinkage, desc,
                                         facts.name + "_model");
  if (facts.exportDefaultAlias)
    llvm::GlobalAlias::create(modelTy, 0, llvm::GlobalValue::ExternalLinkage,
                              "kiln_default_model", model, m.get());

  std::string err;
  llvm::raw_string_ostream es(err);
  if (llvm::verifyModule(*m, &es))
    return llvm::createStringError("generated LLVM IR is invalid: %s", err.c_str());
  return m;
}

void optimizeModule(llvm::Module &m, llvm::TargetMachine &tm, unsigned level) {
  if (level == 0)
    return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = level >= 2;
  pto.SLPVectorization = level >= 2;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel ol = level == 1   ? llvm::OptimizationLevel::O1
                               : level == 2 ? llvm::OptimizationLevel::O2
                                            : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(ol);
  mpm.run(m, mam);
}

llvm::Error emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm, bool assembly,
                            llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(m);
  return llvm::Error::success();
}

} // namespace kiln
