// RUN: kiln-opt %s --kiln-mark-streamed-outputs -split-input-file | FileCheck %s

// The FFN pair: the first GEMM's result is read only as the second one's A,
// directly or through a reshape, so the first may stream it; the second's
// result is returned and keeps ordinary stores.
// CHECK-LABEL: func.func @ffn
// CHECK: %[[H:.*]] = kiln_kernel.gemm %arg0, %{{.*}} activation = gelu outs({{.*}}) {stream_c}
// CHECK: %[[Y:.*]] = kiln_kernel.gemm %[[H]], %{{.*}} outs({{[^{]*}}
// CHECK-NOT: stream_c
// CHECK: %[[G:.*]] = kiln_kernel.gemm %arg0, %{{.*}} outs({{.*}}) {stream_c}
// CHECK-NOT: stream_c
// CHECK: return
func.func @ffn(%x: tensor<8x16xf32>, %w1: tensor<2x16x48xf32>, %w2: tensor<1x64x16xf32>,
               %w3: tensor<1x32x16xf32>) -> (tensor<8x16xf32>, tensor<16x16xf32>) {
  %e1 = tensor.empty() : tensor<8x64xf32>
  %h = kiln_kernel.gemm %x, %w1 packed activation = gelu outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<2x16x48xf32> -> tensor<8x64xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %y = kiln_kernel.gemm %h, %w2 packed outs(%e2 : tensor<8x16xf32>) : tensor<8x64xf32>, tensor<1x64x16xf32> -> tensor<8x16xf32>
  %g = kiln_kernel.gemm %x, %w1 packed outs(%e1 : tensor<8x64xf32>) : tensor<8x16xf32>, tensor<2x16x48xf32> -> tensor<8x64xf32>
  %r = kiln.reshape %g : tensor<8x64xf32> -> tensor<16x32xf32>
  %e3 = tensor.empty() : tensor<16x16xf32>
  %z = kiln_kernel.gemm %r, %w3 packed outs(%e3 : tensor<16x16xf32>) : tensor<16x32xf32>, tensor<1x32x16xf32> -> tensor<16x16xf32>
  return %y, %z : tensor<8x16xf32>, tensor<16x16xf32>
}

// -----

// Not streamed: a result also returned, one read as a GEMM's residual, one
// read as a GEMM's B, one a reshape of which is returned, and one nothing
// reads.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: stream_c
func.func @kept(%x: tensor<8x16xf32>, %w: tensor<1x16x16xf32>, %sq: tensor<16x16xf32>)
    -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<2x4x16xf32>) {
  %e = tensor.empty() : tensor<8x16xf32>
  %a = kiln_kernel.gemm %x, %w packed outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  %b = kiln_kernel.gemm %a, %w packed outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  %c = kiln_kernel.gemm %x, %w packed outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  %d = kiln_kernel.gemm %x, %w packed residual(%c : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<16x16xf32>
  %bb = kiln_kernel.gemm %sq, %sq row_major outs(%e2 : tensor<16x16xf32>) : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  %t = kiln_kernel.gemm %x, %bb row_major outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<16x16xf32> -> tensor<8x16xf32>
  %u = kiln_kernel.gemm %x, %w packed outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  %ur = kiln.reshape %u : tensor<8x16xf32> -> tensor<2x4x16xf32>
  %dead = kiln_kernel.gemm %x, %w packed outs(%e : tensor<8x16xf32>) : tensor<8x16xf32>, tensor<1x16x16xf32> -> tensor<8x16xf32>
  return %a, %b, %d, %ur : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<2x4x16xf32>
}
