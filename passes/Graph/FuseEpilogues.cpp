#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFUSEEPILOGUES
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFuseEpiloguesBase<Pass_> { void runOnOperation() override {} };
}
}
