#include "passes/Passes.h"
namespace kiln {
#define GEN_PASS_DEF_KILNFUSEATTENTION
#include "passes/Passes.h.inc"
namespace {
struct Pass_ : impl::KilnFuseAttentionBase<Pass_> { void runOnOperation() override {} };
}
}
