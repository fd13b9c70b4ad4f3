//===- ConstantFolding.cpp - host evaluation of small constants ------------===//
#include "dialects/kiln/ConstantFolding.h"
#include "dialects/kiln/ShapeRules.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

namespace kiln {

HostTensor::HostTensor(Type elementType, ArrayRef<int64_t> shape)
    : elemType(elementType), dims(shape.begin(), shape.end()),
      floating(isa<FloatType>(elementType)) {
  int64_t n = staticNumElements(shape).value_or(0);
  if (floating)
    f.assign(n, 0.0);
  else
    i.assign(n, 0);
}

static bool isUnsignedInt(Type t) {
  auto it = dyn_cast<IntegerType>(t);
  return it && (it.isUnsigned() || it.getWidth() == 1);
}

int64_t wrapToIntType(Type type, int64_t v) {
  auto it = dyn_cast<IntegerType>(type);
  if (!it || it.getWidth() >= 64)
    return v;
  unsigned w = it.getWidth();
  if (w == 1)
    return v & 1;
  uint64_t mask = (uint64_t(1) << w) - 1;
  uint64_t bits = uint64_t(v) & mask;
  if (isUnsignedInt(type))
    return (int64_t)bits;
  uint64_t sign = uint64_t(1) << (w - 1);
  return (int64_t)((bits ^ sign) - sign);
}

void HostTensor::setF(int64_t idx, double v) {
  if (floating)
    f[idx] = v;
  else
    i[idx] = wrapToIntType(elemType, (int64_t)v);
}

void HostTensor::setI(int64_t idx, int64_t v) {
  if (floating)
    f[idx] = (double)v;
  else
    i[idx] = wrapToIntType(elemType, v);
}

void HostTensor::copyElement(int64_t to, const HostTensor &src, int64_t from) {
  if (floating)
    f[to] = src.f[from];
  else
    i[to] = src.i[from];
}

/// Unpacks a blob-backed constant (weights and large masks) element by
/// element from its little-endian bytes.
static std::optional<HostTensor> fromResource(DenseResourceElementsAttr attr,
                                              int64_t maxElements) {
  auto type = cast<ShapedType>(attr.getType());
  if (!type.hasStaticShape() || type.getNumElements() > maxElements)
    return std::nullopt;
  AsmResourceBlob *blob = attr.getRawHandle().getBlob();
  if (!blob)
    return std::nullopt;
  ArrayRef<char> bytes = blob->getData();
  Type et = type.getElementType();
  int64_t n = type.getNumElements();
  unsigned bits = et.isInteger(1) ? 8 : et.getIntOrFloatBitWidth();
  if (bits % 8 != 0 || (int64_t)bytes.size() != n * (bits / 8))
    return std::nullopt;
  HostTensor t(et, type.getShape());
  size_t w = bits / 8;
  for (int64_t k = 0; k < n; ++k) {
    uint64_t raw = 0;
    std::memcpy(&raw, bytes.data() + k * w, w); // little-endian hosts only
    if (auto ft = dyn_cast<FloatType>(et)) {
      APFloat v(ft.getFloatSemantics(), APInt(bits, raw));
      bool lost;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      t.floats()[k] = v.convertToDouble();
    } else if (auto it = dyn_cast<IntegerType>(et)) {
      t.setI(k, it.isUnsigned() || bits == 8 * w && it.getWidth() == 1
                    ? (int64_t)raw
                    : APInt(bits, raw).getSExtValue());
    } else {
      return std::nullopt;
    }
  }
  return t;
}

std::optional<HostTensor> HostTensor::fromAttr(Attribute attr,
                                               int64_t maxElements,
                                               bool readBlobs) {
  if (auto res = dyn_cast_or_null<DenseResourceElementsAttr>(attr))
    return readBlobs ? fromResource(res, maxElements) : std::nullopt;
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  auto type = dense.getType();
  if (!type.hasStaticShape())
    return std::nullopt;
  int64_t n = type.getNumElements();
  if (n > maxElements)
    return std::nullopt;
  Type et = type.getElementType();
  if (!isa<FloatType, IntegerType>(et))
    return std::nullopt;
  HostTensor t(et, type.getShape());
  if (t.isFloat()) {
    int64_t k = 0;
    for (APFloat v : dense.getValues<APFloat>()) {
      bool lost;
      v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      t.f[k++] = v.convertToDouble();
    }
  } else {
    bool isUnsigned = isUnsignedInt(et);
    int64_t k = 0;
    for (const APInt &v : dense.getValues<APInt>())
      t.i[k++] = isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue();
  }
  return t;
}

DenseElementsAttr HostTensor::toAttr() const {
  auto type = RankedTensorType::get(dims, elemType);
  if (floating) {
    auto &sem = cast<FloatType>(elemType).getFloatSemantics();
    SmallVector<APFloat> vals;
    vals.reserve(f.size());
    for (double v : f) {
      APFloat a(v);
      bool lost;
      a.convert(sem, APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(a);
    }
    return DenseElementsAttr::get(type, vals);
  }
  unsigned width = cast<IntegerType>(elemType).getWidth();
  if (width == 1) {
    SmallVector<bool> vals(i.begin(), i.end());
    return DenseElementsAttr::get(type, ArrayRef<bool>(vals));
  }
  SmallVector<APInt> vals;
  vals.reserve(i.size());
  for (int64_t v : i)
    vals.push_back(APInt(width, (uint64_t)v, /*isSigned=*/!isUnsignedInt(elemType),
                         /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, vals);
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

void forEachBroadcastIndex(
    ArrayRef<int64_t> resultShape, ArrayRef<ArrayRef<int64_t>> inputShapes,
    function_ref<void(int64_t, ArrayRef<int64_t>)> fn) {
  size_t rank = resultShape.size();
  // Per input, the stride of each result dim (0 where it broadcasts).
  SmallVector<SmallVector<int64_t>> inStrides;
  for (ArrayRef<int64_t> in : inputShapes) {
    SmallVector<int64_t> own = stridesOf(in);
    SmallVector<int64_t> s(rank, 0);
    size_t off = rank - in.size();
    for (size_t d = 0; d < in.size(); ++d)
      s[d + off] = in[d] == 1 ? 0 : own[d];
    inStrides.push_back(std::move(s));
  }
  int64_t total = staticNumElements(resultShape).value_or(0);
  SmallVector<int64_t> idx(rank, 0), lin(inputShapes.size(), 0);
  for (int64_t r = 0; r < total; ++r) {
    fn(r, lin);
    // Increment the multi-index, updating input offsets incrementally.
    for (int64_t d = (int64_t)rank - 1; d >= 0; --d) {
      ++idx[d];
      for (size_t k = 0; k < lin.size(); ++k)
        lin[k] += inStrides[k][d];
      if (idx[d] < resultShape[d])
        break;
      for (size_t k = 0; k < lin.size(); ++k)
        lin[k] -= inStrides[k][d] * resultShape[d];
      idx[d] = 0;
    }
  }
}

} // namespace kiln
