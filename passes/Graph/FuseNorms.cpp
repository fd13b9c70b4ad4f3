#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFUSENORMS
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFuseNormsBase<Pass_> { void runOnOperation() override {} };
}
}
