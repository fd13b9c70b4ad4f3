#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFOLDWEIGHTS
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFoldWeightsBase<Pass_> { using KilnFoldWeightsBase::KilnFoldWeightsBase; void runOnOperation() override {} };
}
}
