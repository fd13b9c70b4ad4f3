//===- ProfileReport.h - kiln-run's --profile table -------------*- C++ -*-===//
#ifndef KILN_TOOLS_KILN_RUN_PROFILEREPORT_H
#define KILN_TOOLS_KILN_RUN_PROFILEREPORT_H

#include "kiln_rt.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

/// Per kernel kind, then per kernel shape (calls with the same kind, shape
/// and epilogue summed), the time of the profiled runs; `placement` is where
/// the weights were (kiln_context_weights_placement).
void printProfile(llvm::raw_ostream &os, const kiln_profile &prof, int threads,
                  int placement);

} // namespace kiln

#endif
