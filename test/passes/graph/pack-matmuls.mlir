// RUN: kiln-opt %s --kiln-pack-matmuls -split-input-file 2>%t.remarks | FileCheck %s
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks

// Q/K/V projections with biases become one matmul against the weights
// concatenated along N, one bias add, and slices.
// CHECK-LABEL: func.func @qkv
// CHECK: %[[W:.*]] = kiln.concat %{{.*}}, %{{.*}}, %{{.*}} axis = 1 : (tensor<8x8xf32>, tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x16xf32>
// CHECK: %[[MM:.*]] = kiln.matmul %arg0, %[[W]] : (tensor<1x3x8xf32>, tensor<8x16xf32>) -> tensor<1x3x16xf32>
// CHECK: %[[B:.*]] = kiln.concat %{{.*}}, %{{.*}}, %{{.*}} axis = 0 : (tensor<8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<16xf32>
// CHECK: %[[Y:.*]] = kiln.add %[[MM]], %[[B]]
// CHECK: kiln.slice %[[Y]] starts [0, 0, 0] steps [1, 1, 1] : tensor<1x3x16xf32> -> tensor<1x3x8xf32>
// CHECK: kiln.slice %[[Y]] starts [0, 0, 8] steps [1, 1, 1] : tensor<1x3x16xf32> -> tensor<1x3x4xf32>
// CHECK: kiln.slice %[[Y]] starts [0, 0, 12] steps [1, 1, 1] : tensor<1x3x16xf32> -> tensor<1x3x4xf32>
// CHECK-NOT: kiln.matmul
// REMARK: remark: fused packed_matmul (3 with bias)
func.func @qkv(%x: tensor<1x3x8xf32>) -> (tensor<1x3x8xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>) {
  %wq = kiln.constant dense<1.0> : tensor<8x8xf32>
  %wk = kiln.constant dense<2.0> : tensor<8x4xf32>
  %wv = kiln.constant dense<3.0> : tensor<8x4xf32>
  %bq = kiln.constant dense<0.1> : tensor<8xf32>
  %bk = kiln.constant dense<0.2> : tensor<4xf32>
  %bv = kiln.constant dense<0.3> : tensor<4xf32>
  %q = kiln.matmul %x, %wq : (tensor<1x3x8xf32>, tensor<8x8xf32>) -> tensor<1x3x8xf32>
  %qb = kiln.add %q, %bq : (tensor<1x3x8xf32>, tensor<8xf32>) -> tensor<1x3x8xf32>
  %k = kiln.matmul %x, %wk : (tensor<1x3x8xf32>, tensor<8x4xf32>) -> tensor<1x3x4xf32>
  %kb = kiln.add %k, %bk : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  %v = kiln.matmul %x, %wv : (tensor<1x3x8xf32>, tensor<8x4xf32>) -> tensor<1x3x4xf32>
  %vb = kiln.add %v, %bv : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  return %qb, %kb, %vb : tensor<1x3x8xf32>, tensor<1x3x4xf32>, tensor<1x3x4xf32>
}

// -----

// Weights that are activations (attention's q k^T) never pack; a lone
// projection stays as it is.
// CHECK-LABEL: func.func @no_pack
// CHECK-COUNT-2: kiln.matmul
// CHECK-NOT: kiln.concat
func.func @no_pack(%x: tensor<3x8xf32>, %y: tensor<8x3xf32>) -> (tensor<3x3xf32>, tensor<3x8xf32>) {
  %w = kiln.constant dense<1.0> : tensor<8x8xf32>
  %0 = kiln.matmul %x, %y : (tensor<3x8xf32>, tensor<8x3xf32>) -> tensor<3x3xf32>
  %1 = kiln.matmul %x, %w : (tensor<3x8xf32>, tensor<8x8xf32>) -> tensor<3x8xf32>
  return %0, %1 : tensor<3x3xf32>, tensor<3x8xf32>
}
