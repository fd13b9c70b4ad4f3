// Folders evaluate the small integer subgraphs exporters build shapes with.
// RUN: kiln-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @shape_arith
func.func @shape_arith() -> tensor<3xi64> {
  %s = kiln.constant dense<[1, 12, 128, 64]> : tensor<4xi64>
  %i = kiln.constant dense<[0, 2]> : tensor<2xi64>
  %g = kiln.gather %s[%i] axis = 0 : (tensor<4xi64>, tensor<2xi64>) -> tensor<2xi64>
  %m = kiln.constant dense<[-1]> : tensor<1xi64>
  %c = kiln.concat %g, %m axis = 0 : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %two = kiln.constant dense<2> : tensor<i64>
  %r = kiln.mul %c, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  // CHECK: %[[C:.*]] = kiln.constant dense<[2, 256, -2]> : tensor<3xi64>
  // CHECK-NEXT: return %[[C]]
  return %r : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @integer_semantics
func.func @integer_semantics() -> (tensor<2xi64>, tensor<2xi64>, tensor<2xui8>, tensor<2xi1>) {
  %a = kiln.constant dense<[-7, 7]> : tensor<2xi64>
  %b = kiln.constant dense<[2, -2]> : tensor<2xi64>
  // Division truncates toward zero; mod takes the divisor's sign.
  // CHECK-DAG: kiln.constant dense<-3> : tensor<2xi64>
  %d = kiln.div %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  // CHECK-DAG: kiln.constant dense<[1, -1]> : tensor<2xi64>
  %m = kiln.mod %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  // Unsigned arithmetic wraps in 8 bits.
  %u = kiln.constant dense<[250, 3]> : tensor<2xui8>
  %v = kiln.constant dense<[10, 4]> : tensor<2xui8>
  // CHECK-DAG: kiln.constant dense<[4, 7]> : tensor<2xui8>
  %s = kiln.add %u, %v : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  // 250 > 10 only when compared unsigned.
  // CHECK-DAG: kiln.constant dense<[true, false]> : tensor<2xi1>
  %gt = kiln.cmp gt, %u, %v : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xi1>
  return %d, %m, %s, %gt : tensor<2xi64>, tensor<2xi64>, tensor<2xui8>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func.func @data_movement
func.func @data_movement() -> (tensor<3x2xi64>, tensor<2xi64>, tensor<2x3xi64>, tensor<2xi64>) {
  %x = kiln.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  // CHECK-DAG: kiln.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
  %t = kiln.transpose %x [1, 0] : tensor<2x3xi64> -> tensor<3x2xi64>
  // Reversed slice of the last row: [6, 4].
  // CHECK-DAG: kiln.constant dense<[6, 4]> : tensor<2xi64>
  %s = kiln.slice %x starts [1, 2] steps [1, -2] : tensor<2x3xi64> -> tensor<1x2xi64>
  %sr = kiln.reshape %s : tensor<1x2xi64> -> tensor<2xi64>
  %c = kiln.constant dense<[true, false, true]> : tensor<3xi1>
  %z = kiln.constant dense<0> : tensor<i64>
  // CHECK-DAG: kiln.constant dense<{{\[}}[1, 0, 3], [4, 0, 6]]> : tensor<2x3xi64>
  %w = kiln.where %c, %x, %z : (tensor<3xi1>, tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi64>
  // CHECK-DAG: kiln.constant dense<[6, 120]> : tensor<2xi64>
  %p = kiln.reduce prod %x axes [1] : tensor<2x3xi64> -> tensor<2xi64>
  return %t, %sr, %w, %p : tensor<3x2xi64>, tensor<2xi64>, tensor<2x3xi64>, tensor<2xi64>
}

// -----

// Splats stay splats however large the result is.
// CHECK-LABEL: func.func @splat
func.func @splat() -> tensor<1024x1024xf32> {
  %a = kiln.constant dense<1.5> : tensor<1x1024xf32>
  %e = kiln.expand %a : tensor<1x1024xf32> -> tensor<1024x1024xf32>
  %b = kiln.constant dense<2.0> : tensor<f32>
  %m = kiln.mul %e, %b : (tensor<1024x1024xf32>, tensor<f32>) -> tensor<1024x1024xf32>
  // CHECK: kiln.constant dense<3.000000e+00> : tensor<1024x1024xf32>
  return %m : tensor<1024x1024xf32>
}

// -----

// Weights in resources are never folded, and identities disappear.
// CHECK-LABEL: func.func @no_fold
func.func @no_fold(%x: tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = kiln.constant dense_resource<w> : tensor<2x2xf32>
  // CHECK: kiln.transpose
  %t = kiln.transpose %w [1, 0] : tensor<2x2xf32> -> tensor<2x2xf32>
  // CHECK-NOT: kiln.reshape
  %r = kiln.reshape %x : tensor<2x2xf32> -> tensor<4xf32>
  %r2 = kiln.reshape %r : tensor<4xf32> -> tensor<2x2xf32>
  // CHECK: return %{{.*}}, %arg0
  return %t, %r2 : tensor<2x2xf32>, tensor<2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// A constant condition that is the same everywhere selects one side, whatever
// the other side is; the side's type must be the result's.
// CHECK-LABEL: func.func @where_uniform_condition
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[S:.*]]: tensor<f32>)
func.func @where_uniform_condition(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>, %s: tensor<f32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %t = kiln.constant dense<true> : tensor<2x1xi1>
  %f = kiln.constant dense<false> : tensor<2x3xi1>
  %x = kiln.where %t, %a, %b : (tensor<2x1xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = kiln.where %f, %a, %b : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // The chosen side would need a broadcast: stays.
  // CHECK: %[[W:.*]] = kiln.where %{{.*}}, %[[S]], %[[B]]
  %z = kiln.where %t, %s, %b : (tensor<2x1xi1>, tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: return %[[A]], %[[B]], %[[W]]
  return %x, %y, %z : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
