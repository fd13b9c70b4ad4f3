//===- KilnOps.cpp - generated op definitions ------------------------------===//
//
// Only the ODS-generated code lives here; verifiers, shape rules and folders
// are in one file per op family.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;

#define GET_OP_CLASSES
#include "dialects/kiln/KilnOps.cpp.inc"
