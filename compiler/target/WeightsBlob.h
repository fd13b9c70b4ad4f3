//===- WeightsBlob.h - the bytes behind the weights argument ----*- C++ -*-===//
//
// kiln-bind-weights leaves the layout on the module; this writes it out as
// a `.weights` file or as an ELF object holding one read-only symbol, straight
// from the MLIR resource blobs (the bytes never pass through LLVM IR).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_COMPILER_TARGET_WEIGHTSBLOB_H
#define KILN_COMPILER_TARGET_WEIGHTSBLOB_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

#include <vector>

namespace kiln {

class WeightsBlob {
public:
  /// Reads the layout that kiln-bind-weights recorded on the module.
  static llvm::Expected<WeightsBlob> fromModule(mlir::ModuleOp module);

  uint64_t size() const { return totalSize; }
  /// A hash of the contents and layout; a weights file must carry it.
  uint64_t id() const { return contentId; }

  /// Header + contents, for kiln_options.weights_path.
  llvm::Error writeFile(const std::string &path) const;
  /// A relocatable ELF object defining `symbol` (hidden, 64-byte aligned).
  llvm::Error writeObject(const std::string &path, const llvm::Triple &triple,
                          const std::string &symbol) const;

private:
  struct Piece {
    uint64_t offset;
    llvm::ArrayRef<char> bytes;
  };
  /// Streams the contents, zero-filling the gaps between pieces.
  llvm::Error writeContents(llvm::raw_ostream &os) const;

  std::vector<Piece> pieces;
  uint64_t totalSize = 0;
  uint64_t contentId = 0;
};

} // namespace kiln

#endif
