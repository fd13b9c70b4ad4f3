#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFUSEROTARY
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFuseRotaryBase<Pass_> { void runOnOperation() override {} };
}
}
