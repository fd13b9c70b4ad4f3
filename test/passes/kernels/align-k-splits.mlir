// RUN: kiln-opt %s --kiln-align-k-splits -split-input-file | FileCheck %s

// The FFN pair: the second GEMM reads the first one's result (K = 4 N), so it
// splits K at the first one's panel width (48, from its packed B), and the
// function records one partial product of the result per extra thread
// (8 x 16 floats = 512 bytes). The first GEMM reads an argument: no split.
// CHECK-LABEL: func.func @ffn
// CHECK-SAME: kiln.scratch_per_thread = 512 : i64
// CHECK: %[[H:.*]] = kiln_kernel.gemm %arg0, %{{.*}} packed activation = gelu outs(
// CHECK: kiln_kernel.gemm %[[H]], %{{.*}} packed k_split = 48 outs(
func.func @ffn(%x: tensor<8x16xf32>, %w1: tensor<2x16x48xf32>, %w2: tensor<1x64x16xf32>) -> tensor<8x16xf32> {
  %e1 = tensor.empty() : tensor<8x64xf32>
  %h = kiln_kernel.gemm %x, %w1 packed activation = gelu outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<2x16x48xf32> -> tensor<8x64xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %y = kiln_kernel.gemm %h, %w2 packed outs(%e2 : tensor<8x16xf32>) : tensor<8x64xf32>, tensor<1x64x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Through a reshape that keeps the columns; the largest result sets the
// scratch (2 x 4 x 16 floats).
// CHECK-LABEL: func.func @reshaped
// CHECK-SAME: kiln.scratch_per_thread = 512 : i64
// CHECK: kiln_kernel.gemm %{{.*}}, %{{.*}} packed k_split = 16 outs(%{{.*}} : tensor<2x4x16xf32>)
func.func @reshaped(%x: tensor<8x16xf32>, %w1: tensor<4x16x16xf32>, %w2: tensor<1x64x16xf32>) -> tensor<2x4x16xf32> {
  %e1 = tensor.empty() : tensor<8x64xf32>
  %h = kiln_kernel.gemm %x, %w1 packed outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<4x16x16xf32> -> tensor<8x64xf32>
  %r = kiln.reshape %h : tensor<8x64xf32> -> tensor<2x4x64xf32>
  %e2 = tensor.empty() : tensor<2x4x16xf32>
  %y = kiln_kernel.gemm %r, %w2 packed outs(%e2 : tensor<2x4x16xf32>) : tensor<2x4x64xf32>, tensor<1x64x16xf32> -> tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// No split: K below twice N (the sum would cost more than A's move), a
// reshape that regroups the producer's columns, a producer whose B is not
// packed, and an A no GEMM wrote. Nothing to record on the function.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: kiln.scratch_per_thread
// CHECK-NOT: k_split
func.func @kept(%x: tensor<8x16xf32>, %w1: tensor<2x16x48xf32>, %w2: tensor<1x64x48xf32>,
                %w3: tensor<1x32x16xf32>, %wd: tensor<16x64xf32>, %w4: tensor<1x64x16xf32>,
                %w5: tensor<1x16x16xf32>)
    -> (tensor<8x48xf32>, tensor<16x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) {
  %e1 = tensor.empty() : tensor<8x64xf32>
  %h = kiln_kernel.gemm %x, %w1 packed outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<2x16x48xf32> -> tensor<8x64xf32>
  %e2 = tensor.empty() : tensor<8x48xf32>
  %a = kiln_kernel.gemm %h, %w2 packed outs(%e2 : tensor<8x48xf32>) : tensor<8x64xf32>, tensor<1x64x48xf32> -> tensor<8x48xf32>
  %r = kiln.reshape %h : tensor<8x64xf32> -> tensor<16x32xf32>
  %e3 = tensor.empty() : tensor<16x16xf32>
  %b = kiln_kernel.gemm %r, %w3 packed outs(%e3 : tensor<16x16xf32>) : tensor<16x32xf32>, tensor<1x32x16xf32> -> tensor<16x16xf32>
  %d = kiln_kernel.gemm %x, %wd row_major outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<16x64xf32> -> tensor<8x64xf32>
  %e4 = tensor.empty() : tensor<8x16xf32>
  %c = kiln_kernel.gemm %d, %w4 packed outs(%e4 : tensor<8x16xf32>) : tensor<8x64xf32>, tensor<1x64x16xf32> -> tensor<8x16xf32>
  %f = kiln_kernel.gemm %x, %w5 packed outs(%e4 : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  return %a, %b, %c, %f : tensor<8x48xf32>, tensor<16x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>
}
