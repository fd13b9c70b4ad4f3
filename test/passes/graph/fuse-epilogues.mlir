// RUN: kiln-opt %s --kiln-fuse-epilogues -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// Bias, GELU and residual, in the order a GEMM applies them to its tile.
// CHECK-LABEL: func.func @ffn
// CHECK: %[[H:.*]] = kiln.linear %arg0, %arg1 bias(%arg2) activation = gelu : (tensor<1x4x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<1x4x32xf32>
// CHECK: %[[O:.*]] = kiln.linear %[[H]], %arg3 bias(%arg4) residual(%arg0) :
// CHECK: %[[T:.*]] = kiln.linear %arg0, %arg5 transpose_rhs activation = gelu_tanh :
// CHECK: return %[[O]], %[[T]]
// REMARK: remark: fused linear (bias+activation)
// REMARK: remark: fused linear (bias+residual)
// REMARK: remark: fused linear (activation)
func.func @ffn(%x: tensor<1x4x8xf32>, %w1: tensor<8x32xf32>, %b1: tensor<32xf32>,
               %w2: tensor<32x8xf32>, %b2: tensor<8xf32>, %wt: tensor<16x8xf32>) -> (tensor<1x4x8xf32>, tensor<1x4x16xf32>) {
  %0 = kiln.matmul %x, %w1 : (tensor<1x4x8xf32>, tensor<8x32xf32>) -> tensor<1x4x32xf32>
  %1 = kiln.add %0, %b1 : (tensor<1x4x32xf32>, tensor<32xf32>) -> tensor<1x4x32xf32>
  %2 = kiln.gelu %1 none : tensor<1x4x32xf32>
  %3 = kiln.matmul %2, %w2 : (tensor<1x4x32xf32>, tensor<32x8xf32>) -> tensor<1x4x8xf32>
  %4 = kiln.add %3, %b2 : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %5 = kiln.add %x, %4 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %6 = kiln.matmul %x, %wt transpose_rhs : (tensor<1x4x8xf32>, tensor<16x8xf32>) -> tensor<1x4x16xf32>
  %7 = kiln.gelu %6 tanh : tensor<1x4x16xf32>
  return %5, %7 : tensor<1x4x8xf32>, tensor<1x4x16xf32>
}

// -----

// A product read twice keeps its epilogue outside; a per-element "bias" is
// a residual, not a bias; batched weights are not a GEMM with a 2-D weight.
// CHECK-LABEL: func.func @not_epilogues
// CHECK: kiln.matmul %arg0, %arg1
// CHECK: kiln.linear %arg0, %arg1 residual(%arg2)
// CHECK: kiln.matmul %arg3, %arg4
// REMARK: not fused linear: epilogue: the product is also read by other ops
func.func @not_epilogues(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %r: tensor<4x8xf32>,
                         %bx: tensor<2x4x8xf32>, %bw: tensor<2x8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>) {
  %0 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %1 = kiln.gelu %0 none : tensor<4x8xf32>
  %2 = kiln.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %3 = kiln.add %2, %r : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = kiln.matmul %bx, %bw : (tensor<2x4x8xf32>, tensor<2x8x8xf32>) -> tensor<2x4x8xf32>
  %5 = kiln.relu %4 : tensor<2x4x8xf32>
  return %0, %1, %3, %5 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x4x8xf32>
}
