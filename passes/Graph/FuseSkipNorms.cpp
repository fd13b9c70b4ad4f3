#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFUSESKIPNORMS
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFuseSkipNormsBase<Pass_> { void runOnOperation() override {} };
}
}
