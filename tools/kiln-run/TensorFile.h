//===- TensorFile.h - .npy and ONNX TensorProto .pb tensors ------*- C++ -*-===//
#ifndef KILN_TOOLS_KILNRUN_TENSORFILE_H
#define KILN_TOOLS_KILNRUN_TENSORFILE_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

/// A dense row-major tensor read from or written to a file.
struct HostBuffer {
  int32_t dtype = 0; // kiln_dtype / ONNX numbering
  std::vector<int64_t> shape;
  std::vector<char> bytes;
  int64_t numElements() const;
};

/// Reads `.npy` (by extension) or an ONNX TensorProto (`.pb`).
llvm::Expected<HostBuffer> readTensorFile(const std::string &path);
llvm::Error writeNpy(const std::string &path, const HostBuffer &t);

} // namespace kiln

#endif
