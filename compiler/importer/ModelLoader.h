//===- ModelLoader.h - reading .onnx files and their external data -*- C++ -*-===//
#ifndef KILN_COMPILER_IMPORTER_MODELLOADER_H
#define KILN_COMPILER_IMPORTER_MODELLOADER_H

#include "onnx/onnx_pb.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>

namespace kiln {

/// A read-only memory mapping that lives as long as any blob that points in.
class MappedFile {
public:
  static llvm::Expected<std::shared_ptr<MappedFile>> open(const std::string &path);
  ~MappedFile();
  llvm::ArrayRef<char> bytes() const { return {data, size}; }

private:
  MappedFile(const char *data, size_t size) : data(data), size(size) {}
  const char *data;
  size_t size;
};

/// An ONNX model read from disk, with where its external data lives.
class LoadedModel {
public:
  /// Parses `path`. Fails with a message naming the file when it is missing,
  /// unreadable, truncated or not an ONNX ModelProto.
  static llvm::Expected<std::unique_ptr<LoadedModel>> load(const std::string &path);

  onnx::ModelProto &proto() { return model; }
  const std::string &path() const { return modelPath; }

  /// The bytes of an initializer stored with data_location = EXTERNAL,
  /// validated against the file's size. The mapping stays alive through
  /// `keepAlive`.
  llvm::Expected<llvm::ArrayRef<char>>
  externalData(const onnx::TensorProto &tensor,
               std::shared_ptr<MappedFile> &keepAlive);

private:
  onnx::ModelProto model;
  std::string modelPath;
  std::string baseDir;
  std::map<std::string, std::shared_ptr<MappedFile>> mappings;
};

} // namespace kiln

#endif
