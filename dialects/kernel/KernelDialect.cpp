//===- KernelDialect.cpp - kiln_kernel registration -----------------------===//
#include "dialects/kernel/KernelDialect.h"
#include "dialects/kernel/KernelOps.h"

using namespace mlir;
using namespace kiln::kernel;

#include "dialects/kernel/KernelDialect.cpp.inc"
#include "dialects/kernel/KernelEnums.cpp.inc"

void KilnKernelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/kernel/KernelOps.cpp.inc"
      >();
}
