// RUN: kiln-opt %s --kiln-fuse-gemm-norms -split-input-file | FileCheck %s

// Post-norm (BERT): LN(x + proj(h)) with the sum read nowhere else. x
// becomes the GEMM's residual and the norm overwrites the sum in the GEMM's
// own outs; k_split and the GEMM's bias stay.
// CHECK-LABEL: func.func @post_norm
// CHECK-SAME: (%[[H:.*]]: tensor<8x64xf32>, %[[W:.*]]: tensor<1x64x16xf32>, %[[B:.*]]: tensor<16xf32>, %[[X:.*]]: tensor<8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[BETA:.*]]: tensor<16xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x16xf32>
// CHECK: %[[Y:.*]] = kiln_kernel.gemm %[[H]], %[[W]] packed bias(%[[B]] : tensor<16xf32>) residual(%[[X]] : tensor<8x16xf32>) k_split = 48 norm_scale(%[[G]] : tensor<16xf32>) norm_bias(%[[BETA]] : tensor<16xf32>) outs(%[[E]] : tensor<8x16xf32>) {norm_epsilon = 9.99999996E-13 : f32} : tensor<8x64xf32>, tensor<1x64x16xf32> -> tensor<8x16xf32>
// CHECK-NOT: kiln_kernel.norm
// CHECK: return %[[Y]]
func.func @post_norm(%h: tensor<8x64xf32>, %w: tensor<1x64x16xf32>, %b: tensor<16xf32>,
                     %x: tensor<8x16xf32>, %g: tensor<16xf32>, %beta: tensor<16xf32>) -> tensor<8x16xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  %p = kiln_kernel.gemm %h, %w packed bias(%b : tensor<16xf32>) k_split = 48 outs(%e : tensor<8x16xf32>) : tensor<8x64xf32>, tensor<1x64x16xf32> -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %y = kiln_kernel.norm %x skip(%p : tensor<8x16xf32>) scale(%g : tensor<16xf32>) bias(%beta : tensor<16xf32>) outs(%e2 : tensor<8x16xf32>) {epsilon = 1.0e-12 : f32} : tensor<8x16xf32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Pre-norm (GPT-2, Llama): the sum is the residual stream and is kept, so
// the GEMM writes it to the norm's second outs and the norm to its first;
// results swap places. The GEMM is x here, the skip its residual; RMSNorm.
// (A row-major B splits K as well as a packed one.)
// CHECK-LABEL: func.func @pre_norm
// CHECK: tensor.empty()
// CHECK: %[[Y:.*]] = tensor.empty() : tensor<2x4x16xf32>
// CHECK: %[[S:.*]] = tensor.empty() : tensor<2x4x16xf32>
// CHECK: %[[F:.*]]:2 = kiln_kernel.gemm %arg0, %arg1 row_major residual(%arg2 : tensor<2x4x16xf32>) activation = gelu k_split = 4 norm_scale(%arg3 : tensor<16xf32>) outs(%[[S]], %[[Y]] : tensor<2x4x16xf32>, tensor<2x4x16xf32>) {norm_epsilon = 9.99999974E-6 : f32, norm_rms}
// CHECK: return %[[F]]#1, %[[F]]#0
func.func @pre_norm(%a: tensor<2x4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<2x4x16xf32>, %g: tensor<16xf32>)
    -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>) {
  %e = tensor.empty() : tensor<2x4x16xf32>
  %p = kiln_kernel.gemm %a, %w row_major activation = gelu k_split = 4 outs(%e : tensor<2x4x16xf32>) : tensor<2x4x8xf32>, tensor<8x16xf32> -> tensor<2x4x16xf32>
  %ey = tensor.empty() : tensor<2x4x16xf32>
  %es = tensor.empty() : tensor<2x4x16xf32>
  %n:2 = kiln_kernel.norm %p skip(%r : tensor<2x4x16xf32>) scale(%g : tensor<16xf32>) outs(%ey, %es : tensor<2x4x16xf32>, tensor<2x4x16xf32>) {epsilon = 1.0e-5 : f32, rms} : tensor<2x4x16xf32> -> tensor<2x4x16xf32>, tensor<2x4x16xf32>
  return %n#0, %n#1 : tensor<2x4x16xf32>, tensor<2x4x16xf32>
}

// -----

// A norm without a skip of a GEMM that has a residual already: fused, the
// residual kept.
// CHECK-LABEL: func.func @plain_norm
// CHECK: kiln_kernel.gemm %arg0, %arg1 row_major residual(%arg2 : tensor<4x16xf32>) k_split = 2 norm_scale(%arg3 : tensor<16xf32>) outs(
// CHECK-NOT: kiln_kernel.norm
func.func @plain_norm(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<4x16xf32>, %g: tensor<16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %p = kiln_kernel.gemm %a, %w row_major residual(%r : tensor<4x16xf32>) k_split = 2 outs(%e : tensor<4x16xf32>) : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %y = kiln_kernel.norm %p scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Left alone: a GEMM result read twice; a skip norm of a GEMM that already
// adds a residual (two residuals); a norm of a GEMM's norm (already fused);
// a GEMM that does not split K (its threads own columns, not rows).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: kiln_kernel.norm
// CHECK-NOT: norm_scale(%arg3 : tensor<16xf32>) norm_bias
func.func @kept(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %r: tensor<4x16xf32>, %g: tensor<16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %e = tensor.empty() : tensor<4x16xf32>
  %p = kiln_kernel.gemm %a, %w row_major k_split = 2 outs(%e : tensor<4x16xf32>) : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %y1 = kiln_kernel.norm %p skip(%r : tensor<4x16xf32>) scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>
  %q = kiln_kernel.gemm %a, %w row_major residual(%r : tensor<4x16xf32>) k_split = 2 outs(%e : tensor<4x16xf32>) : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %y2 = kiln_kernel.norm %q skip(%r : tensor<4x16xf32>) scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>
  %f = kiln_kernel.gemm %a, %w row_major k_split = 2 norm_scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {norm_epsilon = 1.0e-5 : f32} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %y3 = kiln_kernel.norm %f scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>
  %n = kiln_kernel.gemm %a, %w row_major outs(%e : tensor<4x16xf32>) : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %y4 = kiln_kernel.norm %n skip(%r : tensor<4x16xf32>) scale(%g : tensor<16xf32>) outs(%e : tensor<4x16xf32>) {epsilon = 1.0e-5 : f32} : tensor<4x16xf32> -> tensor<4x16xf32>
  return %y1, %p, %y2, %y3, %y4 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}
