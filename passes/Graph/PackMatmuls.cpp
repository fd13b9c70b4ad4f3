#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNPACKMATMULS
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnPackMatmulsBase<Pass_> { using KilnPackMatmulsBase::KilnPackMatmulsBase; void runOnOperation() override {} };
}
}
