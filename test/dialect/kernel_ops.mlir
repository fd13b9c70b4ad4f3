// RUN: kiln-opt %s -split-input-file | kiln-opt | FileCheck %s
// The kiln_kernel ops round-trip on tensors and on memrefs.

// CHECK-LABEL: func.func @tensors
// CHECK: kiln_kernel.gemm %arg0, %arg1 packed bias(%arg2 : tensor<64xf32>) activation = gelu outs(%{{.*}} : tensor<1x8x64xf32>) : tensor<1x8x32xf32>, tensor<2x32x48xf32> -> tensor<1x8x64xf32>
// CHECK: kiln_kernel.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x1x1x8xi1>) outs(%{{.*}} : tensor<1x8x2x4xf32>) {causal, scale = 5.000000e-01 : f32, seq_major = array<i1: true, true, true, true>}
// CHECK: kiln_kernel.norm %{{.*}} skip(%{{.*}} : tensor<1x8x64xf32>) scale(%{{.*}} : tensor<64xf32>) outs(%{{.*}}, %{{.*}} : tensor<1x8x64xf32>, tensor<1x8x64xf32>) {epsilon = 9.99999974E-6 : f32, rms}
// CHECK: kiln_kernel.softmax %{{.*}} outs(%{{.*}} : tensor<1x8x64xf32>) {log}
func.func @tensors(%x: tensor<1x8x32xf32>, %w: tensor<2x32x48xf32>, %b: tensor<64xf32>,
                   %q: tensor<1x8x2x4xf32>, %m: tensor<1x1x1x8xi1>, %s: tensor<64xf32>)
    -> (tensor<1x8x64xf32>, tensor<1x8x2x4xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) {
  %e = tensor.empty() : tensor<1x8x64xf32>
  %y = kiln_kernel.gemm %x, %w packed bias(%b : tensor<64xf32>) activation = gelu outs(%e : tensor<1x8x64xf32>) : tensor<1x8x32xf32>, tensor<2x32x48xf32> -> tensor<1x8x64xf32>
  %eq = tensor.empty() : tensor<1x8x2x4xf32>
  %a = kiln_kernel.attention %q, %q, %q mask(%m : tensor<1x1x1x8xi1>) outs(%eq : tensor<1x8x2x4xf32>) {scale = 0.5 : f32, causal, seq_major = array<i1: true, true, true, true>} : tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32>, tensor<1x8x2x4xf32> -> tensor<1x8x2x4xf32>
  %e2 = tensor.empty() : tensor<1x8x64xf32>
  %n:2 = kiln_kernel.norm %y skip(%y : tensor<1x8x64xf32>) scale(%s : tensor<64xf32>) outs(%e, %e2 : tensor<1x8x64xf32>, tensor<1x8x64xf32>) {epsilon = 1.0e-5 : f32, rms} : tensor<1x8x64xf32> -> tensor<1x8x64xf32>, tensor<1x8x64xf32>
  %sm = kiln_kernel.softmax %n#0 outs(%e2 : tensor<1x8x64xf32>) {log} : tensor<1x8x64xf32> -> tensor<1x8x64xf32>
  return %y, %a, %n#1, %sm : tensor<1x8x64xf32>, tensor<1x8x2x4xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>
}

// -----

// The norm epilogue: over C (one result), and into its own outs (two).
// CHECK-LABEL: func.func @gemm_norms
// CHECK: kiln_kernel.gemm %arg0, %arg1 row_major residual(%arg2 : tensor<4x16xf32>) k_split = 8 norm_scale(%arg3 : tensor<16xf32>) norm_bias(%arg3 : tensor<16xf32>) outs(%{{.*}} : tensor<4x16xf32>) {norm_epsilon = 9.99999974E-6 : f32} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
// CHECK: %{{.*}}:2 = kiln_kernel.gemm %arg0, %arg1 row_major norm_scale(%arg3 : tensor<16xf32>) outs(%{{.*}}, %{{.*}} : tensor<4x16xf32>, tensor<4x16xf32>) {norm_epsilon = 9.99999974E-6 : f32, norm_rms} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>, tensor<4x16xf32>
func.func @gemm_norms(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<4x16xf32>, %g: tensor<16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %e = tensor.empty() : tensor<4x16xf32>
  %y = kiln_kernel.gemm %a, %w row_major residual(%r : tensor<4x16xf32>) k_split = 8 norm_scale(%g : tensor<16xf32>) norm_bias(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {norm_epsilon = 1.0e-5 : f32} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %z:2 = kiln_kernel.gemm %a, %w row_major norm_scale(%g : tensor<16xf32>) outs(%e, %e2 : tensor<4x16xf32>, tensor<4x16xf32>) {norm_epsilon = 1.0e-5 : f32, norm_rms} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>, tensor<4x16xf32>
  return %y, %z#1 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @memrefs
// CHECK: kiln_kernel.gemm %arg0, %arg1 transposed outs(%arg2 : memref<3x4x5xf32>) : memref<3x4x6xf32>, memref<5x6xf32>
// CHECK-NOT: ->
// CHECK: kiln_kernel.gemm %arg0, %arg1 transposed k_split = 2 outs(%arg2 : memref<3x4x5xf32>) : memref<3x4x6xf32>, memref<5x6xf32>
func.func @memrefs(%a: memref<3x4x6xf32>, %b: memref<5x6xf32>, %c: memref<3x4x5xf32>) {
  kiln_kernel.gemm %a, %b transposed outs(%c : memref<3x4x5xf32>) : memref<3x4x6xf32>, memref<5x6xf32>
  kiln_kernel.gemm %a, %b transposed k_split = 2 outs(%c : memref<3x4x5xf32>) : memref<3x4x6xf32>, memref<5x6xf32>
  return
}
