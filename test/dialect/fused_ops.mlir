// The ops the graph optimizer fuses into parse, verify and print back.
// RUN: kiln-opt %s | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<2x8x16xf32>, %w: tensor<16x32xf32>, %wt: tensor<32x16xf32>,
                  %b: tensor<32xf32>, %r: tensor<2x8x32xf32>) {
  // CHECK: kiln.linear %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  %0 = kiln.linear %x, %w : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  // CHECK: kiln.linear %{{.*}}, %{{.*}} transpose_rhs bias(%{{.*}}) activation = gelu_tanh residual(%{{.*}})
  %1 = kiln.linear %x, %wt transpose_rhs bias(%b) activation = gelu_tanh residual(%r) : (tensor<2x8x16xf32>, tensor<32x16xf32>, tensor<32xf32>, tensor<2x8x32xf32>) -> tensor<2x8x32xf32>
  // CHECK: kiln.linear %{{.*}}, %{{.*}} bias(%{{.*}}) activation = relu :
  %2 = kiln.linear %x, %w bias(%b) activation = relu : (tensor<2x8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  return
}

// CHECK-LABEL: func.func @skip_norms
func.func @skip_norms(%x: tensor<2x8x16xf32>, %s: tensor<2x8x16xf32>, %g: tensor<16xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = kiln.skip_layer_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} axis = 2 epsilon = 9.99999974E-6
  %0:2 = kiln.skip_layer_norm %x, %s, %g, %g axis = 2 epsilon = 1.0e-5 : (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>)
  // CHECK: kiln.skip_rms_norm %{{.*}}, %{{.*}}, %{{.*}} axis = 2
  %1:2 = kiln.skip_rms_norm %x, %s, %g axis = 2 epsilon = 1.0e-6 : (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<16xf32>) -> (tensor<2x8x16xf32>, tensor<2x8x16xf32>)
  return
}

// CHECK-LABEL: func.func @rotary_attention
func.func @rotary_attention(%q: tensor<1x8x4x16xf32>, %k: tensor<1x2x4x16xf32>,
                            %cos: tensor<1x4x8xf32>) {
  // CHECK: kiln.attention %{{.*}}, %{{.*}}, %{{.*}} rotary(%{{.*}}, %{{.*}}) scale = 2.500000e-01 causal {rotary_dim = 16 : i64, rotary_interleaved}
  %0 = kiln.attention %q, %k, %k rotary(%cos, %cos) scale = 0.25 causal {rotary_dim = 16 : i64, rotary_interleaved} : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x8x4x16xf32>
  return
}
