//===- kiln-opt.cpp - mlir-opt with the kiln dialect and passes ------------===//
#include "dialects/kernel/KernelDialect.h"
#include "dialects/kiln/KilnDialect.h"
#include "compiler/pipeline/Pipeline.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<kiln::KilnDialect, kiln::kernel::KilnKernelDialect>();
  mlir::registerAllPasses();
  kiln::registerKilnPasses();
  kiln::registerKilnPipelines();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Kiln optimizer driver: the kiln dialect, Kiln's passes and "
                  "the upstream dialects Kiln lowers through\n",
      registry));
}
