//===- ImportOptions.h - how an ONNX model becomes kiln IR ------*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_IMPORTOPTIONS_H
#define KILN_COMPILER_IMPORTER_IMPORTOPTIONS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {

struct ImportOptions {
  /// Whole shapes for named graph inputs (`--input-shape input_ids=1x128`).
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Sizes for symbolic dims by their ONNX dim_param (`--dim sequence=128`).
  std::map<std::string, int64_t> dimParams;
  /// Size of any dim still unknown after the two maps above.
  int64_t defaultDim = 1;
  /// Name of the imported function.
  std::string entryName = "main";
  /// Constants up to this many elements become `dense<>` attributes (so they
  /// can fold); larger ones become `dense_resource<>` blobs.
  int64_t maxInlineElements = 64;
  /// Integer constants up to this size stay inline too: they are usually
  /// shapes and indices that shape arithmetic needs to fold.
  int64_t maxInlineIntElements = 4096;
};

} // namespace kiln

#endif
