//===- TensorFile.cpp - .npy and ONNX TensorProto .pb tensors ---------------===//
#include "TensorFile.h"

#include "kiln_rt.h"

#include "onnx/onnx_pb.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace kiln {

int64_t HostBuffer::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static int64_t elemSize(int32_t dtype) { return (int64_t)kiln_dtype_size(dtype); }

static const struct {
  const char *descr;
  int32_t dtype;
} kNpyTypes[] = {{"<f4", 1}, {"|u1", 2}, {"|i1", 3}, {"<u2", 4}, {"<i2", 5},
                 {"<i4", 6}, {"<i8", 7}, {"|b1", 9}, {"<f2", 10}, {"<f8", 11},
                 {"<u4", 12}, {"<u8", 13}};

static llvm::Error bad(const std::string &path, const llvm::Twine &msg) {
  return llvm::createStringError("%s: %s", path.c_str(), msg.str().c_str());
}

static llvm::Expected<HostBuffer> readNpy(const std::string &path, llvm::StringRef data) {
  if (data.size() < 10 || !data.starts_with("\x93NUMPY"))
    return bad(path, "not a .npy file");
  unsigned major = (unsigned char)data[6];
  size_t headerLen, start;
  if (major == 1) {
    headerLen = (unsigned char)data[8] | (unsigned char)data[9] << 8;
    start = 10;
  } else {
    if (data.size() < 12)
      return bad(path, "truncated .npy header");
    headerLen = (unsigned char)data[8] | (unsigned char)data[9] << 8 |
                (size_t)(unsigned char)data[10] << 16 | (size_t)(unsigned char)data[11] << 24;
    start = 12;
  }
  if (start + headerLen > data.size())
    return bad(path, "truncated .npy header");
  llvm::StringRef header = data.substr(start, headerLen);
  HostBuffer t;
  for (const auto &k : kNpyTypes)
    if (header.contains(std::string("'descr': '") + k.descr + "'"))
      t.dtype = k.dtype;
  if (!t.dtype)
    return bad(path, "unsupported dtype in header " + header.trim());
  if (header.contains("'fortran_order': True"))
    return bad(path, "Fortran-ordered arrays are not supported");
  size_t lp = header.find("'shape': ("), rp = header.find(')', lp);
  if (lp == llvm::StringRef::npos || rp == llvm::StringRef::npos)
    return bad(path, "no shape in header");
  llvm::StringRef dims = header.slice(lp + 10, rp);
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, ',', -1, false);
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if (p.empty())
      continue;
    int64_t d;
    if (p.getAsInteger(10, d) || d < 0)
      return bad(path, "bad shape entry '" + p + "'");
    t.shape.push_back(d);
  }
  size_t need = (size_t)(t.numElements() * elemSize(t.dtype));
  llvm::StringRef payload = data.substr(start + headerLen);
  if (payload.size() < need)
    return bad(path, "holds " + llvm::Twine(payload.size()) + " data bytes; its shape needs " +
                         llvm::Twine(need));
  t.bytes.assign(payload.begin(), payload.begin() + need);
  return t;
}

static llvm::Expected<HostBuffer> readPb(const std::string &path, llvm::StringRef data) {
  onnx::TensorProto p;
  if (!p.ParseFromArray(data.data(), (int)data.size()))
    return bad(path, "not an ONNX TensorProto");
  HostBuffer t;
  t.dtype = p.data_type();
  int64_t es = elemSize(t.dtype);
  if (!es)
    return bad(path, "unsupported element type " + llvm::Twine(t.dtype));
  t.shape.assign(p.dims().begin(), p.dims().end());
  int64_t n = t.numElements();
  t.bytes.resize(n * es);
  if (p.has_raw_data()) {
    if ((int64_t)p.raw_data().size() != n * es)
      return bad(path, "raw data size does not match the shape");
    std::memcpy(t.bytes.data(), p.raw_data().data(), n * es);
    return t;
  }
  auto copyFrom = [&](auto &field) -> llvm::Error {
    if (field.size() != n)
      return bad(path, "holds " + llvm::Twine(field.size()) + " values; the shape needs " +
                           llvm::Twine(n));
    for (int64_t i = 0; i < n; ++i) {
      auto v = field.Get(i);
      std::memcpy(t.bytes.data() + i * es, &v, es); // little endian: low bytes
    }
    return llvm::Error::success();
  };
  llvm::Error e = llvm::Error::success();
  switch (t.dtype) {
  case 1: e = copyFrom(p.float_data()); break;
  case 11: e = copyFrom(p.double_data()); break;
  case 7: e = copyFrom(p.int64_data()); break;
  case 12: case 13: e = copyFrom(p.uint64_data()); break;
  default: e = copyFrom(p.int32_data()); break;
  }
  if (e)
    return std::move(e);
  return t;
}

llvm::Expected<HostBuffer> readTensorFile(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return bad(path, buf.getError().message());
  llvm::StringRef data = (*buf)->getBuffer();
  if (llvm::StringRef(path).ends_with(".npy"))
    return readNpy(path, data);
  return readPb(path, data);
}

llvm::Error writeNpy(const std::string &path, const HostBuffer &t) {
  const char *descr = nullptr;
  for (const auto &k : kNpyTypes)
    if (k.dtype == t.dtype)
      descr = k.descr;
  if (!descr)
    return bad(path, "cannot write element type " + llvm::Twine(t.dtype));
  std::string shape;
  for (int64_t d : t.shape)
    shape += std::to_string(d) + ",";
  if (t.shape.size() > 1)
    shape.pop_back();
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return bad(path, ec.message());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << (char)(header.size() & 0xff) << (char)(header.size() >> 8) << header;
  os.write(t.bytes.data(), t.bytes.size());
  return llvm::Error::success();
}

} // namespace kiln
