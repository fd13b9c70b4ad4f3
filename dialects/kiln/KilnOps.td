//===- KilnOps.td - all kiln ops -----------------------------*- tablegen -*-===//

#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "dialects/kiln/KilnElementwiseOps.td"
include "dialects/kiln/KilnTensorOps.td"
include "dialects/kiln/KilnNNOps.td"
include "dialects/kiln/KilnQuantOps.td"
include "dialects/kiln/KilnFusedOps.td"

#endif // KILN_OPS_TD
