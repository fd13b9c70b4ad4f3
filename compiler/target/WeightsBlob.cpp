//===- WeightsBlob.cpp - the bytes behind the weights argument --------------===//
#include "compiler/target/WeightsBlob.h"

#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;

namespace kiln {

llvm::Expected<WeightsBlob> WeightsBlob::fromModule(ModuleOp module) {
  WeightsBlob blob;
  auto size = module->getAttrOfType<IntegerAttr>(kWeightsSizeAttr);
  auto table = module->getAttrOfType<ArrayAttr>(kWeightsAttr);
  if (!size || !table)
    return llvm::createStringError("the module has no weights layout (run kiln-bind-weights)");
  blob.totalSize = size.getInt();
  uint64_t h = llvm::xxh3_64bits(llvm::StringRef("kiln-weights"));
  for (Attribute a : table) {
    auto entry = cast<DictionaryAttr>(a);
    uint64_t offset = entry.getAs<IntegerAttr>("offset").getInt();
    auto value = entry.getAs<DenseResourceElementsAttr>("value");
    llvm::ArrayRef<char> bytes = value.getData();
    auto type = cast<ShapedType>(value.getType());
    uint64_t want = type.getNumElements() *
                    std::max<uint64_t>(type.getElementTypeBitWidth() / 8, 1);
    if (bytes.size() != want)
      return llvm::createStringError("weight blob at offset %llu holds %zu bytes, expected %llu",
                                     (unsigned long long)offset, bytes.size(),
                                     (unsigned long long)want);
    blob.pieces.push_back({offset, bytes});
    h = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
            reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size())) ^
        (h * 0x9E3779B97F4A7C15ull + offset);
  }
  llvm::sort(blob.pieces, [](const Piece &a, const Piece &b) { return a.offset < b.offset; });
  blob.contentId = h ^ blob.totalSize;
  return blob;
}

llvm::Error WeightsBlob::writeContents(llvm::raw_ostream &os) const {
  uint64_t at = 0;
  static const char zeros[64] = {};
  auto pad = [&](uint64_t to) {
    while (at < to) {
      uint64_t n = std::min<uint64_t>(sizeof zeros, to - at);
      os.write(zeros, n);
      at += n;
    }
  };
  for (const Piece &p : pieces) {
    pad(p.offset);
    os.write(p.bytes.data(), p.bytes.size());
    at += p.bytes.size();
  }
  pad(totalSize);
  return llvm::Error::success();
}

static llvm::Expected<std::unique_ptr<llvm::raw_fd_ostream>> openOut(const std::string &path) {
  std::error_code ec;
  auto os = std::make_unique<llvm::raw_fd_ostream>(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("%s: %s", path.c_str(), ec.message().c_str());
  return os;
}

llvm::Error WeightsBlob::writeFile(const std::string &path) const {
  auto os = openOut(path);
  if (!os)
    return os.takeError();
  llvm::support::endian::Writer w(**os, llvm::endianness::little);
  (*os)->write("KILNWTS1", 8);
  w.write<uint32_t>(1);  // version
  w.write<uint32_t>(64); // header size
  w.write<uint64_t>(totalSize);
  w.write<uint64_t>(contentId);
  char pad[32] = {};
  (*os)->write(pad, sizeof pad);
  if (auto e = writeContents(**os))
    return e;
  (*os)->close();
  if ((*os)->has_error())
    return llvm::createStringError("%s: write failed: %s", path.c_str(),
                                   (*os)->error().message().c_str());
  return llvm::Error::success();
}

llvm::Error WeightsBlob::writeObject(const std::string &path, const llvm::Triple &triple,
                                     const std::string &symbol) const {
  namespace E = llvm::ELF;
  auto os = openOut(path);
  if (!os)
    return os.takeError();
  llvm::support::endian::Writer w(**os, llvm::endianness::little);
  const std::string secName = ".rodata." + symbol;
  // String tables.
  std::string shstr = std::string("\0", 1) + secName + '\0' + ".note.GNU-stack" + '\0' +
                      ".symtab" + '\0' + ".strtab" + '\0' + ".shstrtab" + '\0';
  uint32_t nRodata = 1, nNote = nRodata + secName.size() + 1,
           nSymtab = nNote + 16, nStrtab = nSymtab + 8, nShstrtab = nStrtab + 8;
  std::string strtab = std::string("\0", 1) + symbol + '\0';

  // Layout: header | rodata (64-aligned) | symtab | strtab | shstrtab | shdrs
  uint64_t rodataOff = 64;
  uint64_t symtabOff = llvm::alignTo(rodataOff + totalSize, 8);
  uint64_t symtabSize = 2 * sizeof(E::Elf64_Sym);
  uint64_t strtabOff = symtabOff + symtabSize;
  uint64_t shstrOff = strtabOff + strtab.size();
  uint64_t shdrOff = llvm::alignTo(shstrOff + shstr.size(), 8);

  // ELF header.
  unsigned char ident[16] = {0x7f, 'E', 'L', 'F', E::ELFCLASS64, E::ELFDATA2LSB,
                             E::EV_CURRENT, E::ELFOSABI_NONE};
  (*os)->write(reinterpret_cast<const char *>(ident), 16);
  w.write<uint16_t>(E::ET_REL);
  w.write<uint16_t>(triple.getArch() == llvm::Triple::aarch64 ? E::EM_AARCH64 : E::EM_X86_64);
  w.write<uint32_t>(E::EV_CURRENT);
  w.write<uint64_t>(0);        // entry
  w.write<uint64_t>(0);        // phoff
  w.write<uint64_t>(shdrOff);  // shoff
  w.write<uint32_t>(0);        // flags
  w.write<uint16_t>(64);       // ehsize
  w.write<uint16_t>(0);        // phentsize
  w.write<uint16_t>(0);        // phnum
  w.write<uint16_t>(64);       // shentsize
  w.write<uint16_t>(6);        // shnum
  w.write<uint16_t>(5);        // shstrndx

  if (auto e = writeContents(**os))
    return e;
  for (uint64_t at = rodataOff + totalSize; at < symtabOff; ++at)
    (*os)->write('\0');
  // Symbols: the null symbol, then the weights.
  for (int i = 0; i < 24; ++i)
    (*os)->write('\0');
  w.write<uint32_t>(1);                                       // name
  (*os)->write((char)((E::STB_GLOBAL << 4) | E::STT_OBJECT)); // info
  (*os)->write((char)E::STV_HIDDEN);                          // other
  w.write<uint16_t>(1);                                       // .rodata.*
  w.write<uint64_t>(0);                                       // value
  w.write<uint64_t>(totalSize);                               // size
  (*os)->write(strtab.data(), strtab.size());
  (*os)->write(shstr.data(), shstr.size());
  for (uint64_t at = shstrOff + shstr.size(); at < shdrOff; ++at)
    (*os)->write('\0');

  auto shdr = [&](uint32_t name, uint32_t type, uint64_t flags, uint64_t off,
                  uint64_t size, uint32_t link, uint32_t info, uint64_t align,
                  uint64_t entsize) {
    w.write<uint32_t>(name);
    w.write<uint32_t>(type);
    w.write<uint64_t>(flags);
    w.write<uint64_t>(0); // addr
    w.write<uint64_t>(off);
    w.write<uint64_t>(size);
    w.write<uint32_t>(link);
    w.write<uint32_t>(info);
    w.write<uint64_t>(align);
    w.write<uint64_t>(entsize);
  };
  shdr(0, E::SHT_NULL, 0, 0, 0, 0, 0, 0, 0);
  shdr(nRodata, E::SHT_PROGBITS, E::SHF_ALLOC, rodataOff, totalSize, 0, 0, 64, 0);
  shdr(nNote, E::SHT_PROGBITS, 0, rodataOff, 0, 0, 0, 1, 0);
  shdr(nSymtab, E::SHT_SYMTAB, 0, symtabOff, symtabSize, /*link=*/4, /*info=*/1, 8,
       sizeof(E::Elf64_Sym));
  shdr(nStrtab, E::SHT_STRTAB, 0, strtabOff, strtab.size(), 0, 0, 1, 0);
  shdr(nShstrtab, E::SHT_STRTAB, 0, shstrOff, shstr.size(), 0, 0, 1, 0);
  (*os)->close();
  if ((*os)->has_error())
    return llvm::createStringError("%s: write failed: %s", path.c_str(),
                                   (*os)->error().message().c_str());
  return llvm::Error::success();
}

} // namespace kiln
