//===- TensorConversion.cpp - ONNX tensors and types to MLIR ---------------===//
#include "compiler/importer/TensorConversion.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"

#include <cstring>

using namespace mlir;

namespace kiln {

Type onnxElementType(MLIRContext *ctx, int32_t dataType) {
  Builder b(ctx);
  auto u = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return u(8);
  case onnx::TensorProto::UINT16:
    return u(16);
  case onnx::TensorProto::UINT32:
    return u(32);
  case onnx::TensorProto::UINT64:
    return u(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

bool isSupportedOnnxType(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::BOOL:
    return true;
  default:
    return false;
  }
}

std::string onnxTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

/// Bytes per element in ONNX's raw_data layout (bool is one byte).
static size_t rawElementSize(Type t) {
  if (t.isInteger(1))
    return 1;
  return t.getIntOrFloatBitWidth() / 8;
}

static llvm::Error tensorError(const onnx::TensorProto &t, const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument, "tensor '%s': %s",
                                 t.name().c_str(), msg.str().c_str());
}

/// Packs the typed repeated fields into raw little-endian bytes.
static llvm::Expected<std::vector<char>> packTypedFields(const onnx::TensorProto &t,
                                                         Type elem, int64_t n) {
  size_t esize = rawElementSize(elem);
  std::vector<char> out(n * esize);
  auto need = [&](int have) -> llvm::Error {
    if (have != n)
      return tensorError(t, "holds " + llvm::Twine(have) + " values but its shape needs " +
                                llvm::Twine(n));
    return llvm::Error::success();
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (auto e = need(t.float_data_size()))
      return std::move(e);
    std::memcpy(out.data(), t.float_data().data(), n * 4);
    break;
  case onnx::TensorProto::DOUBLE:
    if (auto e = need(t.double_data_size()))
      return std::move(e);
    std::memcpy(out.data(), t.double_data().data(), n * 8);
    break;
  case onnx::TensorProto::INT64:
    if (auto e = need(t.int64_data_size()))
      return std::move(e);
    std::memcpy(out.data(), t.int64_data().data(), n * 8);
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    if (auto e = need(t.uint64_data_size()))
      return std::move(e);
    for (int64_t i = 0; i < n; ++i) {
      uint64_t v = t.uint64_data(i);
      std::memcpy(out.data() + i * esize, &v, esize);
    }
    break;
  default: // int32_data carries every type of 32 bits or fewer
    if (auto e = need(t.int32_data_size()))
      return std::move(e);
    for (int64_t i = 0; i < n; ++i) {
      int32_t v = t.int32_data(i);
      std::memcpy(out.data() + i * esize, &v, esize);
    }
    break;
  }
  return out;
}

static std::string blobKey(const std::string &name) {
  std::string key;
  for (char c : name)
    key += (std::isalnum((unsigned char)c) || c == '_' || c == '.') ? c : '_';
  if (key.empty() || std::isdigit((unsigned char)key[0]))
    key = "w_" + key;
  return key;
}

static ElementsAttr makeInline(RankedTensorType type, ArrayRef<char> bytes) {
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> bits;
    for (char c : bytes)
      bits.push_back(c != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

llvm::Expected<ElementsAttr> convertTensor(MLIRContext *ctx,
                                           onnx::TensorProto &t,
                                           LoadedModel &model,
                                           const ImportOptions &options) {
  Type elem = onnxElementType(ctx, t.data_type());
  if (!elem)
    return tensorError(t, "element type " + onnxTypeName(t.data_type()) +
                              " is not supported");
  if (t.has_segment())
    return tensorError(t, "segmented tensors are not supported");
  SmallVector<int64_t> shape;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return tensorError(t, "has a negative dim " + llvm::Twine(d));
    if (d > 0 && n > (int64_t(1) << 40) / d)
      return tensorError(t, "is too large");
    shape.push_back(d);
    n *= d;
  }
  auto type = RankedTensorType::get(shape, elem);
  size_t esize = rawElementSize(elem);
  uint64_t expectBytes = (uint64_t)n * esize;
  bool isInt = isa<IntegerType>(elem);
  bool inlineIt = n <= options.maxInlineElements || elem.isInteger(1) ||
                  (isInt && n <= options.maxInlineIntElements);
  std::string key = blobKey(t.name());
  auto sizeError = [&](uint64_t have) {
    std::string dims;
    for (int64_t d : shape)
      dims += (dims.empty() ? "" : "x") + std::to_string(d);
    return tensorError(t, "data holds " + llvm::Twine(have) +
                              " bytes but shape [" + dims + "] of " +
                              onnxTypeName(t.data_type()) + " needs " +
                              llvm::Twine(expectBytes));
  };
  size_t align = std::max<size_t>(esize, 1);

  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::shared_ptr<MappedFile> keep;
    auto bytes = model.externalData(t, keep);
    if (!bytes)
      return bytes.takeError();
    if (bytes->size() != expectBytes)
      return sizeError(bytes->size());
    if (inlineIt)
      return makeInline(type, *bytes);
    if (reinterpret_cast<uintptr_t>(bytes->data()) % align != 0)
      return ElementsAttr(DenseResourceElementsAttr::get(
          type, key,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(*bytes, align, false)));
    // Point straight into the mapping; the deleter keeps it mapped.
    auto blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        *bytes, align, [keep](void *, size_t, size_t) mutable { keep.reset(); });
    return ElementsAttr(DenseResourceElementsAttr::get(type, key, std::move(blob)));
  }

  if (t.has_raw_data()) {
    if (t.raw_data().size() != expectBytes)
      return sizeError(t.raw_data().size());
    if (inlineIt)
      return makeInline(type, ArrayRef<char>(t.raw_data().data(), expectBytes));
    if (reinterpret_cast<uintptr_t>(t.raw_data().data()) % 16 != 0)
      return ElementsAttr(DenseResourceElementsAttr::get(
          type, key,
          HeapAsmResourceBlob::allocateAndCopyWithAlign(
              ArrayRef<char>(t.raw_data().data(), expectBytes), align, false)));
    // Take the proto's string over: weights are never copied.
    std::string *raw = t.release_raw_data();
    auto blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        ArrayRef<char>(raw->data(), raw->size()), 16,
        [raw](void *, size_t, size_t) { delete raw; });
    return ElementsAttr(DenseResourceElementsAttr::get(type, key, std::move(blob)));
  }

  auto packed = packTypedFields(t, elem, n);
  if (!packed)
    return packed.takeError();
  if (inlineIt)
    return makeInline(type, *packed);
  return ElementsAttr(DenseResourceElementsAttr::get(
      type, key,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(*packed, align, false)));
}

} // namespace kiln
