//===- ModelSignature.cpp - a model's inputs and outputs for its ABI --------===//
#include "compiler/target/ModelSignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"

#include <cctype>

using namespace mlir;

namespace kiln {

int64_t TensorSignature::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t TensorSignature::byteSize() const { return numElements() * dtypeSize(dtype); }

static int32_t dtypeOf(Type t) {
  if (t.isF32()) return 1;
  if (t.isF16()) return 10;
  if (t.isBF16()) return 16;
  if (t.isF64()) return 11;
  auto it = dyn_cast<IntegerType>(t);
  if (!it)
    return 0;
  bool u = it.isUnsigned();
  switch (it.getWidth()) {
  case 1: return 9;
  case 8: return u ? 2 : 3;
  case 16: return u ? 4 : 5;
  case 32: return u ? 12 : 6;
  case 64: return u ? 13 : 7;
  default: return 0;
  }
}

const char *dtypeName(int32_t d) {
  switch (d) {
  case 1: return "float32";
  case 2: return "uint8";
  case 3: return "int8";
  case 4: return "uint16";
  case 5: return "int16";
  case 6: return "int32";
  case 7: return "int64";
  case 9: return "bool";
  case 10: return "float16";
  case 11: return "float64";
  case 12: return "uint32";
  case 13: return "uint64";
  case 16: return "bfloat16";
  default: return "unknown";
  }
}

const char *dtypeCType(int32_t d) {
  switch (d) {
  case 1: return "float";
  case 2: return "uint8_t";
  case 3: return "int8_t";
  case 4: return "uint16_t";
  case 5: return "int16_t";
  case 6: return "int32_t";
  case 7: return "int64_t";
  case 9: return "uint8_t"; // one byte per bool, 0 or 1
  case 10: return "uint16_t"; // IEEE half bits
  case 11: return "double";
  case 12: return "uint32_t";
  case 13: return "uint64_t";
  case 16: return "uint16_t"; // bfloat16 bits
  default: return "void";
  }
}

int64_t dtypeSize(int32_t d) {
  switch (d) {
  case 2: case 3: case 9: return 1;
  case 4: case 5: case 10: case 16: return 2;
  case 1: case 6: case 12: return 4;
  default: return 8;
  }
}

std::string toCIdentifier(llvm::StringRef s) {
  std::string id;
  for (char c : s)
    id += std::isalnum((unsigned char)c) ? c : '_';
  if (id.empty() || std::isdigit((unsigned char)id[0]))
    id = "_" + id;
  return id;
}

llvm::Expected<ModelSignature> readSignature(ModuleOp module) {
  func::FuncOp entry;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f.isExternal())
      entry = f;
  if (!entry)
    return llvm::createStringError("the module has no function to compile");
  ModelSignature sig;
  llvm::StringSet<> used = {"ctx", "error"};
  auto describe = [&](Type t, DictionaryAttr attrs, size_t index,
                      const char *kind) -> llvm::Expected<TensorSignature> {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape())
      return llvm::createStringError("%s %zu has no static shape", kind, index);
    TensorSignature ts;
    auto name = attrs ? attrs.getAs<StringAttr>("kiln.name") : StringAttr();
    ts.name = name ? name.str() : std::string(kind) + std::to_string(index);
    ts.dtype = dtypeOf(rt.getElementType());
    if (!ts.dtype)
      return llvm::createStringError("%s '%s' has an unsupported element type", kind,
                                     ts.name.c_str());
    ts.shape.assign(rt.getShape().begin(), rt.getShape().end());
    std::string c = toCIdentifier(ts.name);
    std::string unique = c;
    for (int k = 2; used.contains(unique); ++k)
      unique = c + "_" + std::to_string(k);
    used.insert(unique);
    ts.cName = unique;
    return ts;
  };
  for (auto [i, t] : llvm::enumerate(entry.getArgumentTypes())) {
    auto ts = describe(t, entry.getArgAttrDict(i), i, "input");
    if (!ts)
      return ts.takeError();
    sig.inputs.push_back(std::move(*ts));
  }
  for (auto [i, t] : llvm::enumerate(entry.getResultTypes())) {
    auto ts = describe(t, entry.getResultAttrDict(i), i, "output");
    if (!ts)
      return ts.takeError();
    sig.outputs.push_back(std::move(*ts));
  }
  return sig;
}

} // namespace kiln
