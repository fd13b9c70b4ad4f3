//===- ModelLoader.cpp - reading .onnx files and their external data -------===//
#include "compiler/importer/ModelLoader.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln {

static llvm::Error fileError(const std::string &path, const llvm::Twine &msg) {
  return llvm::createStringError(std::errc::invalid_argument, "%s: %s",
                                 path.c_str(), msg.str().c_str());
}

llvm::Expected<std::shared_ptr<MappedFile>>
MappedFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fileError(path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fileError(path, "not a regular file");
  }
  size_t size = (size_t)st.st_size;
  const char *data = nullptr;
  if (size > 0) {
    void *p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return fileError(path, llvm::Twine("cannot map: ") + std::strerror(errno));
    }
    data = static_cast<const char *>(p);
  }
  ::close(fd);
  return std::shared_ptr<MappedFile>(new MappedFile(data, size));
}

MappedFile::~MappedFile() {
  if (data)
    munmap(const_cast<char *>(data), size);
}

llvm::Expected<std::unique_ptr<LoadedModel>>
LoadedModel::load(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fileError(path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fileError(path, "not a regular file");
  }
  auto loaded = std::unique_ptr<LoadedModel>(new LoadedModel());
  bool parsed;
  {
    // Streams from the file: no second copy of a multi-GB model in memory.
    google::protobuf::io::FileInputStream raw(fd);
    google::protobuf::io::CodedInputStream coded(&raw);
    coded.SetTotalBytesLimit(INT32_MAX);
    parsed = loaded->model.ParseFromCodedStream(&coded) &&
             coded.ConsumedEntireMessage();
  }
  ::close(fd);
  if (!parsed)
    return fileError(path, "not a valid ONNX model (protobuf parsing failed; "
                           "the file may be truncated or corrupt)");
  if (!loaded->model.has_graph())
    return fileError(path, "the ONNX model has no graph");
  loaded->modelPath = path;
  loaded->baseDir = llvm::sys::path::parent_path(path).str();
  return loaded;
}

llvm::Expected<llvm::ArrayRef<char>>
LoadedModel::externalData(const onnx::TensorProto &tensor,
                          std::shared_ptr<MappedFile> &keepAlive) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    char *end = nullptr;
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset") {
      offset = std::strtoll(kv.value().c_str(), &end, 10);
      if (!end || *end || offset < 0)
        return fileError(modelPath, "initializer '" + tensor.name() +
                                        "' has a bad external offset '" +
                                        kv.value() + "'");
    } else if (kv.key() == "length") {
      length = std::strtoll(kv.value().c_str(), &end, 10);
      if (!end || *end || length < 0)
        return fileError(modelPath, "initializer '" + tensor.name() +
                                        "' has a bad external length '" +
                                        kv.value() + "'");
    }
  }
  if (location.empty())
    return fileError(modelPath, "initializer '" + tensor.name() +
                                    "' is external but names no location");
  if (llvm::sys::path::is_absolute(location))
    return fileError(modelPath, "initializer '" + tensor.name() +
                                    "': external data location '" + location +
                                    "' must be relative to the model");
  llvm::SmallString<256> full(baseDir);
  llvm::sys::path::append(full, location);
  std::string key = full.str().str();
  auto it = mappings.find(key);
  if (it == mappings.end()) {
    auto mapped = MappedFile::open(key);
    if (!mapped)
      return fileError(modelPath, "initializer '" + tensor.name() +
                                      "': cannot open external data: " +
                                      llvm::toString(mapped.takeError()));
    it = mappings.emplace(key, std::move(*mapped)).first;
  }
  llvm::ArrayRef<char> bytes = it->second->bytes();
  if ((uint64_t)offset > bytes.size())
    return fileError(key, "external data of '" + tensor.name() + "' starts at " +
                              std::to_string(offset) + " past the end (" +
                              std::to_string(bytes.size()) + " bytes)");
  if (length < 0)
    length = (int64_t)bytes.size() - offset;
  if ((uint64_t)(offset + length) > bytes.size())
    return fileError(key, "external data of '" + tensor.name() + "' needs bytes " +
                              std::to_string(offset) + ".." +
                              std::to_string(offset + length) +
                              " but the file has " +
                              std::to_string(bytes.size()));
  keepAlive = it->second;
  return bytes.slice(offset, length);
}

} // namespace kiln
