// Canonical forms the graph optimizer matches on.
// RUN: kiln-opt %s -canonicalize -split-input-file | FileCheck %s

// Constants of commutative ops move to the right.
// CHECK-LABEL: func.func @constant_right
// CHECK: kiln.add %arg0, %{{.*}} : (tensor<2x4xf32>, tensor<4xf32>)
// CHECK: kiln.mul %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<f32>)
func.func @constant_right(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %b = kiln.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %c = kiln.constant dense<0.5> : tensor<f32>
  %0 = kiln.add %b, %x : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = kiln.mul %c, %0 : (tensor<f32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// not(eq) is ne; not(lt) on floats is not ge (NaN), so it stays.
// CHECK-LABEL: func.func @not_cmp
// CHECK: %[[NE:.*]] = kiln.cmp ne, %arg0, %arg1 : (tensor<4xi64>, tensor<4xi64>)
// CHECK: %[[LT:.*]] = kiln.cmp lt, %arg2, %arg3
// CHECK: kiln.not %[[LT]]
func.func @not_cmp(%a: tensor<4xi64>, %b: tensor<4xi64>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi1>) {
  %0 = kiln.cmp eq, %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %1 = kiln.not %0 : tensor<4xi1>
  %2 = kiln.cmp lt, %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %3 = kiln.not %2 : tensor<4xi1>
  return %1, %3 : tensor<4xi1>, tensor<4xi1>
}

// -----

// A transpose of the last two dims becomes the matmul's flag; a matmul of a
// flattened activation multiplies the unflattened one; a bias add and a GELU
// move above a reshape that keeps the last dim.
// CHECK-LABEL: func.func @matmul_forms
// CHECK: %[[MM:.*]] = kiln.matmul %arg0, %arg1 transpose_rhs : (tensor<2x8x16xf32>, tensor<32x16xf32>) -> tensor<2x8x32xf32>
// CHECK: %[[ADD:.*]] = kiln.add %[[MM]], %arg2 : (tensor<2x8x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
// CHECK: %[[G:.*]] = kiln.gelu %[[ADD]] none : tensor<2x8x32xf32>
// CHECK: kiln.reshape %[[G]] : tensor<2x8x32xf32> -> tensor<16x32xf32>
func.func @matmul_forms(%x: tensor<2x8x16xf32>, %w: tensor<32x16xf32>, %b: tensor<32xf32>) -> tensor<16x32xf32> {
  %flat = kiln.reshape %x : tensor<2x8x16xf32> -> tensor<16x16xf32>
  %wt = kiln.transpose %w [1, 0] : tensor<32x16xf32> -> tensor<16x32xf32>
  %0 = kiln.matmul %flat, %wt : (tensor<16x16xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
  %1 = kiln.add %0, %b : (tensor<16x32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
  %2 = kiln.gelu %1 none : tensor<16x32xf32>
  return %2 : tensor<16x32xf32>
}

// -----

// A constant lower-triangular mask (bool, or 0/-inf) is the causal flag; a
// mask that hides nothing goes; one that hides other keys stays.
// CHECK-LABEL: func.func @causal_masks
// CHECK: kiln.attention %arg0, %arg0, %arg0 scale = 5.000000e-01 causal :
// CHECK: kiln.attention %arg0, %arg0, %arg0 scale = 5.000000e-01 causal :
// CHECK: kiln.attention %arg0, %arg0, %arg0 scale = 5.000000e-01 :
// CHECK: kiln.attention %arg0, %arg0, %arg0 mask(%{{.*}}) scale = 5.000000e-01 :
func.func @causal_masks(%q: tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) {
  %tri = kiln.constant dense<[[true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
  %inf = kiln.constant dense<[[[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>
  %none = kiln.constant dense<0.0> : tensor<1x1x1x3xf32>
  %pad = kiln.constant dense<[[true, true, false]]> : tensor<1x3xi1>
  %0 = kiln.attention %q, %q, %q mask(%tri) scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<3x3xi1>) -> tensor<1x2x3x4xf32>
  %1 = kiln.attention %q, %q, %q mask(%inf) scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x2x3x4xf32>
  %2 = kiln.attention %q, %q, %q mask(%none) scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x4xf32>
  %3 = kiln.attention %q, %q, %q mask(%pad) scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x3xi1>) -> tensor<1x2x3x4xf32>
  return %0, %1, %2, %3 : tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>
}

// -----

// With past keys, causal means j <= i + P: a [S, P + S] triangle shifted by P.
// CHECK-LABEL: func.func @causal_with_past
// CHECK: kiln.attention {{.*}} past({{.*}}) scale = 5.000000e-01 causal :
func.func @causal_with_past(%q: tensor<1x1x2x4xf32>, %p: tensor<1x1x1x4xf32>) -> tensor<1x1x2x4xf32> {
  %m = kiln.constant dense<[[true, true, false], [true, true, true]]> : tensor<2x3xi1>
  %0:3 = kiln.attention %q, %q, %q mask(%m) past(%p, %p) scale = 0.5 : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<2x3xi1>, tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>)
  return %0#0 : tensor<1x1x2x4xf32>
}
